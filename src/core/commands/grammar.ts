/**
 * The one command grammar (SPEC §3). Slack slash-command text, Discord options flattened to text and
 * console lines all come through `parseCommand`, which is pure: it never does I/O and never throws.
 * Every refusal is a `UserError` whose message is one sentence on one line, naming what is wrong and,
 * where it helps, the right usage.
 *
 * Lengths are counted as JavaScript string lengths (UTF-16 code units), the same measure the
 * profile service applies, so the parser and the service never disagree about a limit.
 */
import { ErrorCode, UserError } from '../errors';
import type { FewshotMode } from '../types';
import {
  COMMAND_FAMILIES,
  type AdviseCommand,
  type CommandFamily,
  type FewshotCommand,
  type FinetuneCommand,
  type KbCommand,
  type ModelCommand,
  type ParseLimits,
  type ParsedCommand,
  type PersonaCommand,
  type RouteCommand,
  type UsageCommand,
} from './types';
import { keywordsOf, syntaxOf, usageOf } from './usage';

export { usageOf };

export type ParseResult = { ok: true; command: ParsedCommand } | { ok: false; error: UserError };

const MODEL_ID = /^[A-Za-z0-9._:/@-]+$/;
const MODEL_ID_MAX_CHARS = 128;
const FEWSHOT_K_MIN = 1;
const FEWSHOT_K_MAX = 50;
const DOC_ID_MAX_CHARS = 128;
/** Persona names: letters (any script), combining marks, digits, `-`, `_`, `.`. */
const PERSONA_NAME = /^[\p{L}\p{M}\p{N}._-]+$/u;
/** How much of the user's input an error message quotes back. */
const QUOTE_MAX_CHARS = 40;

/** Parse `/name text`. `name` may carry its slash; `text` is everything after it, possibly several lines. */
export function parseCommand(name: string, text: string, limits: ParseLimits): ParseResult {
  try {
    // First, before any other work, so a megabyte of pasted text costs one comparison.
    const raw = typeof text === 'string' ? text : '';
    if (raw.length > limits.commandChars) throw tooLarge('command text', raw.length, limits.commandChars);

    const family = familyOf(typeof name === 'string' ? name : '');
    const args = argsOf(family, cleanText(raw), limits);
    if (args.keyword === 'help') return { ok: true, command: { family, action: 'help' } };
    return { ok: true, command: PARSERS[family](args) };
  } catch (err) {
    if (err instanceof UserError) return { ok: false, error: err };
    // A bug in this file must not take a command handler down; the context keeps the detail for logs.
    return {
      ok: false,
      error: new UserError(ErrorCode.ParseError, 'I could not read that command; try /<command> help for its usage.', {
        cause: err instanceof Error ? err.message : String(err),
      }),
    };
  }
}

/** Parse a whole console line such as `/persona set You are…` (the slash is optional). */
export function parseCommandLine(line: string, limits: ParseLimits): ParseResult {
  const source = typeof line === 'string' ? line.replace(/^\s+/, '') : '';
  const end = source.search(/\s/);
  const name = end === -1 ? source : source.slice(0, end);
  const text = end === -1 ? '' : source.slice(end);
  return parseCommand(name, text, limits);
}

// ---------------------------------------------------------------------------------------------
// Text clean-up and small helpers

/**
 * Control characters are stripped rather than refused: NUL and the other C0 controls (except tab
 * and newline), DEL and the C1 block arrive from copy-paste and clients, mean nothing to a reader
 * and would otherwise end up inside a stored persona. `\r\n` and lone `\r` become `\n`, and lone
 * UTF-16 surrogates (invalid text that no store can encode) become U+FFFD. Everything else —
 * emoji, RTL text and its marks, combining marks, non-breaking spaces inside text — is kept as sent.
 */
function cleanText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g, '')
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

interface Args {
  readonly family: CommandFamily;
  /** The first word exactly as typed ('' when there is none). */
  readonly word: string;
  /** The first word lower-cased: subcommand keywords are case-insensitive. */
  readonly keyword: string;
  /** Everything after the first word, outer whitespace trimmed, inner lines kept. */
  readonly rest: string;
  readonly limits: ParseLimits;
}

function argsOf(family: CommandFamily, text: string, limits: ParseLimits): Args {
  // `\s` covers the non-breaking and other Unicode spaces Slack sometimes sends between words.
  const [word, rest] = splitFirstWord(text);
  return { family, word, keyword: word.toLowerCase(), rest, limits };
}

function splitFirstWord(text: string): [string, string] {
  const trimmed = text.trim();
  const end = trimmed.search(/\s/);
  if (end === -1) return [trimmed, ''];
  return [trimmed.slice(0, end), trimmed.slice(end).trim()];
}

function wordsOf(text: string): string[] {
  const trimmed = text.trim();
  return trimmed === '' ? [] : trimmed.split(/\s+/);
}

function familyOf(name: string): CommandFamily {
  const bare = cleanText(name).trim().replace(/^\//, '').toLowerCase();
  const family = COMMAND_FAMILIES.find((known) => known === bare);
  if (family) return family;
  const commands = COMMAND_FAMILIES.map((known) => `/${known}`);
  const list = `${commands.slice(0, -1).join(', ')} and ${commands[commands.length - 1] ?? ''}`;
  const problem = bare === '' ? 'Type a command name after the slash' : `/${shorten(bare)} is not a command here`;
  throw new UserError(ErrorCode.UnknownCommand, `${problem} — the commands are ${list}.`, { name: shorten(name) });
}

/** A piece of user input, made safe to quote inside a one-line message. */
function quote(text: string): string {
  return `“${shorten(text)}”`;
}

function shorten(text: string): string {
  const flat = cleanText(text.slice(0, QUOTE_MAX_CHARS * 4)).replace(/\s+/g, ' ').trim();
  const chars = Array.from(flat);
  return chars.length > QUOTE_MAX_CHARS ? `${chars.slice(0, QUOTE_MAX_CHARS).join('')}…` : flat;
}

function fail(problem: string, usage?: string): never {
  throw new UserError(ErrorCode.ParseError, usage === undefined ? `${problem}.` : `${problem} — usage: ${usage}.`);
}

function tooLarge(what: string, actual: number, limit: number): UserError {
  return new UserError(
    ErrorCode.TooLarge,
    `The ${what} is ${actual.toLocaleString('en-US')} characters; the limit is ${limit.toLocaleString('en-US')}.`,
    { what, actual, limit },
  );
}

function unknownSubcommand(args: Args): never {
  fail(`${quote(args.word)} is not a /${args.family} subcommand — use one of: ${keywordsOf(args.family).join(', ')}`);
}

/** For subcommands that take nothing more: anything after them is a mistake worth pointing out. */
function noMoreArgs(rest: string, after: string, usage: string): void {
  if (rest !== '') fail(`Unexpected ${quote(rest)} after ${after}`, usage);
}

/** `noMoreArgs` for a whole subcommand, quoting its own line of the usage table. */
function noArgs(args: Args, after: string): void {
  noMoreArgs(args.rest, after, syntaxOf(args.family, args.keyword));
}

/** Ids are often copied out of code-formatted list output; drop the backticks that come with them. */
function bareToken(word: string): string {
  return word.replace(/^`+|`+$/g, '');
}

function positiveInt(digits: string): number | undefined {
  if (!/^\d+$/.test(digits)) return undefined;
  const value = Number(digits);
  return Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

function modelId(word: string, usage: string): string {
  const id = bareToken(word);
  if (id.length > MODEL_ID_MAX_CHARS) throw tooLarge('model id', id.length, MODEL_ID_MAX_CHARS);
  if (!MODEL_ID.test(id)) {
    fail(`${quote(id)} is not a model id: use letters, digits and . _ : / @ - only, as in gpt-4o-mini`, usage);
  }
  return id;
}

// ---------------------------------------------------------------------------------------------
// One parser per family

const PARSERS: Readonly<Record<CommandFamily, (args: Args) => ParsedCommand>> = {
  persona: parsePersona,
  fewshot: parseFewshot,
  route: parseRoute,
  model: parseModel,
  kb: parseKb,
  finetune: parseFinetune,
  usage: parseUsage,
  advise: parseAdvise,
};

function parsePersona(args: Args): PersonaCommand {
  const family = 'persona';
  switch (args.keyword) {
    case '':
    case 'show':
      noArgs(args, '/persona show');
      return { family, action: 'show' };
    case 'edit':
    case 'reset':
    case 'history':
    case 'list':
      noArgs(args, `/persona ${args.keyword}`);
      return { family, action: args.keyword };
    case 'set': {
      if (args.rest === '') fail('Write the new persona after set', '/persona set <text>, where the text may span several lines');
      if (args.rest.length > args.limits.personaChars) throw tooLarge('persona', args.rest.length, args.limits.personaChars);
      return { family, action: 'set', text: args.rest };
    }
    case 'rollback':
      return { family, action: 'rollback', version: personaVersion(args) };
    case 'save':
    case 'use':
      return { family, action: args.keyword, name: personaName(args) };
    default:
      return unknownSubcommand(args);
  }
}

function personaVersion(args: Args): number {
  const usage = '/persona rollback <version>, with a version number from /persona history';
  const words = wordsOf(args.rest);
  const [word] = words;
  if (word === undefined) fail('Say which version to roll back to', usage);
  if (words.length > 1) fail(`Roll back to one version at a time, not ${quote(args.rest)}`, usage);
  const version = positiveInt(word.replace(/^v/i, ''));
  if (version === undefined) fail(`${quote(word)} is not a version number such as 3 or v3`, usage);
  return version;
}

function personaName(args: Args): string {
  const verb = args.keyword === 'save' ? 'save' : 'use';
  const usage = `/persona ${verb} <name>, where the name is made of letters, digits, dots, dashes and underscores`;
  const words = wordsOf(args.rest);
  const [word] = words;
  if (word === undefined) {
    fail(verb === 'save' ? 'Give the persona a name to save it under' : 'Say which saved persona to use (see /persona list)', usage);
  }
  if (words.length > 1) fail(`A persona name is one word, so ${quote(args.rest)} will not do (try dashes instead of spaces)`, usage);
  // NFC, so a name typed with a precomposed é and one typed with e + combining accent are the same name.
  const name = bareToken(word).normalize('NFC');
  if (name.length > args.limits.personaNameChars) throw tooLarge('persona name', name.length, args.limits.personaNameChars);
  if (!PERSONA_NAME.test(name)) fail(`${quote(name)} is not a valid persona name`, usage);
  return name;
}

function parseFewshot(args: Args): FewshotCommand {
  const family = 'fewshot';
  switch (args.keyword) {
    case '':
    case 'list':
      noArgs(args, '/fewshot list');
      return { family, action: 'list' };
    case 'clear':
      noArgs(args, '/fewshot clear');
      return { family, action: 'clear' };
    case 'add':
      return fewshotAdd(args);
    case 'remove':
      return { family, action: 'remove', number: exampleNumber(args) };
    case 'mode':
      return { family, action: 'mode', mode: fewshotMode(args) };
    default:
      return unknownSubcommand(args);
  }
}

function fewshotAdd(args: Args): FewshotCommand {
  const usage = '/fewshot add <input> => <output>, or /fewshot add alone to open a form';
  if (args.rest === '') return { family: 'fewshot', action: 'form' };
  // Only the first `=>` separates: the output may well contain arrows of its own (code, for one).
  const arrow = args.rest.indexOf('=>');
  if (arrow === -1) fail("Separate the example's input from its output with =>", usage);
  const input = args.rest.slice(0, arrow).trim();
  const output = args.rest.slice(arrow + 2).trim();
  if (input === '') fail("The example's input (before =>) is empty", usage);
  if (output === '') fail("The example's output (after =>) is empty", usage);
  const limit = args.limits.exampleChars;
  if (input.length > limit) throw tooLarge("example's input", input.length, limit);
  if (output.length > limit) throw tooLarge("example's output", output.length, limit);
  return { family: 'fewshot', action: 'add', input, output };
}

function exampleNumber(args: Args): number {
  const usage = '/fewshot remove <n>, where n is the example number shown by /fewshot list';
  const words = wordsOf(args.rest);
  const [word] = words;
  if (word === undefined) fail('Say which example to remove', usage);
  if (words.length > 1) fail(`Remove one example at a time, not ${quote(args.rest)}`, usage);
  const number = positiveInt(word.replace(/^#/, ''));
  if (number === undefined) fail(`${quote(word)} is not an example number`, usage);
  return number;
}

function fewshotMode(args: Args): FewshotMode {
  const usage = `/fewshot mode all | auto <k>, where k is a whole number from ${FEWSHOT_K_MIN} to ${FEWSHOT_K_MAX}`;
  const [modeWord, afterMode] = splitFirstWord(args.rest);
  switch (modeWord.toLowerCase()) {
    case '':
      return fail('Say which mode to use', usage);
    case 'all':
      noMoreArgs(afterMode, '/fewshot mode all', usage);
      return { kind: 'all' };
    case 'auto': {
      const [kWord, afterK] = splitFirstWord(afterMode);
      if (kWord === '') fail('Say how many examples auto mode should pick', usage);
      noMoreArgs(afterK, `/fewshot mode auto ${shorten(kWord)}`, usage);
      const k = positiveInt(kWord);
      if (k === undefined || k < FEWSHOT_K_MIN || k > FEWSHOT_K_MAX) {
        fail(`${quote(kWord)} is not a whole number from ${FEWSHOT_K_MIN} to ${FEWSHOT_K_MAX}`, usage);
      }
      return { kind: 'auto', k };
    }
    default:
      return fail(`${quote(modeWord)} is not a few-shot mode`, usage);
  }
}

function parseRoute(args: Args): RouteCommand {
  const family = 'route';
  switch (args.keyword) {
    case '':
    case 'show':
      noArgs(args, '/route show');
      return { family, action: 'show' };
    case 'prompt':
    case 'rag':
    case 'auto':
      noMoreArgs(args.rest, `/route ${args.keyword}`, syntaxOf('route', 'set'));
      return { family, action: 'set', route: args.keyword };
    case 'finetune':
      return routeFinetune(args, args.rest);
    case 'set': {
      // `set <route>` is the shape Discord's options flatten to (SPEC §7: route set route model).
      const usage = '/route prompt | rag | auto, or /route finetune [<model-id>]';
      const [routeWord, afterRoute] = splitFirstWord(args.rest);
      const route = routeWord.toLowerCase();
      if (route === '') fail('Say which route to use', usage);
      if (route === 'finetune') return routeFinetune(args, afterRoute);
      if (route !== 'prompt' && route !== 'rag' && route !== 'auto') fail(`${quote(routeWord)} is not a route`, usage);
      noMoreArgs(afterRoute, `/route ${route}`, usage);
      return { family, action: 'set', route };
    }
    default:
      return unknownSubcommand(args);
  }
}

function routeFinetune(args: Args, rest: string): RouteCommand {
  const usage = '/route finetune [<model-id>]';
  const [word, after] = splitFirstWord(rest);
  if (word === '') return { family: 'route', action: 'finetune' };
  const model = modelId(word, usage);
  if (after !== '') fail(`Unexpected ${quote(after)} after the model id`, usage);
  return { family: 'route', action: 'finetune', model };
}

function parseModel(args: Args): ModelCommand {
  const usage = '/model <model-id>, for example /model gpt-4o-mini';
  switch (args.keyword) {
    case '':
    case 'show':
      noArgs(args, '/model show');
      return { family: 'model', action: 'show' };
    case 'set': {
      const [word, after] = splitFirstWord(args.rest);
      if (word === '') fail('Say which model to use', usage);
      return modelSet(word, after, usage);
    }
    default:
      // Any other first word is the model id itself: `/model gpt-4o`.
      return modelSet(args.word, args.rest, usage);
  }
}

function modelSet(word: string, after: string, usage: string): ModelCommand {
  const model = modelId(word, usage);
  if (after !== '') fail(`A model id is one word, so ${quote(after)} after ${quote(model)} does not belong`, usage);
  return { family: 'model', action: 'set', model };
}

/** `--workspace` right after list/add/remove targets the workspace-wide knowledge base. */
function workspaceFlag(rest: string): { workspace: boolean; rest: string } {
  const match = /^(?:--|—|–)workspace(?:\s+|$)/i.exec(rest);
  return match ? { workspace: true, rest: rest.slice(match[0].length) } : { workspace: false, rest };
}

function parseKb(args: Args): KbCommand {
  const family = 'kb';
  const flag = workspaceFlag(args.rest);
  const target = flag.workspace ? { workspace: true } : {};
  switch (args.keyword) {
    case '':
    case 'list':
      noArgs({ ...args, rest: flag.rest }, '/kb list [--workspace]');
      return { family, action: 'list', ...target };
    case 'add':
      return { family, action: 'add', ...target, source: kbSource(flag.rest) };
    case 'remove': {
      const usage = '/kb remove [--workspace] <doc-id>, with an id shown by /kb list';
      const [word, after] = splitFirstWord(flag.rest);
      if (word === '') fail('Say which document to remove', usage);
      if (after !== '') fail(`Remove one document at a time, not ${quote(flag.rest)}`, usage);
      const docId = bareToken(word);
      if (docId === '' || docId.length > DOC_ID_MAX_CHARS) fail(`${quote(word)} is not a document id`, usage);
      return { family, action: 'remove', docId, ...target };
    }
    case 'search':
      if (args.rest === '') fail('Say what to search for', '/kb search <query>');
      return { family, action: 'search', query: args.rest };
    case 'attach':
    case 'detach':
      noArgs(args, `/kb ${args.keyword}`);
      return { family, action: args.keyword };
    case 'strict': {
      const value = args.rest.toLowerCase();
      if (value !== 'on' && value !== 'off') fail('Say on or off', '/kb strict on | off');
      return { family, action: 'strict', on: value === 'on' };
    }
    default:
      return unknownSubcommand(args);
  }
}

/** Slack's link markup: `<https://x>` or `<https://x|label>`; inside it, Slack escapes `&` as `&amp;`. */
const SLACK_LINK = /<(https?:\/\/[^\s|<>]*)(?:\|([^<>]*))?>/gi;

type KbSource = Extract<KbCommand, { action: 'add' }>['source'];

function kbSource(rest: string): KbSource {
  if (rest === '') return { kind: 'files' };
  const usage = '/kb add <url> | <text>, or /kb add alone with files attached';
  const wholeLink = new RegExp(`^${SLACK_LINK.source}$`, 'i').exec(rest);
  const candidate = wholeLink ? unescapeSlack(wholeLink[1] ?? '') : /\s/.test(rest) ? undefined : rest;
  if (candidate !== undefined && /^https?:\/\//i.test(candidate)) {
    if (!isWebUrl(candidate)) fail(`${quote(candidate)} looks like a link but is not a valid web address`, usage);
    return { kind: 'url', url: candidate };
  }
  return { kind: 'text', text: unwrapSlackLinks(rest) };
}

function isWebUrl(candidate: string): boolean {
  try {
    const url = new URL(candidate);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** In pasted text, keep the link readable: the label, and the address too when it says more. */
function unwrapSlackLinks(text: string): string {
  return text.replace(SLACK_LINK, (_match, rawUrl: string, label: string | undefined) => {
    const url = unescapeSlack(rawUrl);
    if (label === undefined || label.trim() === '') return url;
    const shown = unescapeSlack(label);
    // Slack auto-links `example.com` as `<http://example.com|example.com>`: the label alone says it all.
    return url.toLowerCase().endsWith(shown.toLowerCase()) ? shown : `${shown} (${url})`;
  });
}

function unescapeSlack(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function parseFinetune(args: Args): FinetuneCommand {
  const family = 'finetune';
  switch (args.keyword) {
    case '':
    case 'status':
      noArgs(args, '/finetune status');
      return { family, action: 'status' };
    case 'export':
    case 'cancel':
      noArgs(args, `/finetune ${args.keyword}`);
      return { family, action: args.keyword };
    case 'start':
      return finetuneStart(args);
    default:
      return unknownSubcommand(args);
  }
}

function finetuneStart(args: Args): FinetuneCommand {
  const usage = '/finetune start [<base-model>] [--switch]';
  let baseModel: string | undefined;
  let switchRoute = false;
  for (const word of wordsOf(args.rest)) {
    // Smart punctuation (macOS, Slack) turns a typed `--` into an en or em dash; accept those too.
    // No model id starts with a dash, so any dashed word is taken for an option.
    const option = /^(?:--?|[—–])(.*)$/.exec(word);
    if (option) {
      if (option[1]?.toLowerCase() !== 'switch') fail(`${quote(word)} is not an option of /finetune start`, usage);
      switchRoute = true;
      continue;
    }
    if (baseModel !== undefined) fail(`Give one base model, not both ${quote(baseModel)} and ${quote(word)}`, usage);
    baseModel = modelId(word, usage);
  }
  return baseModel === undefined
    ? { family: 'finetune', action: 'start', switchRoute }
    : { family: 'finetune', action: 'start', baseModel, switchRoute };
}

function parseUsage(args: Args): UsageCommand {
  const usage = '/usage [7d | 30d]';
  switch (args.keyword) {
    case '':
    case '7d':
    case '30d':
      noArgs(args, `/usage ${args.keyword || '7d'}`);
      return { family: 'usage', action: 'show', period: args.keyword === '30d' ? '30d' : '7d' };
    default:
      return fail(`${quote(args.word)} is not a period; use 7d or 30d`, usage);
  }
}

function parseAdvise(args: Args): AdviseCommand {
  if (args.word !== '') fail(`/advise takes no arguments, so ${quote(`${args.word} ${args.rest}`)} does not belong`, '/advise');
  return { family: 'advise', action: 'show' };
}
