/**
 * The command table is the one source of the grammar's keywords, the admin rule, help and the
 * Discord command shapes: these tests show that all of them agree with it, row by row, so a new
 * subcommand is checked by adding its row.
 */
import { parseCommand } from '../../../src/core/commands/grammar';
import type { OptionSpec, OptionValues } from '../../../src/core/commands/spec';
import {
  COMMAND_FAMILIES,
  discordCommands,
  familySpec,
  isMutating,
  keywordsOf,
  optionsToText,
  subcommandsOfFamily,
  usageOf,
  type DiscordCommand,
} from '../../../src/core/commands/table';
import type { CommandFamily, ParseLimits, ParsedCommand } from '../../../src/core/commands/types';

const LIMITS: ParseLimits = { commandChars: 5000, personaChars: 1200, exampleChars: 300, personaNameChars: 24 };

function parsed(family: CommandFamily, text: string): ParsedCommand {
  const result = parseCommand(family, text, LIMITS);
  if (!result.ok) throw new Error(`/${family} ${JSON.stringify(text)} should parse: ${result.error.message}`);
  return result.command;
}

const rows = COMMAND_FAMILIES.flatMap((family) => subcommandsOfFamily(family).map((row) => ({ family, row, label: `/${family} ${row.name}` })));
const examples = rows.flatMap(({ family, row }) => row.examples.map((text) => ({ family, row, text })));

describe('the command table', () => {
  it('has rows for every family, each with examples', () => {
    expect(COMMAND_FAMILIES).toEqual(['persona', 'fewshot', 'route', 'model', 'kb', 'finetune', 'usage', 'budget', 'advise', 'eval', 'feedback']);
    for (const { row, label } of rows) expect({ label, examples: row.examples.length > 0 }).toEqual({ label, examples: true });
  });

  it.each(examples.map((e) => [`/${e.family} ${e.text}`.trim(), e] as const))(
    '%s parses to its own row, with that row’s admin rule',
    (_name, { family, row, text }) => {
      const command = parsed(family, text);
      expect(command.family).toBe(family);
      expect(command.action).toBe(row.name);
      expect(isMutating(command)).toBe(row.admin);
    },
  );

  it.each(rows.map((r) => [r.label, r] as const))('%s: every keyword has an example that starts with it', (_label, { row }) => {
    for (const keyword of row.keywords) {
      const starts = row.examples.some((text) => (keyword === '' ? text === '' : text.toLowerCase().split(/\s+/)[0] === keyword));
      expect({ keyword, starts }).toEqual({ keyword, starts: true });
    }
  });

  it.each(COMMAND_FAMILIES)('/%s: no keyword selects two rows, and "not a subcommand" lists exactly the keywords', (family) => {
    const keywords = subcommandsOfFamily(family).flatMap((row) => row.keywords);
    expect(new Set(keywords).size).toBe(keywords.length);
    expect(keywordsOf(family)).toEqual([...keywords.filter((k) => k !== ''), 'help']);
    // Families with a reading of their own for other words (`/model gpt-4o`, `/usage 90d`) aside.
    if (familySpec(family).otherwise) return;
    const result = parseCommand(family, 'zzz-not-a-word', LIMITS);
    expect(result.ok || result.error.message).toBe(`“zzz-not-a-word” is not a /${family} subcommand — use one of: ${keywordsOf(family).join(', ')}.`);
  });

  it.each(COMMAND_FAMILIES)('/%s help lists every row once, marking exactly the admin ones', (family) => {
    const lines = usageOf(family).split('\n');
    const familyRows = subcommandsOfFamily(family);
    expect(lines).toHaveLength(familyRows.length);
    familyRows.forEach((row, i) => {
      expect(lines[i]).toBe(`${row.syntax} — ${row.description}${row.admin ? ' (admin)' : ''}`);
    });
  });

  it('marks as admin exactly the subcommands SPEC §3 marks (admin)', () => {
    expect(rows.filter(({ row }) => row.admin).map(({ label }) => label)).toEqual([
      '/persona set',
      '/persona edit',
      '/persona reset',
      '/persona rollback',
      '/persona save',
      '/persona use',
      '/fewshot add',
      '/fewshot remove',
      '/fewshot clear',
      '/fewshot mode',
      '/route set',
      '/route finetune',
      '/model set',
      '/kb add',
      '/kb remove',
      '/kb attach',
      '/kb detach',
      '/kb strict',
      '/finetune export',
      '/finetune start',
      '/finetune cancel',
      '/budget set',
      '/budget clear',
      '/eval add',
      '/eval remove',
      '/eval run',
    ]);
  });

  it('help is for everyone', () => {
    for (const family of COMMAND_FAMILIES) expect(isMutating({ family, action: 'help' })).toBe(false);
  });
});

describe('Discord command shapes', () => {
  /** Copied from SPEC §7 "Discord command shapes" (subcommand and option names, choices). */
  const SPEC_SHAPES = [
    '/persona show | set text | edit | reset | history | rollback version | save name | use name | list',
    '/fewshot list | add input output | remove number | clear | mode mode(all|auto) k',
    '/route show | set route(prompt|rag|finetune|auto) model',
    '/model show | set model',
    '/kb list | add text url file | remove doc | search query',
    '/finetune status | export | start base_model switch epochs | cancel',
    '/usage period(7d|30d)',
    '/budget show | set usd warn | clear',
    '/advise',
    '/eval list | add input expected | remove number | run levers judge | report',
  ];

  const option = (o: OptionSpec) => `${o.name}${o.choices ? `(${o.choices.join('|')})` : ''}`;
  const shape = (command: DiscordCommand) =>
    'subcommands' in command
      ? `/${command.name} ${command.subcommands.map((sub) => [sub.name, ...sub.options.map(option)].join(' ')).join(' | ')}`
      : [`/${command.name}`, ...command.options.map(option)].join(' ');

  it('are exactly those of SPEC §7', () => {
    expect(discordCommands().map(shape)).toEqual(SPEC_SHAPES);
  });

  it('have the option types a user would expect', () => {
    const types = Object.fromEntries(
      discordCommands().flatMap((command) =>
        'subcommands' in command
          ? command.subcommands.flatMap((sub) => sub.options.map((o) => [`${command.name} ${sub.name} ${o.name}`, `${o.type}${o.required ? '!' : '?'}`]))
          : command.options.map((o) => [`${command.name} ${o.name}`, `${o.type}${o.required ? '!' : '?'}`]),
      ),
    );
    expect(types).toEqual({
      'persona set text': 'string!',
      'persona rollback version': 'integer!',
      'persona save name': 'string!',
      'persona use name': 'string!',
      'fewshot add input': 'string?', // no options: the modal opens
      'fewshot add output': 'string?',
      'fewshot remove number': 'integer!',
      'fewshot mode mode': 'string!',
      'fewshot mode k': 'integer?',
      'route set route': 'string!',
      'route set model': 'string?',
      'model set model': 'string!',
      'kb add text': 'string?',
      'kb add url': 'string?',
      'kb add file': 'attachment?',
      'kb remove doc': 'string!',
      'kb search query': 'string!',
      'finetune start base_model': 'string?',
      'finetune start switch': 'boolean?',
      'finetune start epochs': 'integer?',
      'usage period': 'string?',
      'budget set usd': 'number!',
      'budget set warn': 'integer?',
      'eval add input': 'string?',
      'eval add expected': 'string?',
      'eval remove number': 'integer!',
      'eval run levers': 'string?',
      'eval run judge': 'boolean?',
    });
  });

  it("fit Discord's rules: names, description lengths, required options first", () => {
    const NAME = /^[-_\p{Ll}\p{N}]{1,32}$/u;
    for (const command of discordCommands()) {
      expect(command.name).toMatch(NAME);
      expect(command.description.length).toBeGreaterThan(0);
      expect(command.description.length).toBeLessThanOrEqual(100);
      const lists = 'subcommands' in command ? command.subcommands : [{ name: command.name, description: command.description, options: command.options }];
      for (const sub of lists) {
        expect(sub.name).toMatch(NAME);
        expect({ sub: sub.name, length: sub.description.length <= 100 && sub.description.length > 0 }).toEqual({ sub: sub.name, length: true });
        const required = sub.options.map((o) => o.required);
        expect(required).toEqual([...required].sort((a, b) => Number(b) - Number(a)));
        for (const o of sub.options) {
          expect(o.name).toMatch(NAME);
          expect({ option: o.name, length: o.description.length <= 100 && o.description.length > 0 }).toEqual({ option: o.name, length: true });
        }
      }
    }
  });

  it('name each subcommand by a keyword of its row, so its options flattened to text parse to that row', () => {
    for (const command of discordCommands()) {
      if (!('subcommands' in command)) continue;
      for (const sub of command.subcommands) {
        const row = subcommandsOfFamily(command.name).find((r) => r.name === sub.name);
        expect({ sub: `${command.name} ${sub.name}`, keyword: row?.keywords.includes(sub.name) }).toEqual({
          sub: `${command.name} ${sub.name}`,
          keyword: true,
        });
      }
    }
  });
});

describe('Discord options → the grammar', () => {
  /**
   * For every Discord subcommand with options: what a user fills in, and the command it must mean.
   * The options are flattened to text by the table (`optionsToText`) and parsed by the one grammar.
   */
  const CASES: ReadonlyArray<{ readonly command: string; readonly values: OptionValues; readonly expected: ParsedCommand | string }> = [
    { command: 'persona set', values: { text: 'You are a pirate.' }, expected: { family: 'persona', action: 'set', text: 'You are a pirate.' } },
    { command: 'persona rollback', values: { version: 3 }, expected: { family: 'persona', action: 'rollback', version: 3 } },
    { command: 'persona save', values: { name: 'pirate' }, expected: { family: 'persona', action: 'save', name: 'pirate' } },
    { command: 'persona use', values: { name: 'pirate' }, expected: { family: 'persona', action: 'use', name: 'pirate' } },
    {
      command: 'fewshot add',
      values: { input: 'Hi', output: 'Hello => there.' },
      expected: { family: 'fewshot', action: 'add', input: 'Hi', output: 'Hello => there.' },
    },
    { command: 'fewshot add', values: {}, expected: { family: 'fewshot', action: 'add', form: true } },
    {
      command: 'fewshot add',
      values: { input: 'Hi' },
      expected: "The example's output (after =>) is empty — usage: /fewshot add <input> => <output>, or /fewshot add alone to open a form.",
    },
    {
      command: 'fewshot add',
      values: { input: 'a => b', output: 'c' },
      expected: 'The input cannot contain =>; type the command instead — usage: /fewshot add input:<what a user writes> output:<the answer>.',
    },
    { command: 'fewshot remove', values: { number: 2 }, expected: { family: 'fewshot', action: 'remove', number: 2 } },
    { command: 'fewshot mode', values: { mode: 'auto', k: 3 }, expected: { family: 'fewshot', action: 'mode', mode: { kind: 'auto', k: 3 } } },
    { command: 'fewshot mode', values: { mode: 'all' }, expected: { family: 'fewshot', action: 'mode', mode: { kind: 'all' } } },
    { command: 'route set', values: { route: 'rag' }, expected: { family: 'route', action: 'set', route: 'rag' } },
    {
      command: 'route set',
      values: { route: 'finetune', model: 'ft:gpt-4o-mini:org::abc' },
      expected: { family: 'route', action: 'finetune', model: 'ft:gpt-4o-mini:org::abc' },
    },
    { command: 'model set', values: { model: 'gpt-4o' }, expected: { family: 'model', action: 'set', model: 'gpt-4o' } },
    {
      command: 'kb add',
      values: { text: 'Refunds take 5 days.' },
      expected: { family: 'kb', action: 'add', source: { kind: 'text', text: 'Refunds take 5 days.' } },
    },
    {
      command: 'kb add',
      values: { url: 'https://docs.example/guide' },
      expected: { family: 'kb', action: 'add', source: { kind: 'url', url: 'https://docs.example/guide' } },
    },
    { command: 'kb add', values: { file: 'guide.pdf' }, expected: { family: 'kb', action: 'add', source: { kind: 'files' } } },
    {
      command: 'kb add',
      values: { text: 'x', file: 'guide.pdf' },
      expected: 'Give one of text, url or file, not text and file — usage: /kb add text:<text> | url:<url> | file:<file>.',
    },
    {
      command: 'kb add',
      values: { url: 'docs.example' },
      expected: '“docs.example” is not a web address starting with http:// or https:// — usage: /kb add url:<url>.',
    },
    { command: 'kb remove', values: { doc: 'd1' }, expected: { family: 'kb', action: 'remove', docId: 'd1' } },
    { command: 'kb search', values: { query: 'refund policy' }, expected: { family: 'kb', action: 'search', query: 'refund policy' } },
    { command: 'finetune start', values: {}, expected: { family: 'finetune', action: 'start', switchRoute: false } },
    {
      command: 'finetune start',
      values: { base_model: 'gpt-4o-mini', switch: true, epochs: 3 },
      expected: { family: 'finetune', action: 'start', baseModel: 'gpt-4o-mini', switchRoute: true, epochs: 3 },
    },
    { command: 'usage', values: { period: '30d' }, expected: { family: 'usage', action: 'show', period: '30d' } },
    { command: 'usage', values: {}, expected: { family: 'usage', action: 'show', period: '7d' } },
    { command: 'budget set', values: { usd: 12.5, warn: 90 }, expected: { family: 'budget', action: 'set', usd: 12.5, warnPct: 90 } },
    { command: 'budget set', values: { usd: 25 }, expected: { family: 'budget', action: 'set', usd: 25 } },
    {
      command: 'eval add',
      values: { input: 'What is 2+2?', expected: '4' },
      expected: { family: 'eval', action: 'add', input: 'What is 2+2?', expected: '4' },
    },
    { command: 'eval add', values: {}, expected: { family: 'eval', action: 'add', form: true } },
    {
      command: 'eval add',
      values: { input: 'What is 2+2?' },
      expected: "The case's expected answer (after =>) is empty — usage: /eval add <input> => <expected>, or /eval add alone to open a form.",
    },
    { command: 'eval remove', values: { number: 1 }, expected: { family: 'eval', action: 'remove', number: 1 } },
    { command: 'eval run', values: { levers: 'prompt rag', judge: true }, expected: { family: 'eval', action: 'run', levers: ['prompt', 'rag'], judge: true } },
    { command: 'eval run', values: { judge: false }, expected: { family: 'eval', action: 'run', judge: false } },
  ];

  /** `family sub` for every Discord subcommand (or command without subcommands) that takes options. */
  const withOptions = discordCommands().flatMap((command) =>
    'subcommands' in command
      ? command.subcommands.filter((sub) => sub.options.length > 0).map((sub) => `${command.name} ${sub.name}`)
      : command.options.length > 0
        ? [command.name]
        : [],
  );

  it('has a case for every Discord subcommand with options', () => {
    expect([...new Set(CASES.map((c) => c.command))].sort()).toEqual([...withOptions].sort());
  });

  it.each(CASES.map((c) => [`${c.command} ${JSON.stringify(c.values)}`, c] as const))('%s', (_label, { command, values, expected }) => {
    const [family, sub] = command.split(' ') as [CommandFamily, string | undefined];
    let result: ReturnType<typeof parseCommand>;
    try {
      result = parseCommand(family, optionsToText(family, sub, values), LIMITS);
    } catch (err) {
      // A combination the grammar cannot express is refused while flattening, with one sentence.
      expect((err as Error).message).toBe(expected);
      return;
    }
    expect(result.ok ? result.command : result.error.message).toEqual(expected);
  });

  it('subcommands without options flatten to their own name', () => {
    for (const command of discordCommands()) {
      if (!('subcommands' in command)) continue;
      for (const sub of command.subcommands.filter((s) => s.options.length === 0)) {
        const result = parseCommand(command.name, optionsToText(command.name, sub.name, {}), LIMITS);
        expect(result.ok && result.command.action).toBe(sub.name);
      }
    }
  });
});
