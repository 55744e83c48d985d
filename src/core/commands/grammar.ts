/**
 * The one command grammar (SPEC §3). Slack slash-command text, Discord options flattened to text and
 * console lines all come through `parseCommand`, which is pure: it never does I/O and never throws.
 * It picks the family's table, the row its first word selects, and hands the rest to that row's
 * parser. Every refusal is a `UserError` whose message is one sentence on one line, naming what is
 * wrong and, where it helps, the right usage. Platform markup (Slack's `<url|label>`, `&amp;`) is
 * the adapter's to undo: the text here is what the user meant.
 */
import { ErrorCode, UserError } from '../errors';
import { cleanText, fail, quote, shorten, splitFirstWord, tooLarge } from './parse';
import type { Args } from './spec';
import { COMMAND_FAMILIES, familySpec, keywordsOf, subcommandFor, subcommandsOfFamily, usageOf } from './table';
import type { CommandFamily, ParseLimits, ParsedCommand } from './types';

export { usageOf };

export type ParseResult = { ok: true; command: ParsedCommand } | { ok: false; error: UserError };

/** Parse `/name text`. `name` may carry its slash; `text` is everything after it, possibly several lines. */
export function parseCommand(name: string, text: string, limits: ParseLimits): ParseResult {
  try {
    // First, before any other work, so a megabyte of pasted text costs one comparison.
    const raw = typeof text === 'string' ? text : '';
    if (raw.length > limits.commandChars) throw tooLarge('command text', raw.length, limits.commandChars);

    const family = familyOf(typeof name === 'string' ? name : '');
    const [word, rest] = splitFirstWord(cleanText(raw));
    const keyword = word.toLowerCase();
    if (keyword === 'help') return { ok: true, command: { family, action: 'help' } };
    const row = subcommandFor(family, keyword);
    const syntax = (row ?? subcommandsOfFamily(family)[0])?.syntax ?? `/${family}`;
    const args: Args = { family, word, keyword, rest, limits, syntax };
    if (row) return { ok: true, command: row.parse(args) };
    const otherwise = familySpec(family).otherwise;
    return { ok: true, command: otherwise ? otherwise(args) : unknownSubcommand(args) };
  } catch (err) {
    if (err instanceof UserError) return { ok: false, error: err };
    // A bug in a parser must not take a command handler down; the context keeps the detail for logs.
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

function familyOf(name: string): CommandFamily {
  const bare = cleanText(name).trim().replace(/^\//, '').toLowerCase();
  const family = COMMAND_FAMILIES.find((known) => known === bare);
  if (family) return family;
  const commands = COMMAND_FAMILIES.map((known) => `/${known}`);
  const list = `${commands.slice(0, -1).join(', ')} and ${commands[commands.length - 1] ?? ''}`;
  const problem = bare === '' ? 'Type a command name after the slash' : `/${shorten(bare)} is not a command here`;
  throw new UserError(ErrorCode.UnknownCommand, `${problem} — the commands are ${list}.`, { name: shorten(name) });
}

function unknownSubcommand(args: Args): never {
  const keywords = keywordsOf(args.family).join(', ');
  if (args.word === '') fail(`Say which /${args.family} subcommand to run — use one of: ${keywords}`);
  return fail(`${quote(args.word)} is not a /${args.family} subcommand — use one of: ${keywords}`);
}
