/**
 * The small pure pieces every family's parser is made of. Each refusal is a `UserError` whose
 * message is one sentence on one line, naming what is wrong and, where it helps, the right usage.
 *
 * Lengths are counted as JavaScript string lengths (UTF-16 code units), the same measure the
 * profile service applies, so the parser and the service never disagree about a limit.
 */
import { ErrorCode, tooLarge as sizeRefusal, UserError } from '../errors';
import type { Args, SubcommandSpec } from './spec';
import type { ParseLimits } from './types';

const MODEL_ID = /^[A-Za-z0-9._:/@-]+$/;
const MODEL_ID_MAX_CHARS = 128;
/** How much of the user's input an error message quotes back. */
const QUOTE_MAX_CHARS = 40;

/**
 * Control characters are stripped rather than refused: NUL and the other C0 controls (except tab
 * and newline), DEL and the C1 block arrive from copy-paste and clients, mean nothing to a reader
 * and would otherwise end up inside a stored persona. `\r\n` and lone `\r` become `\n`, and lone
 * UTF-16 surrogates (invalid text that no store can encode) become U+FFFD. Everything else —
 * emoji, RTL text and its marks, combining marks, non-breaking spaces inside text — is kept as sent.
 */
export function cleanText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g, '')
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** `\s` covers the non-breaking and other Unicode spaces Slack sometimes sends between words. */
export function splitFirstWord(text: string): [string, string] {
  const trimmed = text.trim();
  const end = trimmed.search(/\s/);
  if (end === -1) return [trimmed, ''];
  return [trimmed.slice(0, end), trimmed.slice(end).trim()];
}

export function wordsOf(text: string): string[] {
  const trimmed = text.trim();
  return trimmed === '' ? [] : trimmed.split(/\s+/);
}

/** A piece of user input, made safe to quote inside a one-line message. */
export function quote(text: string): string {
  return `“${shorten(text)}”`;
}

export function shorten(text: string): string {
  const flat = cleanText(text.slice(0, QUOTE_MAX_CHARS * 4))
    .replace(/\s+/g, ' ')
    .trim();
  const chars = Array.from(flat);
  return chars.length > QUOTE_MAX_CHARS ? `${chars.slice(0, QUOTE_MAX_CHARS).join('')}…` : flat;
}

export function fail(problem: string, usage?: string): never {
  throw new UserError(ErrorCode.ParseError, usage === undefined ? `${problem}.` : `${problem} — usage: ${usage}.`);
}

/** A piece of typed text over its limit, phrased as every "too large" refusal is (errors.ts). */
export function tooLarge(what: string, actual: number, limit: number): UserError {
  return sizeRefusal(`The ${what}`, { actual, limit, unit: 'characters', context: { what } });
}

/** For subcommands that take nothing more: anything after them is a mistake worth pointing out. */
export function noMoreArgs(rest: string, after: string, usage: string): void {
  if (rest !== '') fail(`Unexpected ${quote(rest)} after ${after}`, usage);
}

/** `noMoreArgs` for a whole subcommand, quoting its own line of the help. */
export function noArgs(args: Args, after: string): void {
  noMoreArgs(args.rest, after, args.syntax);
}

/** Ids are often copied out of code-formatted list output; drop the backticks that come with them. */
export function bareToken(word: string): string {
  return word.replace(/^`+|`+$/g, '');
}

export function positiveInt(digits: string): number | undefined {
  if (!/^\d+$/.test(digits)) return undefined;
  const value = Number(digits);
  return Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

export function modelId(word: string, usage: string): string {
  const id = bareToken(word);
  if (id.length > MODEL_ID_MAX_CHARS) throw tooLarge('model id', id.length, MODEL_ID_MAX_CHARS);
  if (!MODEL_ID.test(id)) {
    fail(`${quote(id)} is not a model id: use letters, digits and . _ : / @ - only, as in gpt-4o-mini`, usage);
  }
  return id;
}

/**
 * A dashed word such as `--switch` → its name, lower-cased; undefined for other words. Smart
 * punctuation (macOS, Slack) turns a typed `--` into an en or em dash, so those count too; no model
 * id or lever starts with a dash, so any dashed word is taken for an option.
 */
export function optionName(word: string): string | undefined {
  const option = /^(?:--?|[—–])(.*)$/.exec(word);
  return option ? (option[1] ?? '').toLowerCase() : undefined;
}

/** `remove <n>` of a numbered list (few-shot examples, evaluation cases). */
export function itemNumber(args: Args, noun: string, usage: string): number {
  const words = wordsOf(args.rest);
  const [word] = words;
  if (word === undefined) fail(`Say which ${noun} to remove`, usage);
  if (words.length > 1) fail(`Remove one ${noun} at a time, not ${quote(args.rest)}`, usage);
  const number = positiveInt(word.replace(/^#/, ''));
  if (number === undefined) fail(`${quote(word)} is not ${/^[aeiou]/.test(noun) ? 'an' : 'a'} ${noun} number`, usage);
  return number;
}

export interface PairNames {
  readonly noun: string;
  readonly second: string;
}

/** Where each half of a typed pair sits, for the "is empty" refusals. */
const TYPED_HALVES = { first: ' (before =>)', second: ' (after =>)' } as const;

/**
 * `<input> => <output>` (few-shot examples, evaluation cases). Only the first `=>` separates: the
 * output may well contain arrows of its own (code, for one).
 */
export function arrowPair(args: Args, names: PairNames, usage: string): { input: string; output: string } {
  const arrow = args.rest.indexOf('=>');
  if (arrow === -1) fail(`Separate the ${names.noun}'s input from its ${names.second} with =>`, usage);
  return checkedPair(args.rest.slice(0, arrow), args.rest.slice(arrow + 2), names, args.limits, usage, TYPED_HALVES);
}

/**
 * The two halves of a pair, typed or from a form's two fields, trimmed: neither may be empty or
 * longer than the example limit, refused with the same sentences either way.
 */
export function checkedPair(
  first: string,
  second: string,
  names: PairNames,
  limits: Pick<ParseLimits, 'exampleChars'>,
  usage: string,
  halves: { readonly first: string; readonly second: string } = { first: '', second: '' },
): { input: string; output: string } {
  const { noun } = names;
  const input = first.trim();
  const output = second.trim();
  if (input === '') fail(`The ${noun}'s input${halves.first} is empty`, usage);
  if (output === '') fail(`The ${noun}'s ${names.second}${halves.second} is empty`, usage);
  const limit = limits.exampleChars;
  if (input.length > limit) throw tooLarge(`${noun}'s input`, input.length, limit);
  if (output.length > limit) throw tooLarge(`${noun}'s ${names.second}`, output.length, limit);
  return { input, output };
}

/**
 * Discord's two fields of an `<input> => <output>` pair back into the typed form. An input holding
 * `=>` itself could not be told apart from the separator, so it is refused.
 */
export function arrowPairText(keyword: string, input: unknown, output: unknown, usage: string): string {
  if (input === undefined && output === undefined) return keyword;
  const first = String(input ?? '');
  if (first.includes('=>')) fail('The input cannot contain =>; type the command instead', usage);
  return `${keyword} ${first} => ${String(output ?? '')}`;
}

/** The parser of a subcommand that takes nothing after its keyword. */
function nothingMore<F extends string, A extends string>(family: F, action: A): (args: Args) => { readonly family: F; readonly action: A } {
  return (args) => {
    noArgs(args, `/${family} ${action}`);
    return { family, action };
  };
}

/**
 * The row of a subcommand that takes nothing after its keyword. `bare`: the command alone does it
 * too (`/persona` is `/persona show`). `options: null`: typed only, no Discord subcommand.
 */
export function plainRow<F extends string, A extends string>(
  family: F,
  action: A,
  row: { readonly description: string; readonly admin: boolean; readonly bare?: true; readonly options?: null },
): SubcommandSpec<{ readonly family: F; readonly action: A }> {
  const keywords = row.bare ? ['', action] : [action];
  return {
    keywords,
    syntax: row.bare ? `/${family} [${action}]` : `/${family} ${action}`,
    description: row.description,
    admin: row.admin,
    options: row.options === null ? null : [],
    examples: keywords,
    parse: nothingMore(family, action),
  };
}
