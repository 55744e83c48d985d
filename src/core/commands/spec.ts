/**
 * The shape of a command family's table (src/core/commands/families/*): everything about one
 * top-level command in one piece — its subcommands with their typed keywords, help, admin rule and
 * Discord options (SPEC §7), its parser and its executor. `table.ts` lists the families and derives
 * the rest (family names, `isMutating`, help, keyword lists, Slack's and Discord's command lists).
 */
import type { Executor } from './context';
import type { Command, ParseLimits } from './types';

/** What a subcommand's parser gets: the text after the command name, split at its first word. */
export interface Args {
  readonly family: Command['family'];
  /** The first word exactly as typed ('' when there is none). */
  readonly word: string;
  /** The first word lower-cased: subcommand keywords are case-insensitive. */
  readonly keyword: string;
  /** Everything after the first word, outer whitespace trimmed, inner lines kept. */
  readonly rest: string;
  readonly limits: ParseLimits;
  /** The syntax line of the subcommand the keyword selected (the family's first when none did). */
  readonly syntax: string;
}

/** Discord's application command option types that channelwise uses. */
export type OptionType = 'string' | 'integer' | 'number' | 'boolean' | 'attachment';

/** One Discord option of a subcommand (SPEC §7 fixes the names and the choices). */
export interface OptionSpec {
  readonly name: string;
  readonly type: OptionType;
  readonly required: boolean;
  /** Shown by Discord next to the option (at most 100 characters). */
  readonly description: string;
  readonly choices?: readonly string[];
}

/**
 * The options of one Discord subcommand as the user filled them in, by option name (an attachment
 * option: its file name; the file itself travels as the command's attachment).
 */
export type OptionValues = Readonly<Record<string, string | number | boolean | undefined>>;

export interface SubcommandSpec<C> {
  /**
   * Lower-case words that select it in typed text (Slack, console, Discord options flattened to
   * text); '' selects it when the command comes with no text.
   */
  readonly keywords: readonly string[];
  /** Its line of the help, e.g. `/persona rollback <version>`; parse errors quote it. */
  readonly syntax: string;
  readonly description: string;
  /** Admins only: it changes state, or leads to a change (a form). */
  readonly admin: boolean;
  /**
   * Its Discord options; `null` when SPEC §7 gives it no Discord subcommand of its own (typed
   * only, or reached on Discord through another subcommand's choice).
   */
  readonly options: readonly OptionSpec[] | null;
  /**
   * Valid texts after the command name that select it, at least one per keyword. The tests run
   * every one (e.g. each admin one as a non-admin on every adapter), so a new subcommand is covered
   * by adding its row.
   */
  readonly examples: readonly string[];
  /** Pure: returns the command or throws a `UserError` whose message is one sentence. */
  readonly parse: (args: Args) => C;
  /**
   * Discord options → the text after the command name that `parse` reads. Absent: the generic rule
   * of `optionsToText` (table.ts) — the subcommand's name, then each value in option order, a true
   * boolean as `--<name>`. May throw a `UserError` for a combination the grammar cannot express.
   */
  readonly fromOptions?: (values: OptionValues) => string;
}

export interface CommandFamilySpec<C extends Command = Command> {
  readonly name: C['family'];
  /** One line: Slack's slash-command description and Discord's command description. */
  readonly summary: string;
  /**
   * Keyed by the `action` of the command each one parses to, so the parsed command names its row
   * (and so its admin rule) and the compiler checks every action has exactly one row. Listed in help
   * order.
   */
  readonly subcommands: { readonly [A in C['action']]: SubcommandSpec<C> };
  /** A first word that is no keyword: the family's own reading (`/model gpt-4o`) or its error. */
  readonly otherwise?: (args: Args) => C;
  /**
   * Discord: one subcommand per row with options (the default), or a command without subcommands
   * taking its single row's options itself (`/usage period`, `/advise`).
   */
  readonly discord?: 'options';
  /** SPEC §3: a console line only (Slack and Discord answers carry buttons instead). */
  readonly consoleOnly?: true;
  readonly execute: Executor<C>;
}

/** A family's rows with their names, in help order. */
export function subcommandsOf<C extends Command>(spec: CommandFamilySpec<C>): ReadonlyArray<SubcommandSpec<C> & { readonly name: C['action'] }> {
  return (Object.entries(spec.subcommands) as [C['action'], SubcommandSpec<C>][]).map(([name, row]) => ({ ...row, name }));
}
