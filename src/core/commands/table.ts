/**
 * The command table: every family of SPEC §3, each kept whole in its own module under `families/`.
 * Everything else about commands is derived from it here — the family names, the admin rule,
 * help, the keyword lists of "not a subcommand" errors, Slack's slash commands and Discord's
 * command definitions — so adding a subcommand is one edit to its family's table.
 */
import { adviseFamily } from './families/advise';
import { budgetFamily } from './families/budget';
import { evalFamily } from './families/eval';
import { feedbackFamily } from './families/feedback';
import { fewshotFamily } from './families/fewshot';
import { finetuneFamily } from './families/finetune';
import { kbFamily } from './families/kb';
import { modelFamily } from './families/model';
import { personaFamily } from './families/persona';
import { routeFamily } from './families/route';
import { usageFamily } from './families/usage';
import { subcommandsOf, type CommandFamilySpec, type OptionSpec, type OptionValues, type SubcommandSpec } from './spec';
import type { Command, CommandFamily, ParsedCommand } from './types';

type FamilyCommand<F extends CommandFamily> = Extract<Command, { family: F }>;

/** Keyed by family so the compiler checks each family has exactly one table; in SPEC §3 order. */
const TABLE: { readonly [F in CommandFamily]: CommandFamilySpec<FamilyCommand<F>> } = {
  persona: personaFamily,
  fewshot: fewshotFamily,
  route: routeFamily,
  model: modelFamily,
  kb: kbFamily,
  finetune: finetuneFamily,
  usage: usageFamily,
  budget: budgetFamily,
  advise: adviseFamily,
  eval: evalFamily,
  feedback: feedbackFamily,
};

export const COMMAND_FAMILIES = Object.keys(TABLE) as readonly CommandFamily[];

/** A family's table, typed loosely enough to be used for any of them. */
export function familySpec(family: CommandFamily): CommandFamilySpec {
  return TABLE[family] as unknown as CommandFamilySpec;
}

export type NamedSubcommand = SubcommandSpec<Command> & { readonly name: string };

export function subcommandsOfFamily(family: CommandFamily): readonly NamedSubcommand[] {
  return subcommandsOf(familySpec(family));
}

/** The row a typed first word selects (lower-cased; '' for none). */
export function subcommandFor(family: CommandFamily, keyword: string): NamedSubcommand | undefined {
  return subcommandsOfFamily(family).find((row) => row.keywords.includes(keyword));
}

/**
 * Commands that change state — or lead to a change, like opening a form — are for admins only
 * (SPEC §3): the `admin` flag of the row the command was parsed from. Help is for everyone.
 */
export function isMutating(command: ParsedCommand): boolean {
  if (command.action === 'help') return false;
  return isAdminAction(command.family, command.action);
}

/** The admin flag of a family's row by its action name. */
export function isAdminAction(family: CommandFamily, action: string): boolean {
  const row = subcommandsOfFamily(family).find((sub) => sub.name === action);
  // Every action has its row (the table's type makes sure); a missing one refuses rather than allows.
  return row?.admin ?? true;
}

/** Multi-line help for `/<family> help`: one line per subcommand. */
export function usageOf(family: CommandFamily): string {
  return subcommandsOfFamily(family)
    .map((row) => `${row.syntax} — ${row.description}${row.admin ? ' (admin)' : ''}`)
    .join('\n');
}

/** Every keyword a family understands, for "not a subcommand" errors. */
export function keywordsOf(family: CommandFamily): readonly string[] {
  return [...subcommandsOfFamily(family).flatMap((row) => row.keywords.filter((keyword) => keyword !== '')), 'help'];
}

/** Families that are slash commands on Slack and Discord (all but the console-only ones). */
export function platformFamilies(): readonly CommandFamily[] {
  return COMMAND_FAMILIES.filter((family) => !familySpec(family).consoleOnly);
}

/** A Discord subcommand, or the options of a command that has none (plain data, no discord.js). */
export interface DiscordSubcommand {
  readonly name: string;
  readonly description: string;
  readonly options: readonly OptionSpec[];
}

export type DiscordCommand =
  | { readonly name: CommandFamily; readonly description: string; readonly subcommands: readonly DiscordSubcommand[] }
  | { readonly name: CommandFamily; readonly description: string; readonly options: readonly OptionSpec[] };

/** Discord's command definitions (SPEC §7), for registration. */
export function discordCommands(): readonly DiscordCommand[] {
  return platformFamilies().map((family) => {
    const spec = familySpec(family);
    const rows = subcommandsOfFamily(family).flatMap((row) =>
      row.options === null ? [] : [{ name: row.name, description: row.description, options: row.options }],
    );
    if (spec.discord === 'options') return { name: family, description: spec.summary, options: rows[0]?.options ?? [] };
    return { name: family, description: spec.summary, subcommands: rows };
  });
}

/**
 * A Discord interaction's options → the command text the grammar parses, so Discord commands go
 * through the same parser (and its limits and refusals) as typed ones. `subcommand` is the Discord
 * subcommand's name (a keyword of its row); undefined for families without subcommands.
 */
export function optionsToText(family: CommandFamily, subcommand: string | undefined, values: OptionValues): string {
  const spec = familySpec(family);
  const row = spec.discord === 'options' ? subcommandsOfFamily(family)[0] : subcommandsOfFamily(family).find((r) => r.name === subcommand);
  if (!row) return subcommand ?? '';
  if (row.fromOptions) return row.fromOptions(values).trim();
  const words = spec.discord === 'options' ? [] : [row.name];
  for (const option of row.options ?? []) {
    const value = values[option.name];
    if (value === undefined || value === false || option.type === 'attachment') continue;
    words.push(value === true ? `--${option.name}` : String(value));
  }
  return words.join(' ').trim();
}

/** Slack's slash commands for the app manifest: description and usage hint from the table. */
export function slackSlashCommands(): ReadonlyArray<{ readonly command: string; readonly description: string; readonly usageHint?: string }> {
  return platformFamilies().map((family) => {
    const hint = subcommandsOfFamily(family)
      .map((row) => row.syntax.slice(`/${family}`.length).trim())
      .filter((syntax) => syntax !== '')
      // Not `|`: the rows' own syntax uses it for alternatives (`mode all | auto <k>`).
      .join(' · ');
    return { command: `/${family}`, description: familySpec(family).summary, ...(hint ? { usageHint: hint } : {}) };
  });
}
