import fc from 'fast-check';
import { ErrorCode, UserError } from '../../../src/core/errors';
import { parseCommand, parseCommandLine, usageOf, type ParseResult } from '../../../src/core/commands/grammar';
import { COMMAND_FAMILIES } from '../../../src/core/commands/table';
import type { CommandFamily, ParseLimits, ParsedCommand } from '../../../src/core/commands/types';

// Distinct limits, so each TooLarge message can be checked to name the right one.
const LIMITS: ParseLimits = { commandChars: 5000, personaChars: 1200, exampleChars: 300, personaNameChars: 24 };

function command(name: string, text: string, limits: ParseLimits = LIMITS): ParsedCommand {
  const result = parseCommand(name, text, limits);
  if (!result.ok) throw new Error(`expected /${name} ${JSON.stringify(text)} to parse, got: ${result.error.message}`);
  return result.command;
}

function failure(name: string, text: string, limits: ParseLimits = LIMITS): UserError {
  const result = parseCommand(name, text, limits);
  if (result.ok) throw new Error(`expected /${name} ${JSON.stringify(text)} to fail, got ${JSON.stringify(result.command)}`);
  expectOneSentence(result.error.message);
  return result.error;
}

/** A message a user can read in one go: one line, one sentence, ending with a period. */
function expectOneSentence(message: string): void {
  expect(message.trim()).toBe(message);
  expect(message).not.toMatch(/[\n\r\u2028\u2029\u0085]/);
  expect(message).toMatch(/^\S.*\.$/);
  expect(message).not.toMatch(/\.\s+[A-Z]/); // no second sentence
  expect(message.length).toBeLessThan(400);
}

function parseError(name: string, text: string, limits: ParseLimits = LIMITS): string {
  const error = failure(name, text, limits);
  expect(error.code).toBe(ErrorCode.ParseError);
  return error.message;
}

function tooLarge(name: string, text: string, limits: ParseLimits = LIMITS): string {
  const error = failure(name, text, limits);
  expect(error.code).toBe(ErrorCode.TooLarge);
  return error.message;
}

describe('top-level command names', () => {
  it.each(COMMAND_FAMILIES)('accepts %s with or without a slash, in any case', (family) => {
    for (const name of [family, `/${family}`, family.toUpperCase(), `/${family[0]?.toUpperCase()}${family.slice(1)}`, ` ${family} `]) {
      expect(command(name, 'help')).toEqual({ family, action: 'help' });
    }
  });

  it('refuses an unknown command, naming it and listing the commands', () => {
    const error = failure('personas', 'show');
    expect(error.code).toBe(ErrorCode.UnknownCommand);
    expect(error.message).toContain('/personas');
    for (const family of COMMAND_FAMILIES) expect(error.message).toContain(`/${family}`);
  });

  it('refuses an empty command name with the list of commands', () => {
    const error = failure('/', '');
    expect(error.code).toBe(ErrorCode.UnknownCommand);
    expect(error.message).toMatch(/Type a command name/);
    expect(error.message).toContain('/advise');
  });

  it('quotes only the start of a huge or multi-line unknown name', () => {
    const error = failure(`zz\n${'q'.repeat(10_000)}`, '');
    expect(error.code).toBe(ErrorCode.UnknownCommand);
    expect(error.message).toContain('/zz qqq');
    expect(error.message).toContain('…');
  });
});

describe('/<family> help', () => {
  it.each(COMMAND_FAMILIES)('/%s help (any case, trailing words ignored) asks for help', (family) => {
    expect(command(family, 'help')).toEqual({ family, action: 'help' });
    expect(command(family, '  HeLp  ')).toEqual({ family, action: 'help' });
    expect(command(family, 'help set')).toEqual({ family, action: 'help' });
  });

  it.each(COMMAND_FAMILIES)('usageOf(%s) shows the command and one line per subcommand', (family) => {
    const help = usageOf(family);
    expect(help).toContain(`/${family}`);
    for (const line of help.split('\n')) expect(line.startsWith(`/${family}`)).toBe(true);
  });

  it('lists every subcommand of a family in its help', () => {
    const persona = usageOf('persona');
    for (const sub of ['show', 'set <text>', 'edit', 'reset', 'history', 'rollback <version>', 'save <name>', 'use <name>', 'list']) {
      expect(persona).toContain(sub);
    }
    expect(usageOf('fewshot')).toContain('/fewshot add <input> => <output>');
    expect(usageOf('fewshot')).toContain('auto <k>');
    expect(usageOf('route')).toContain('/route finetune [<model-id>]');
    expect(usageOf('kb')).toContain('/kb search <query>');
    expect(usageOf('finetune')).toContain('--switch');
    expect(usageOf('finetune')).toContain('--epochs <n>');
    expect(usageOf('usage')).toContain('30d');
    expect(usageOf('budget')).toContain('/budget set <usd> [warn <pct>]');
    expect(usageOf('eval')).toContain('/eval run [<lever> ...] [--judge]');
    expect(usageOf('feedback')).toContain('/feedback down [<reason>]');
  });

  it('marks the commands only admins may run', () => {
    const persona = usageOf('persona').split('\n');
    expect(persona.find((line) => line.startsWith('/persona set'))).toMatch(/\(admin\)$/);
    expect(persona.find((line) => line.startsWith('/persona history'))).not.toMatch(/admin/);
  });
});

describe('/persona', () => {
  it.each<[string, ParsedCommand]>([
    ['', { family: 'persona', action: 'show' }],
    ['show', { family: 'persona', action: 'show' }],
    ['SHOW', { family: 'persona', action: 'show' }],
    ['edit', { family: 'persona', action: 'edit' }],
    ['Reset', { family: 'persona', action: 'reset' }],
    ['history', { family: 'persona', action: 'history' }],
    ['list', { family: 'persona', action: 'list' }],
    ['set You are terse.', { family: 'persona', action: 'set', text: 'You are terse.' }],
    ['SET   You are terse.  ', { family: 'persona', action: 'set', text: 'You are terse.' }],
    ['rollback 3', { family: 'persona', action: 'rollback', version: 3 }],
    ['rollback v3', { family: 'persona', action: 'rollback', version: 3 }],
    ['ROLLBACK V12', { family: 'persona', action: 'rollback', version: 12 }],
    ['rollback 007', { family: 'persona', action: 'rollback', version: 7 }],
    ['save Support-Bot_v2.1', { family: 'persona', action: 'save', name: 'Support-Bot_v2.1' }],
    ['use Support-Bot_v2.1', { family: 'persona', action: 'use', name: 'Support-Bot_v2.1' }],
    ['use `pirate`', { family: 'persona', action: 'use', name: 'pirate' }],
    ['save Café', { family: 'persona', action: 'save', name: 'Café' }],
    ['save 客服', { family: 'persona', action: 'save', name: '客服' }],
  ])('/persona %j', (text, expected) => {
    expect(command('persona', text)).toEqual(expected);
  });

  it('keeps the inner lines of a multi-line persona and trims only the outer whitespace', () => {
    const text = 'set\n\n  You are a support agent.\n\n- Be brief.\n\t- Cite docs.\n  \n';
    expect(command('persona', text)).toEqual({
      family: 'persona',
      action: 'set',
      text: 'You are a support agent.\n\n- Be brief.\n\t- Cite docs.',
    });
  });

  it('turns \\r\\n into \\n and strips control characters instead of refusing', () => {
    expect(command('persona', 'set Line one\r\nLine\u0000 two\u0007\rLine three\u001b[0m\u007f')).toEqual({
      family: 'persona',
      action: 'set',
      text: 'Line one\nLine two\nLine three[0m',
    });
  });

  it('splits words on the non-breaking spaces Slack sends', () => {
    expect(command('persona', 'set\u00a0You are kind.')).toEqual({ family: 'persona', action: 'set', text: 'You are kind.' });
    expect(command('persona', 'rollback\u00a0v2')).toEqual({ family: 'persona', action: 'rollback', version: 2 });
  });

  it('keeps emoji, RTL, combining marks and CJK exactly as sent', () => {
    const persona = [
      'You are 👩🏽‍💻 a helper 🇯🇵 ❤️‍🔥.',
      'מענה בעברית \u200fעם סימני כיוון\u200f و العربية أيضًا',
      'Zalgo: Z̵̢̛a̴͈͑l̸̯̈́g̶̱̅o̷̗͝ and é (e + U+0301) and é (precomposed)',
      '日本語と中文和한국어\u3000全角スペース',
      '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝟙𝟚𝟛 \u00a0non-breaking\u00a0space',
    ].join('\n');
    expect(command('persona', `set ${persona}`)).toEqual({ family: 'persona', action: 'set', text: persona });
  });

  it('replaces a lone surrogate (invalid text) by U+FFFD and keeps valid pairs', () => {
    expect(command('persona', 'set a\ud800b 😀 c\udc00')).toEqual({ family: 'persona', action: 'set', text: 'a\ufffdb 😀 c\ufffd' });
  });

  it('accepts a persona of exactly the limit and refuses one character more, naming the limit', () => {
    const atLimit = 'p'.repeat(LIMITS.personaChars);
    expect(command('persona', `set ${atLimit}`)).toEqual({ family: 'persona', action: 'set', text: atLimit });
    const message = tooLarge('persona', `set ${atLimit}x`);
    expect(message).toBe('The persona is 1,201 characters; the limit is 1,200.');
  });

  it('measures the persona after trimming, so padding does not count', () => {
    const atLimit = 'p'.repeat(LIMITS.personaChars);
    expect(command('persona', `set \n\n   ${atLimit}   \n`)).toEqual({ family: 'persona', action: 'set', text: atLimit });
  });

  it('normalises saved names to NFC so both spellings of é are one name', () => {
    expect(command('persona', 'save Cafe\u0301')).toEqual({ family: 'persona', action: 'save', name: 'Caf\u00e9' });
  });

  it.each<[string, RegExp]>([
    ['set', /Write the new persona after set — usage: \/persona set <text>/],
    ['set   \n  ', /Write the new persona after set/],
    ['rollback', /Say which version to roll back to — usage: \/persona rollback <version>/],
    ['rollback 0', /“0” is not a version number/],
    ['rollback -2', /“-2” is not a version number/],
    ['rollback 2.5', /“2\.5” is not a version number/],
    ['rollback v', /“v” is not a version number/],
    ['rollback vv3', /“vv3” is not a version number/],
    ['rollback three', /“three” is not a version number.*\/persona history/],
    ['rollback 99999999999999999999', /is not a version number/],
    ['rollback 3 4', /one version at a time, not “3 4”/],
    ['save', /Give the persona a name to save it under — usage: \/persona save <name>/],
    ['use', /Say which saved persona to use \(see \/persona list\) — usage: \/persona use <name>/],
    ['save my persona', /A persona name is one word, so “my persona” will not do/],
    ['save what?', /“what\?” is not a valid persona name.*letters, digits, dots, dashes and underscores/],
    ['use a/b', /“a\/b” is not a valid persona name/],
    ['use 😀', /“😀” is not a valid persona name/],
    ['show me', /Unexpected “me” after \/persona show — usage: \/persona \[show\]/],
    ['history 3', /Unexpected “3” after \/persona history — usage: \/persona history/],
    ['edit now please', /Unexpected “now please” after \/persona edit/],
    ['reset all', /Unexpected “all” after \/persona reset/],
    ['list all', /Unexpected “all” after \/persona list/],
    ['sett You are', /“sett” is not a \/persona subcommand — use one of: show, set, edit, reset, history, rollback, save, use, list, help/],
  ])('/persona %j is refused: %s', (text, expected) => {
    expect(parseError('persona', text)).toMatch(expected);
  });

  it('refuses a persona name over the limit, naming it', () => {
    const name = 'n'.repeat(LIMITS.personaNameChars);
    expect(command('persona', `save ${name}`)).toEqual({ family: 'persona', action: 'save', name });
    expect(tooLarge('persona', `use ${name}n`)).toBe('The persona name is 25 characters; the limit is 24.');
  });

  it('shows a long unknown subcommand only in part', () => {
    const message = parseError('persona', `${'x'.repeat(500)} rest`);
    expect(message).toContain(`“${'x'.repeat(40)}…”`);
  });
});

describe('/fewshot', () => {
  it.each<[string, ParsedCommand]>([
    ['', { family: 'fewshot', action: 'list' }],
    ['list', { family: 'fewshot', action: 'list' }],
    ['LIST', { family: 'fewshot', action: 'list' }],
    ['clear', { family: 'fewshot', action: 'clear' }],
    ['add', { family: 'fewshot', action: 'add', form: true }],
    ['ADD   ', { family: 'fewshot', action: 'add', form: true }],
    ['add hi => Hello! How can I help?', { family: 'fewshot', action: 'add', input: 'hi', output: 'Hello! How can I help?' }],
    ['add hi=>hello', { family: 'fewshot', action: 'add', input: 'hi', output: 'hello' }],
    ['add map(x => x) => uses => arrows', { family: 'fewshot', action: 'add', input: 'map(x', output: 'x) => uses => arrows' }],
    ['add a\u00a0=>\u00a0b', { family: 'fewshot', action: 'add', input: 'a', output: 'b' }],
    ['remove 3', { family: 'fewshot', action: 'remove', number: 3 }],
    ['remove #3', { family: 'fewshot', action: 'remove', number: 3 }],
    ['Remove 12', { family: 'fewshot', action: 'remove', number: 12 }],
    ['mode all', { family: 'fewshot', action: 'mode', mode: { kind: 'all' } }],
    ['MODE ALL', { family: 'fewshot', action: 'mode', mode: { kind: 'all' } }],
    ['mode auto 1', { family: 'fewshot', action: 'mode', mode: { kind: 'auto', k: 1 } }],
    ['mode Auto 50', { family: 'fewshot', action: 'mode', mode: { kind: 'auto', k: 50 } }],
  ])('/fewshot %j', (text, expected) => {
    expect(command('fewshot', text)).toEqual(expected);
  });

  it('splits on the first => only and keeps multi-line sides and unicode exactly', () => {
    const input = 'Wie spät ist es? 🕰️\nBitte kurz.';
    const output = 'مرحبا — 今は三時です => really\n\tZ̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫ';
    expect(command('fewshot', `add \n ${input} =>\r\n${output}\n`)).toEqual({ family: 'fewshot', action: 'add', input, output: output });
  });

  it.each<[string, RegExp]>([
    [
      'add just a question',
      /Separate the example's input from its output with => — usage: \/fewshot add <input> => <output>, or \/fewshot add alone to open a form/,
    ],
    ['add => answer', /The example's input \(before =>\) is empty/],
    ['add question =>', /The example's output \(after =>\) is empty/],
    ['add   =>   ', /input \(before =>\) is empty/],
    ['remove', /Say which example to remove — usage: \/fewshot remove <n>, where n is the example number shown by \/fewshot list/],
    ['remove 0', /“0” is not an example number/],
    ['remove -1', /“-1” is not an example number/],
    ['remove #', /“#” is not an example number/],
    ['remove ##3', /“##3” is not an example number/],
    ['remove third', /“third” is not an example number/],
    ['remove 1 2', /Remove one example at a time, not “1 2”/],
    ['mode', /Say which mode to use — usage: \/fewshot mode all \| auto <k>, where k is a whole number from 1 to 50/],
    ['mode some', /“some” is not a few-shot mode/],
    ['mode all 5', /Unexpected “5” after \/fewshot mode all/],
    ['mode auto', /Say how many examples auto mode should pick/],
    ['mode auto 0', /“0” is not a whole number from 1 to 50/],
    ['mode auto 51', /“51” is not a whole number from 1 to 50/],
    ['mode auto 2.5', /“2\.5” is not a whole number from 1 to 50/],
    ['mode auto five', /“five” is not a whole number from 1 to 50/],
    ['mode auto 5 6', /Unexpected “6” after \/fewshot mode auto 5/],
    ['clear all', /Unexpected “all” after \/fewshot clear/],
    ['list 2', /Unexpected “2” after \/fewshot list/],
    ['delete 3', /“delete” is not a \/fewshot subcommand — use one of: list, add, remove, clear, mode, help/],
  ])('/fewshot %j is refused: %s', (text, expected) => {
    expect(parseError('fewshot', text)).toMatch(expected);
  });

  it('refuses an input or an output over the example limit, naming it', () => {
    const max = 'e'.repeat(LIMITS.exampleChars);
    expect(command('fewshot', `add ${max} => ${max}`)).toEqual({ family: 'fewshot', action: 'add', input: max, output: max });
    expect(tooLarge('fewshot', `add ${max}e => ok`)).toBe("The example's input is 301 characters; the limit is 300.");
    expect(tooLarge('fewshot', `add ok => ${max}e`)).toBe("The example's output is 301 characters; the limit is 300.");
  });
});

describe('/route', () => {
  it.each<[string, ParsedCommand]>([
    ['', { family: 'route', action: 'show' }],
    ['show', { family: 'route', action: 'show' }],
    ['prompt', { family: 'route', action: 'set', route: 'prompt' }],
    ['RAG', { family: 'route', action: 'set', route: 'rag' }],
    ['auto', { family: 'route', action: 'set', route: 'auto' }],
    ['set prompt', { family: 'route', action: 'set', route: 'prompt' }],
    ['Set Rag', { family: 'route', action: 'set', route: 'rag' }],
    ['set auto', { family: 'route', action: 'set', route: 'auto' }],
    ['finetune', { family: 'route', action: 'finetune' }],
    ['FineTune ft:gpt-4o-mini-2024-07-18:org::abc123', { family: 'route', action: 'finetune', model: 'ft:gpt-4o-mini-2024-07-18:org::abc123' }],
    ['set finetune', { family: 'route', action: 'finetune' }],
    ['set finetune ft:gpt-4o-mini-2024-07-18:org::abc123', { family: 'route', action: 'finetune', model: 'ft:gpt-4o-mini-2024-07-18:org::abc123' }],
  ])('/route %j', (text, expected) => {
    expect(command('route', text)).toEqual(expected);
  });

  it.each<[string, RegExp]>([
    ['set', /Say which route to use — usage: \/route prompt \| rag \| auto, or \/route finetune \[<model-id>\]/],
    ['set fast', /“fast” is not a route/],
    ['set prompt now', /Unexpected “now” after \/route prompt/],
    ['rag please', /Unexpected “please” after \/route rag — usage: \/route prompt \| rag \| auto/],
    ['show all', /Unexpected “all” after \/route show/],
    ['finetune my model', /Unexpected “model” after the model id — usage: \/route finetune \[<model-id>\]/],
    ['finetune gpt-4o!', /“gpt-4o!” is not a model id/],
    ['fine-tune', /“fine-tune” is not a \/route subcommand — use one of: show, prompt, rag, auto, set, finetune, help/],
  ])('/route %j is refused: %s', (text, expected) => {
    expect(parseError('route', text)).toMatch(expected);
  });
});

describe('/model', () => {
  it.each<[string, ParsedCommand]>([
    ['', { family: 'model', action: 'show' }],
    ['show', { family: 'model', action: 'show' }],
    ['gpt-4o-mini', { family: 'model', action: 'set', model: 'gpt-4o-mini' }],
    ['set gpt-4o-mini', { family: 'model', action: 'set', model: 'gpt-4o-mini' }],
    ['SET Llama-3.1-8B-Instruct', { family: 'model', action: 'set', model: 'Llama-3.1-8B-Instruct' }],
    ['ft:gpt-4o-mini-2024-07-18:org::abc123', { family: 'model', action: 'set', model: 'ft:gpt-4o-mini-2024-07-18:org::abc123' }],
    ['meta-llama/Llama-3.3-70B-Instruct', { family: 'model', action: 'set', model: 'meta-llama/Llama-3.3-70B-Instruct' }],
    ['qwen2.5:7b@q4_K_M', { family: 'model', action: 'set', model: 'qwen2.5:7b@q4_K_M' }],
    ['`gpt-4o`', { family: 'model', action: 'set', model: 'gpt-4o' }],
    ['set show', { family: 'model', action: 'set', model: 'show' }],
  ])('/model %j', (text, expected) => {
    expect(command('model', text)).toEqual(expected);
  });

  it.each<[string, RegExp]>([
    ['set', /Say which model to use — usage: \/model <model-id>, for example \/model gpt-4o-mini/],
    ['gpt 4o', /A model id is one word, so “4o” after “gpt” does not belong/],
    ['set gpt-4o extra', /“extra” after “gpt-4o” does not belong/],
    ['gpt‑4o', /“gpt‑4o” is not a model id: use letters, digits and \. _ : \/ @ - only/],
    ['modèle', /“modèle” is not a model id/],
    ['show now', /Unexpected “now” after \/model show/],
  ])('/model %j is refused: %s', (text, expected) => {
    expect(parseError('model', text)).toMatch(expected);
  });

  it('refuses a model id over 128 characters, naming the limit', () => {
    const id = 'm'.repeat(128);
    expect(command('model', id)).toEqual({ family: 'model', action: 'set', model: id });
    expect(tooLarge('model', `${id}m`)).toBe('The model id is 129 characters; the limit is 128.');
    expect(tooLarge('finetune', `start ${id}m`)).toMatch(/limit is 128/);
    expect(tooLarge('route', `finetune ${id}m`)).toMatch(/limit is 128/);
  });
});

describe('/kb', () => {
  it.each<[string, ParsedCommand]>([
    ['', { family: 'kb', action: 'list' }],
    ['list', { family: 'kb', action: 'list' }],
    ['add', { family: 'kb', action: 'add', source: { kind: 'files' } }],
    ['add https://example.com/docs?a=1&b=2#x', { family: 'kb', action: 'add', source: { kind: 'url', url: 'https://example.com/docs?a=1&b=2#x' } }],
    ['ADD HTTP://Example.com', { family: 'kb', action: 'add', source: { kind: 'url', url: 'HTTP://Example.com' } }],
    // Slack's link markup is undone by the Slack adapter (test/adapters/slack/markup.test.ts); here it is plain text.
    ['add <https://example.com/a>', { family: 'kb', action: 'add', source: { kind: 'text', text: '<https://example.com/a>' } }],
    ['add\u00a0https://example.com', { family: 'kb', action: 'add', source: { kind: 'url', url: 'https://example.com' } }],
    ['add Our office opens at 9.', { family: 'kb', action: 'add', source: { kind: 'text', text: 'Our office opens at 9.' } }],
    ['add example.com', { family: 'kb', action: 'add', source: { kind: 'text', text: 'example.com' } }],
    ['add ftp://example.com/file', { family: 'kb', action: 'add', source: { kind: 'text', text: 'ftp://example.com/file' } }],
    ['add http://exa mple', { family: 'kb', action: 'add', source: { kind: 'text', text: 'http://exa mple' } }],
    ['add https://example.com and more words', { family: 'kb', action: 'add', source: { kind: 'text', text: 'https://example.com and more words' } }],
    ['remove doc_42', { family: 'kb', action: 'remove', docId: 'doc_42' }],
    ['remove `d-3f9a`', { family: 'kb', action: 'remove', docId: 'd-3f9a' }],
    ['search refund policy for EU', { family: 'kb', action: 'search', query: 'refund policy for EU' }],
    ['SEARCH  返品ポリシー  ', { family: 'kb', action: 'search', query: '返品ポリシー' }],
    ['list --workspace', { family: 'kb', action: 'list', workspace: true }],
    [
      'add --workspace Travel policy: book early.',
      { family: 'kb', action: 'add', workspace: true, source: { kind: 'text', text: 'Travel policy: book early.' } },
    ],
    ['add --workspace https://example.com/p', { family: 'kb', action: 'add', workspace: true, source: { kind: 'url', url: 'https://example.com/p' } }],
    ['add --workspace', { family: 'kb', action: 'add', workspace: true, source: { kind: 'files' } }],
    ['remove --workspace d2', { family: 'kb', action: 'remove', docId: 'd2', workspace: true }],
    ['attach', { family: 'kb', action: 'attach' }],
    ['detach', { family: 'kb', action: 'detach' }],
    ['strict on', { family: 'kb', action: 'strict', on: true }],
    ['strict OFF', { family: 'kb', action: 'strict', on: false }],
  ])('/kb %j', (text, expected) => {
    expect(command('kb', text)).toEqual(expected);
  });

  it('keeps multi-line text documents with their unicode exactly', () => {
    const text = 'Öffnungszeiten 🕘\nשעות פתיחה: 9–17\n営業時間は９時から';
    expect(command('kb', `add ${text}`)).toEqual({ family: 'kb', action: 'add', source: { kind: 'text', text } });
  });

  it.each<[string, RegExp]>([
    ['add https://', /“https:\/\/” looks like a link but is not a valid web address — usage: \/kb add <url> \| <text>/],
    ['add http://', /“http:\/\/” looks like a link but is not a valid web address/],
    ['remove', /Say which document to remove — usage: \/kb remove \[--workspace\] <doc-id>, with an id shown by \/kb list/],
    ['remove a b', /Remove one document at a time, not “a b”/],
    ['remove ``', /“``” is not a document id/],
    [`remove ${'d'.repeat(129)}`, /is not a document id/],
    ['search', /Say what to search for — usage: \/kb search <query>/],
    ['list all', /Unexpected “all” after \/kb list/],
    ['find x', /“find” is not a \/kb subcommand — use one of: list, add, remove, search, attach, detach, strict, help/],
    ['strict maybe', /Say on or off — usage: \/kb strict on \| off/],
    ['attach now', /attach/],
  ])('/kb %j is refused: %s', (text, expected) => {
    expect(parseError('kb', text)).toMatch(expected);
  });
});

describe('/finetune', () => {
  it.each<[string, ParsedCommand]>([
    ['', { family: 'finetune', action: 'status' }],
    ['status', { family: 'finetune', action: 'status' }],
    ['export', { family: 'finetune', action: 'export' }],
    ['CANCEL', { family: 'finetune', action: 'cancel' }],
    ['start', { family: 'finetune', action: 'start', switchRoute: false }],
    ['start gpt-4o-mini-2024-07-18', { family: 'finetune', action: 'start', baseModel: 'gpt-4o-mini-2024-07-18', switchRoute: false }],
    ['start --switch', { family: 'finetune', action: 'start', switchRoute: true }],
    ['start --switch gpt-4o-mini', { family: 'finetune', action: 'start', baseModel: 'gpt-4o-mini', switchRoute: true }],
    ['start gpt-4o-mini --switch', { family: 'finetune', action: 'start', baseModel: 'gpt-4o-mini', switchRoute: true }],
    ['Start gpt-4o-mini --SWITCH --switch', { family: 'finetune', action: 'start', baseModel: 'gpt-4o-mini', switchRoute: true }],
    ['start —switch', { family: 'finetune', action: 'start', switchRoute: true }],
    ['start –switch', { family: 'finetune', action: 'start', switchRoute: true }],
  ])('/finetune %j', (text, expected) => {
    expect(command('finetune', text)).toEqual(expected);
  });

  it.each<[string, RegExp]>([
    ['start --swtich', /“--swtich” is not an option of \/finetune start — usage: \/finetune start \[<base-model>\] \[--switch\]/],
    ['start -s', /“-s” is not an option of \/finetune start/],
    ['start a b', /Give one base model, not both “a” and “b”/],
    ['start gpt 4o!', /Give one base model/],
    ['start gpt-4o!', /“gpt-4o!” is not a model id/],
    ['export now', /Unexpected “now” after \/finetune export/],
    ['cancel job', /Unexpected “job” after \/finetune cancel/],
    ['status x', /Unexpected “x” after \/finetune status/],
    ['run', /“run” is not a \/finetune subcommand — use one of: status, export, start, cancel, help/],
  ])('/finetune %j is refused: %s', (text, expected) => {
    expect(parseError('finetune', text)).toMatch(expected);
  });
});

describe('/finetune start --epochs', () => {
  it.each<[string, ParsedCommand]>([
    ['start --epochs 3', { family: 'finetune', action: 'start', switchRoute: false, epochs: 3 }],
    ['start --epochs 1', { family: 'finetune', action: 'start', switchRoute: false, epochs: 1 }],
    ['start gpt-4o-mini --switch --epochs=50', { family: 'finetune', action: 'start', baseModel: 'gpt-4o-mini', switchRoute: true, epochs: 50 }],
    ['start —EPOCHS 7 gpt-4o-mini', { family: 'finetune', action: 'start', baseModel: 'gpt-4o-mini', switchRoute: false, epochs: 7 }],
  ])('/finetune %j', (text, expected) => {
    expect(command('finetune', text)).toEqual(expected);
  });

  it.each<[string, RegExp]>([
    [
      'start --epochs',
      /Say how many epochs after --epochs — usage: \/finetune start \[<base-model>\] \[--switch\] \[--epochs <n>\], where n is a whole number from 1 to 50/,
    ],
    ['start --epochs --switch', /Say how many epochs after --epochs/],
    ['start --epochs 0', /“0” is not a whole number of epochs from 1 to 50/],
    ['start --epochs 51', /“51” is not a whole number of epochs from 1 to 50/],
    ['start --epochs=2.5', /“2\.5” is not a whole number of epochs/],
    ['start --epochs three', /“three” is not a whole number of epochs/],
    ['start --epochs 2 --epochs 3', /Give --epochs once/],
  ])('/finetune %j is refused: %s', (text, expected) => {
    expect(parseError('finetune', text)).toMatch(expected);
  });
});

describe('/budget', () => {
  it.each<[string, ParsedCommand]>([
    ['', { family: 'budget', action: 'show' }],
    ['show', { family: 'budget', action: 'show' }],
    ['SHOW', { family: 'budget', action: 'show' }],
    ['clear', { family: 'budget', action: 'clear' }],
    ['set 25', { family: 'budget', action: 'set', usd: 25 }],
    ['set $12.50', { family: 'budget', action: 'set', usd: 12.5 }],
    ['set 0.01', { family: 'budget', action: 'set', usd: 0.01 }],
    ['set 1000000', { family: 'budget', action: 'set', usd: 1_000_000 }],
    ['set 25 warn 50', { family: 'budget', action: 'set', usd: 25, warnPct: 50 }],
    ['SET 25 WARN 100%', { family: 'budget', action: 'set', usd: 25, warnPct: 100 }],
    ['set\u00a040 warn 1', { family: 'budget', action: 'set', usd: 40, warnPct: 1 }],
  ])('/budget %j', (text, expected) => {
    expect(command('budget', text)).toEqual(expected);
  });

  it.each<[string, RegExp]>([
    ['set', /Say the monthly cap in US dollars — usage: \/budget set <usd> \[warn <pct>\], e\.g\. \/budget set 25 warn 80/],
    ['set abc', /“abc” is not an amount in US dollars such as 25 or 12\.50/],
    ['set -5', /“-5” is not an amount in US dollars/],
    ['set 12.345', /“12\.345” is not an amount in US dollars/],
    ['set 1,000', /“1,000” is not an amount in US dollars/],
    ['set $', /“\$” is not an amount in US dollars/],
    ['set 0', /The cap must be more than \$0 \(to remove it, use \/budget clear\)/],
    ['set 0.00', /The cap must be more than \$0/],
    ['set 1000000.01', /A cap of “1000000\.01” is over the largest allowed, \$1,000,000/],
    ['set 25 50', /Unexpected “50” after the amount/],
    ['set 25 warn', /Say at what percent of the cap to warn/],
    ['set 25 warn 0', /“0” is not a percentage from 1 to 100/],
    ['set 25 warn 101', /“101” is not a percentage from 1 to 100/],
    ['set 25 warn half', /“half” is not a percentage from 1 to 100/],
    ['set 25 warn 50 now', /Unexpected “now” after warn 50/],
    ['show all', /Unexpected “all” after \/budget show — usage: \/budget \[show\]/],
    ['clear all', /Unexpected “all” after \/budget clear — usage: \/budget clear/],
    ['raise 5', /“raise” is not a \/budget subcommand — use one of: show, set, clear, help/],
  ])('/budget %j is refused: %s', (text, expected) => {
    expect(parseError('budget', text)).toMatch(expected);
  });
});

describe('/eval', () => {
  it.each<[string, ParsedCommand]>([
    ['', { family: 'eval', action: 'list' }],
    ['list', { family: 'eval', action: 'list' }],
    ['report', { family: 'eval', action: 'report' }],
    ['add What is 2+2? => 4', { family: 'eval', action: 'add', input: 'What is 2+2?', expected: '4' }],
    ['ADD a => b => c', { family: 'eval', action: 'add', input: 'a', expected: 'b => c' }],
    ['add', { family: 'eval', action: 'add', form: true }],
    ['ADD   ', { family: 'eval', action: 'add', form: true }],
    ['remove 2', { family: 'eval', action: 'remove', number: 2 }],
    ['remove #12', { family: 'eval', action: 'remove', number: 12 }],
    ['run', { family: 'eval', action: 'run', judge: false }],
    ['run --judge', { family: 'eval', action: 'run', judge: true }],
    ['run prompt rag', { family: 'eval', action: 'run', levers: ['prompt', 'rag'], judge: false }],
    ['run prompt, rag', { family: 'eval', action: 'run', levers: ['prompt', 'rag'], judge: false }],
    ['Run few-shot,Fine-Tune —judge', { family: 'eval', action: 'run', levers: ['fewshot', 'finetune'], judge: true }],
    ['run --judge finetune fewshot rag prompt', { family: 'eval', action: 'run', levers: ['finetune', 'fewshot', 'rag', 'prompt'], judge: true }],
  ])('/eval %j', (text, expected) => {
    expect(command('eval', text)).toEqual(expected);
  });

  it.each<[string, RegExp]>([
    ['add no arrow here', /Separate the case's input from its expected answer with =>/],
    ['add => 4', /The case's input \(before =>\) is empty/],
    ['add 2+2 =>', /The case's expected answer \(after =>\) is empty/],
    ['remove', /Say which case to remove — usage: \/eval remove <n>, where n is the case number shown by \/eval list/],
    ['remove 0', /“0” is not a case number/],
    ['remove two', /“two” is not a case number/],
    ['remove 1 2', /Remove one case at a time, not “1 2”/],
    ['run vibes', /“vibes” is not a lever — usage: \/eval run \[<lever> \.\.\.\] \[--judge\], where the levers are prompt, fewshot, rag, finetune/],
    ['run rag RAG', /“RAG” is named twice/],
    ['run --judges', /“--judges” is not an option of \/eval run/],
    ['report now', /Unexpected “now” after \/eval report — usage: \/eval report/],
    ['list 2', /Unexpected “2” after \/eval list/],
    ['score', /“score” is not a \/eval subcommand — use one of: list, add, remove, run, report, help/],
  ])('/eval %j is refused: %s', (text, expected) => {
    expect(parseError('eval', text)).toMatch(expected);
  });

  it('refuses an input or an expected answer over the example limit, naming it', () => {
    const max = 'e'.repeat(LIMITS.exampleChars);
    expect(command('eval', `add ${max} => ${max}`)).toEqual({ family: 'eval', action: 'add', input: max, expected: max });
    expect(tooLarge('eval', `add ${max}e => ok`)).toBe("The case's input is 301 characters; the limit is 300.");
    expect(tooLarge('eval', `add ok => ${max}e`)).toBe("The case's expected answer is 301 characters; the limit is 300.");
  });
});

describe('/feedback', () => {
  it.each<[string, ParsedCommand]>([
    ['up', { family: 'feedback', action: 'up' }],
    ['UP', { family: 'feedback', action: 'up' }],
    ['down', { family: 'feedback', action: 'down' }],
    ['down It cited the wrong policy.', { family: 'feedback', action: 'down', reason: 'It cited the wrong policy.' }],
    ['down \n Too long.\nAnd rude. \n', { family: 'feedback', action: 'down', reason: 'Too long.\nAnd rude.' }],
  ])('/feedback %j', (text, expected) => {
    expect(command('feedback', text)).toEqual(expected);
  });

  it.each<[string, RegExp]>([
    ['', /Say which \/feedback subcommand to run — use one of: up, down, help/],
    ['up now', /Unexpected “now” after \/feedback up — usage: \/feedback up/],
    ['sideways', /“sideways” is not a \/feedback subcommand — use one of: up, down, help/],
  ])('/feedback %j is refused: %s', (text, expected) => {
    expect(parseError('feedback', text)).toMatch(expected);
  });

  it('refuses a reason over 500 characters, naming the limit', () => {
    const reason = 'r'.repeat(500);
    expect(command('feedback', `down ${reason}`)).toEqual({ family: 'feedback', action: 'down', reason });
    expect(tooLarge('feedback', `down ${reason}r`)).toBe('The reason is 501 characters; the limit is 500.');
  });
});

describe('/usage and /advise', () => {
  it.each<[string, ParsedCommand]>([
    ['', { family: 'usage', action: 'show', period: '7d' }],
    ['7d', { family: 'usage', action: 'show', period: '7d' }],
    ['30d', { family: 'usage', action: 'show', period: '30d' }],
    ['30D', { family: 'usage', action: 'show', period: '30d' }],
  ])('/usage %j', (text, expected) => {
    expect(command('usage', text)).toEqual(expected);
  });

  it.each<[string, RegExp]>([
    ['90d', /“90d” is not a period; use 7d or 30d — usage: \/usage \[7d \| 30d\]/],
    ['week', /“week” is not a period/],
    ['7d 30d', /Unexpected “30d” after \/usage 7d/],
  ])('/usage %j is refused: %s', (text, expected) => {
    expect(parseError('usage', text)).toMatch(expected);
  });

  it('/advise takes no arguments', () => {
    expect(command('advise', '')).toEqual({ family: 'advise', action: 'show' });
    expect(command('advise', ' \n ')).toEqual({ family: 'advise', action: 'show' });
    expect(parseError('advise', 'now please')).toMatch(/\/advise takes no arguments, so “now please” does not belong — usage: \/advise\./);
  });
});

describe('the whole-command limit', () => {
  it.each(COMMAND_FAMILIES)('/%s refuses text over commandChars before anything else, naming the limit', (family) => {
    const limits = { ...LIMITS, commandChars: 100 };
    expect(parseCommand(family, `help${' '.repeat(96)}`, limits).ok).toBe(true);
    expect(tooLarge(family, `help${' '.repeat(97)}`, limits)).toBe('The command text is 101 characters; the limit is 100.');
  });

  it('wins over an unknown command name and over the persona limit', () => {
    const limits = { ...LIMITS, commandChars: 50, personaChars: 10 };
    expect(failure('nope', 'x'.repeat(51), limits).code).toBe(ErrorCode.TooLarge);
    expect(tooLarge('persona', `set ${'x'.repeat(60)}`, limits)).toMatch(/command text.*limit is 50/);
  });

  it('refuses megabytes of pasted text with the plain limit message', () => {
    expect(tooLarge('persona', `set ${'🙂'.repeat(2_000_000)}`)).toBe('The command text is 4,000,004 characters; the limit is 5,000.');
  });
});

describe('parseCommandLine (console)', () => {
  it('splits the command name from its text, keeping the lines of the text', () => {
    expect(parseCommandLine('/persona set You are…\nand more', LIMITS)).toEqual({
      ok: true,
      command: { family: 'persona', action: 'set', text: 'You are…\nand more' },
    });
  });

  it.each<[string, ParsedCommand]>([
    ['/persona', { family: 'persona', action: 'show' }],
    ['  /FEWSHOT   remove #2  ', { family: 'fewshot', action: 'remove', number: 2 }],
    ['/fewshot\tadd q => a', { family: 'fewshot', action: 'add', input: 'q', output: 'a' }],
    ['/persona\nset\nline', { family: 'persona', action: 'set', text: 'line' }],
    ['route rag', { family: 'route', action: 'set', route: 'rag' }],
    ['/usage\u00a030d', { family: 'usage', action: 'show', period: '30d' }],
  ])('%j', (line, expected) => {
    expect(parseCommandLine(line, LIMITS)).toEqual({ ok: true, command: expected });
  });

  it.each(['', '   ', '/', '/exit', '/help', '/persona-set x'])('refuses %j as an unknown command', (line) => {
    const result = parseCommandLine(line, LIMITS);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe(ErrorCode.UnknownCommand);
      expectOneSentence(result.error.message);
    }
  });

  it('applies the command limit to the text after the name', () => {
    const result = parseCommandLine(`/kb add ${'k'.repeat(LIMITS.commandChars)}`, LIMITS);
    expect(result.ok || result.error.code).toBe(ErrorCode.TooLarge);
  });
});

describe('fuzz: random input never throws and always reads well', () => {
  const KEYWORDS = [
    'show',
    'set',
    'edit',
    'reset',
    'history',
    'rollback',
    'save',
    'use',
    'list',
    'add',
    'remove',
    'clear',
    'mode',
    'all',
    'auto',
    'prompt',
    'rag',
    'finetune',
    'search',
    'status',
    'export',
    'start',
    'cancel',
    '7d',
    '30d',
    'help',
    '--switch',
    '—switch',
    '-',
    'v3',
    '#2',
    '0',
    '51',
    '50',
    '1',
    'gpt-4o',
    'ft:gpt-4o-mini:org::x',
    'up',
    'down',
    'run',
    'report',
    'warn',
    '--judge',
    '--epochs',
    '--epochs=3',
    'fewshot',
    'few-shot',
    '$25',
    '12.50',
    '80%',
    '101',
  ];
  const FRAGMENTS = [
    '=>',
    '= >',
    '=>=>',
    ' => ',
    '<https://example.com|ex>',
    '<http://a.b>',
    'https://x.y/z?a=1',
    'https://',
    '<https://|>',
    '&amp;',
    '\u00a0',
    '\r\n',
    '\r',
    '\n',
    '\t',
    '\u0000',
    '\u0007',
    '\u001b',
    '\u007f',
    '\u0085',
    '\u2028',
    '\u2029',
    '\ufeff',
    '\u200f',
    '\u202e',
    '\u3000',
    'é',
    'e\u0301',
    '👩🏽‍💻',
    '🇯🇵',
    '日本',
    'مرحبا',
    '\ud83d',
    '\ude00',
    '“',
    '`',
    '#',
  ];

  /**
   * Command-shaped text, from fast-check: keywords, the grammar's fragments, spaces, C0 controls,
   * astral characters, any UTF-16 unit (lone surrogates too), very long tokens and numbers. Shrinking
   * finds the smallest failing text; the seed makes a failure reproduce.
   */
  const piece = fc.oneof(
    { weight: 25, arbitrary: fc.constantFrom(...KEYWORDS) },
    { weight: 25, arbitrary: fc.constantFrom(...FRAGMENTS) },
    { weight: 10, arbitrary: fc.integer({ min: 1, max: 3 }).map((n) => ' '.repeat(n)) },
    { weight: 10, arbitrary: fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)) },
    { weight: 10, arbitrary: fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)) },
    { weight: 10, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) },
    { weight: 5, arbitrary: fc.tuple(fc.constantFrom('a', '9', 'é', '😀', '=>', '-'), fc.integer({ min: 1, max: 3000 })).map(([t, n]) => t.repeat(n)) },
    { weight: 5, arbitrary: fc.integer({ min: -1000, max: 1_000_000 }).map(String) },
  );
  const commandText = fc
    .tuple(fc.option(fc.constantFrom(...KEYWORDS), { freq: 5, nil: undefined }), fc.array(piece, { maxLength: 12 }), fc.boolean())
    .map(([first, rest, spaced]) => (first === undefined ? '' : `${first} `) + rest.join(spaced ? ' ' : ''));

  const CODES = new Set([ErrorCode.ParseError, ErrorCode.UnknownCommand, ErrorCode.TooLarge]);
  const BAD_CHARS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
  const MODEL_ID = /^[A-Za-z0-9._:/@-]{1,128}$/;
  const SMALL_LIMITS: ParseLimits = { commandChars: 2000, personaChars: 400, exampleChars: 100, personaNameChars: 16 };

  /** The same rules as `expectOneSentence`, as a predicate: thousands of `expect` calls would dominate the run. */
  function isOneSentence(message: string): boolean {
    return (
      message === message.trim() &&
      !/[\n\r\u2028\u2029\u0085]/.test(message) &&
      /^\S.*\.$/.test(message) &&
      !/\.\s+[A-Z]/.test(message) &&
      message.length < 400 &&
      !/I could not read that command/.test(message)
    );
  }

  /** What is wrong with a result, or undefined when it is fine. */
  function problemOf(result: ParseResult, family: CommandFamily | undefined): string | undefined {
    if (!result.ok) {
      if (!(result.error instanceof UserError)) return 'error is not a UserError';
      if (!CODES.has(result.error.code)) return `unexpected code ${result.error.code}`;
      if (!isOneSentence(result.error.message)) return `not one sentence: ${JSON.stringify(result.error.message)}`;
      return undefined;
    }
    const parsed = result.command;
    if (family && parsed.family !== family) return `family ${parsed.family}`;
    // Every string the parser hands on is clean text.
    let dirty = false;
    JSON.stringify(parsed, (_key, value: unknown) => {
      if (typeof value === 'string' && BAD_CHARS.test(value)) dirty = true;
      return value;
    });
    if (dirty) return `control character or lone surrogate in ${JSON.stringify(parsed)}`;
    return invariantBroken(parsed) ? `invariant broken: ${JSON.stringify(parsed).slice(0, 300)}` : undefined;
  }

  function invariantBroken(parsed: ParsedCommand): boolean {
    const positive = (n: number) => Number.isSafeInteger(n) && n > 0;
    switch (parsed.family) {
      case 'persona':
        if (parsed.action === 'set') return parsed.text.length > SMALL_LIMITS.personaChars || parsed.text !== parsed.text.trim() || parsed.text === '';
        if (parsed.action === 'rollback') return !positive(parsed.version);
        if (parsed.action === 'save' || parsed.action === 'use') return !/^[\p{L}\p{M}\p{N}._-]{1,16}$/u.test(parsed.name);
        return false;
      case 'fewshot':
        if (parsed.action === 'add' && 'input' in parsed) {
          return (
            parsed.input.includes('=>') ||
            [parsed.input, parsed.output].some((side) => side === '' || side.length > SMALL_LIMITS.exampleChars || side !== side.trim())
          );
        }
        if (parsed.action === 'remove') return !positive(parsed.number);
        if (parsed.action === 'mode' && parsed.mode.kind === 'auto') return !(Number.isInteger(parsed.mode.k) && parsed.mode.k >= 1 && parsed.mode.k <= 50);
        return false;
      case 'route':
        return parsed.action === 'finetune' && parsed.model !== undefined && !MODEL_ID.test(parsed.model);
      case 'model':
        return parsed.action === 'set' && !MODEL_ID.test(parsed.model);
      case 'finetune':
        if (parsed.action !== 'start') return false;
        return (
          (parsed.baseModel !== undefined && !MODEL_ID.test(parsed.baseModel)) ||
          (parsed.epochs !== undefined && !(Number.isInteger(parsed.epochs) && parsed.epochs >= 1 && parsed.epochs <= 50))
        );
      case 'budget':
        if (parsed.action !== 'set') return false;
        return (
          !(parsed.usd > 0 && parsed.usd <= 1_000_000) ||
          (parsed.warnPct !== undefined && !(Number.isInteger(parsed.warnPct) && parsed.warnPct >= 1 && parsed.warnPct <= 100))
        );
      case 'eval':
        if (parsed.action === 'add' && 'input' in parsed)
          return [parsed.input, parsed.expected].some((side) => side === '' || side.length > SMALL_LIMITS.exampleChars);
        if (parsed.action === 'remove') return !positive(parsed.number);
        if (parsed.action === 'run') return parsed.levers !== undefined && (parsed.levers.length === 0 || new Set(parsed.levers).size !== parsed.levers.length);
        return false;
      case 'feedback':
        return parsed.action === 'down' && parsed.reason !== undefined && (parsed.reason === '' || parsed.reason.length > 500);
      case 'kb':
        if (parsed.action === 'add' && parsed.source.kind === 'url') return !/^https?:\/\/\S+$/i.test(parsed.source.url);
        if (parsed.action === 'search') return parsed.query === '';
        if (parsed.action === 'remove') return parsed.docId === '' || /\s/.test(parsed.docId);
        return false;
      default:
        return false;
    }
  }

  /** Runs one parse, turning a throw into a reported problem. */
  function check(problems: string[], context: string, family: CommandFamily | undefined, run: () => ParseResult): ParseResult | undefined {
    let result: ParseResult;
    try {
      result = run();
    } catch (err) {
      problems.push(`${context}: threw ${String(err)}`);
      return undefined;
    }
    const problem = problemOf(result, family);
    if (problem) problems.push(`${context}: ${problem}`);
    return result;
  }

  it('the sentence check itself rejects what it should', () => {
    const refused = (message: string) => problemOf({ ok: false, error: new UserError(ErrorCode.ParseError, message) }, undefined);
    expect(refused('Two lines.\nHere.')).toBeDefined();
    expect(refused('Two sentences. Here.')).toBeDefined();
    expect(refused('No period')).toBeDefined();
    expect(refused('One clear sentence — usage: /kb add <url>.')).toBeUndefined();
    expect(problemOf({ ok: true, command: { family: 'persona', action: 'set', text: 'a\u0000b' } }, 'persona')).toBeDefined();
  });

  it.each(COMMAND_FAMILIES)('/%s: 3,000 random texts (fast-check, seeded)', (family) => {
    const seed = 0xc0ffee + COMMAND_FAMILIES.indexOf(family);
    let accepted = 0;
    fc.assert(
      fc.property(commandText, (text) => {
        const problems: string[] = [];
        const result = check(problems, 'text', family, () => parseCommand(family, text, SMALL_LIMITS));
        if (result?.ok) accepted += 1;
        if (problems.length > 0) throw new Error(problems.join('\n'));
      }),
      { seed, numRuns: 3000 },
    );
    // The generator must reach the happy paths too, not only the refusals.
    expect(accepted).toBeGreaterThan(30);
  });

  it('random command names and console lines never throw (fast-check, seeded)', () => {
    const name = fc.oneof(
      commandText.map((t) => t.slice(0, 30)),
      fc.constantFrom(...COMMAND_FAMILIES),
    );
    fc.assert(
      fc.property(name, commandText, (n, text) => {
        const problems: string[] = [];
        check(problems, 'name', undefined, () => parseCommand(n, text, SMALL_LIMITS));
        check(problems, 'line', undefined, () => parseCommandLine(`/${n} ${text}`, SMALL_LIMITS));
        if (problems.length > 0) throw new Error(problems.join('\n'));
      }),
      { seed: 20240718, numRuns: 3000 },
    );
  });

  it('help is idempotent: the same usage every time, however it is typed', () => {
    // The help text before any parse, to compare with after many.
    const helpBefore = Object.fromEntries(COMMAND_FAMILIES.map((f) => [f, usageOf(f)]));
    fc.assert(
      fc.property(fc.constantFrom(...COMMAND_FAMILIES), fc.constantFrom('help', 'HELP', ' Help ', '\thelp\n'), (family, typed) => {
        const first = parseCommand(family, typed, SMALL_LIMITS);
        const again = parseCommand(family, typed, SMALL_LIMITS);
        return first.ok && again.ok && first.command.action === 'help' && again.command.action === 'help' && helpBefore[family] === usageOf(family);
      }),
      { seed: 7, numRuns: 200 },
    );
  });

  it('non-string input from a careless adapter is refused, not thrown', () => {
    const result = parseCommand(undefined as unknown as string, null as unknown as string, LIMITS);
    expect(result.ok).toBe(false);
    expect(problemOf(result, undefined)).toBeUndefined();
    expect(parseCommand('kb', undefined as unknown as string, LIMITS)).toEqual({ ok: true, command: { family: 'kb', action: 'list' } });
  });
});
