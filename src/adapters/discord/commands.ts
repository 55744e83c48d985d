/**
 * Discord's application commands, generated from the core's command table (SPEC §7 "Discord
 * command shapes"; no second copy): one chat-input command per family with its subcommands and
 * options, plus the message context-menu commands. Used by `npm run discord:register` and by
 * DISCORD_REGISTER_ON_START.
 */
import { ApplicationCommandOptionType, ApplicationCommandType, type RESTPutAPIApplicationCommandsJSONBody } from 'discord.js';
import type { OptionSpec, OptionType } from '../../core/commands/spec';
import { discordCommands } from '../../core/commands/table';

/** Message context-menu commands (Apps → …), admins only (the core's rule, as `/fewshot add` and `/kb add`). */
export const FEWSHOT_MENU = 'Add as few-shot example';
/** On one of the bot's answers with a 👍: its question and answer become an evaluation case. */
export const EVAL_MENU = 'Add as evaluation case';
export const KB_MENU = 'Add to knowledge base';

/** Options whose values Discord offers as the user types (at most 25 choices). */
export type AutocompleteSource = 'personas' | 'models' | 'documents';
export const AUTOCOMPLETE: Readonly<Record<string, AutocompleteSource>> = {
  'persona use name': 'personas',
  'model set model': 'models',
  'route set model': 'models',
  'finetune start base_model': 'models',
  'kb remove doc': 'documents',
};

const OPTION_TYPES: Readonly<Record<OptionType, ApplicationCommandOptionType>> = {
  string: ApplicationCommandOptionType.String,
  integer: ApplicationCommandOptionType.Integer,
  number: ApplicationCommandOptionType.Number,
  boolean: ApplicationCommandOptionType.Boolean,
  attachment: ApplicationCommandOptionType.Attachment,
};

function option(path: string, spec: OptionSpec) {
  const autocomplete = AUTOCOMPLETE[`${path} ${spec.name}`] !== undefined;
  return {
    type: OPTION_TYPES[spec.type],
    name: spec.name,
    description: spec.description,
    required: spec.required,
    ...(spec.choices ? { choices: spec.choices.map((choice) => ({ name: choice, value: choice })) } : {}),
    ...(autocomplete ? { autocomplete: true } : {}),
    ...(spec.type === 'integer' ? { min_value: 1 } : {}),
    ...(spec.type === 'number' ? { min_value: 0 } : {}),
  };
}

export function applicationCommands(): RESTPutAPIApplicationCommandsJSONBody {
  const slash = discordCommands().map((command) => ({
    type: ApplicationCommandType.ChatInput,
    name: command.name,
    description: command.description,
    options:
      'subcommands' in command
        ? command.subcommands.map((sub) => ({
            type: ApplicationCommandOptionType.Subcommand,
            name: sub.name,
            description: sub.description,
            options: sub.options.map((o) => option(`${command.name} ${sub.name}`, o)),
          }))
        : command.options.map((o) => option(command.name, o)),
  }));
  const menus = [FEWSHOT_MENU, EVAL_MENU, KB_MENU].map((name) => ({ type: ApplicationCommandType.Message, name }));
  return [...slash, ...menus] as RESTPutAPIApplicationCommandsJSONBody;
}
