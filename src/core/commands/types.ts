/**
 * The typed form of every command of SPEC §3. The parser (`grammar.ts`) turns `/name text` into one
 * of these or a `UserError`; executors (one file per family) act on them. One grammar for every
 * platform: Slack slash-command text, Discord options and console lines all end up here.
 */
import type { FewshotMode } from '../types';

export type PersonaCommand =
  | { readonly family: 'persona'; readonly action: 'show' }
  | { readonly family: 'persona'; readonly action: 'set'; readonly text: string }
  | { readonly family: 'persona'; readonly action: 'edit' }
  | { readonly family: 'persona'; readonly action: 'reset' }
  | { readonly family: 'persona'; readonly action: 'history' }
  | { readonly family: 'persona'; readonly action: 'rollback'; readonly version: number }
  | { readonly family: 'persona'; readonly action: 'save'; readonly name: string }
  | { readonly family: 'persona'; readonly action: 'use'; readonly name: string }
  | { readonly family: 'persona'; readonly action: 'list' };

export type FewshotCommand =
  | { readonly family: 'fewshot'; readonly action: 'list' }
  | { readonly family: 'fewshot'; readonly action: 'add'; readonly input: string; readonly output: string }
  /** `/fewshot add` with no text: open a form. */
  | { readonly family: 'fewshot'; readonly action: 'form' }
  /** 1-based position as shown by `/fewshot list`. */
  | { readonly family: 'fewshot'; readonly action: 'remove'; readonly number: number }
  | { readonly family: 'fewshot'; readonly action: 'clear' }
  | { readonly family: 'fewshot'; readonly action: 'mode'; readonly mode: FewshotMode };

export type RouteCommand =
  | { readonly family: 'route'; readonly action: 'show' }
  | { readonly family: 'route'; readonly action: 'set'; readonly route: 'prompt' | 'rag' | 'auto' }
  | { readonly family: 'route'; readonly action: 'finetune'; readonly model?: string };

export type ModelCommand =
  | { readonly family: 'model'; readonly action: 'show' }
  | { readonly family: 'model'; readonly action: 'set'; readonly model: string };

/** `--workspace` makes list/add/remove work on the workspace-wide knowledge base instead of the channel's. */
export type KbCommand =
  | { readonly family: 'kb'; readonly action: 'list'; readonly workspace?: boolean }
  | {
      readonly family: 'kb';
      readonly action: 'add';
      readonly workspace?: boolean;
      readonly source: { readonly kind: 'url'; readonly url: string } | { readonly kind: 'text'; readonly text: string } | { readonly kind: 'files' };
    }
  | { readonly family: 'kb'; readonly action: 'remove'; readonly docId: string; readonly workspace?: boolean }
  | { readonly family: 'kb'; readonly action: 'search'; readonly query: string }
  /** Let this channel search the workspace-wide knowledge base too (`detach`: stop). */
  | { readonly family: 'kb'; readonly action: 'attach' | 'detach' }
  /** When nothing relevant is found: refuse (`on`, the default) or answer without sources, saying so (`off`). */
  | { readonly family: 'kb'; readonly action: 'strict'; readonly on: boolean };

export type FinetuneCommand =
  | { readonly family: 'finetune'; readonly action: 'status' }
  | { readonly family: 'finetune'; readonly action: 'export' }
  | { readonly family: 'finetune'; readonly action: 'start'; readonly baseModel?: string; readonly switchRoute: boolean }
  | { readonly family: 'finetune'; readonly action: 'cancel' };

export type UsageCommand = { readonly family: 'usage'; readonly action: 'show'; readonly period: '7d' | '30d' };
export type AdviseCommand = { readonly family: 'advise'; readonly action: 'show' };
/** `/<family> help`: usage of one family. */
export type HelpCommand = { readonly family: CommandFamily; readonly action: 'help' };

export type Command =
  | PersonaCommand
  | FewshotCommand
  | RouteCommand
  | ModelCommand
  | KbCommand
  | FinetuneCommand
  | UsageCommand
  | AdviseCommand;

export type ParsedCommand = Command | HelpCommand;

export type CommandFamily = 'persona' | 'fewshot' | 'route' | 'model' | 'kb' | 'finetune' | 'usage' | 'advise';
export const COMMAND_FAMILIES: readonly CommandFamily[] = ['persona', 'fewshot', 'route', 'model', 'kb', 'finetune', 'usage', 'advise'];

/** Limits the parser enforces (from config `limits`). */
export interface ParseLimits {
  readonly commandChars: number;
  readonly personaChars: number;
  readonly exampleChars: number;
  readonly personaNameChars: number;
}

/** Commands that change state: admins only (SPEC §3). `form` counts, since it leads to a change. */
export function isMutating(command: ParsedCommand): boolean {
  switch (command.family) {
    case 'persona':
      return ['set', 'edit', 'reset', 'rollback', 'save', 'use'].includes(command.action);
    case 'fewshot':
      return ['add', 'form', 'remove', 'clear', 'mode'].includes(command.action);
    case 'route':
      return command.action === 'set' || command.action === 'finetune';
    case 'model':
      return command.action === 'set';
    case 'kb':
      return command.action !== 'list' && command.action !== 'search';
    case 'finetune':
      return ['export', 'start', 'cancel'].includes(command.action);
    case 'usage':
    case 'advise':
      return false;
  }
}
