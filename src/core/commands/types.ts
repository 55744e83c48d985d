/**
 * The typed form of every command of SPEC §3. The parser (`grammar.ts`, with each family's table in
 * `families/`) turns `/name text` into one of these or a `UserError`; each family's executor acts on
 * them. A command's `action` names the table row it came from, so that row's admin rule applies.
 * One grammar for every platform: Slack slash-command text, Discord options and console lines all
 * end up here.
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
  | { readonly family: 'fewshot'; readonly action: 'add'; readonly form: true }
  /** 1-based position as shown by `/fewshot list`. */
  | { readonly family: 'fewshot'; readonly action: 'remove'; readonly number: number }
  | { readonly family: 'fewshot'; readonly action: 'clear' }
  | { readonly family: 'fewshot'; readonly action: 'mode'; readonly mode: FewshotMode };

export type RouteCommand =
  | { readonly family: 'route'; readonly action: 'show' }
  | { readonly family: 'route'; readonly action: 'set'; readonly route: 'prompt' | 'rag' | 'auto' }
  | { readonly family: 'route'; readonly action: 'finetune'; readonly model?: string };

export type ModelCommand = { readonly family: 'model'; readonly action: 'show' } | { readonly family: 'model'; readonly action: 'set'; readonly model: string };

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
  /** `preferences`: the 👍/👎 pairs in the preference (DPO) format instead of chat JSONL. */
  | { readonly family: 'finetune'; readonly action: 'export'; readonly preferences?: true }
  | { readonly family: 'finetune'; readonly action: 'start'; readonly baseModel?: string; readonly switchRoute: boolean; readonly epochs?: number }
  | { readonly family: 'finetune'; readonly action: 'cancel' };

export type UsageCommand = { readonly family: 'usage'; readonly action: 'show'; readonly period: '7d' | '30d' };

export type BudgetCommand =
  | { readonly family: 'budget'; readonly action: 'show' }
  /** Monthly cap in USD; the warning level in percent of it (absent: the default, 80). */
  | { readonly family: 'budget'; readonly action: 'set'; readonly usd: number; readonly warnPct?: number }
  | { readonly family: 'budget'; readonly action: 'clear' };

export type AdviseCommand = { readonly family: 'advise'; readonly action: 'show' };

/** The levers an evaluation compares (SPEC §8). */
export const EVAL_LEVERS = ['prompt', 'fewshot', 'rag', 'finetune'] as const;
export type EvalLever = (typeof EVAL_LEVERS)[number];

export type EvalCommand =
  | { readonly family: 'eval'; readonly action: 'list' }
  | { readonly family: 'eval'; readonly action: 'add'; readonly input: string; readonly expected: string }
  /** `/eval add` with no text: open a form. */
  | { readonly family: 'eval'; readonly action: 'add'; readonly form: true }
  /** 1-based position as shown by `/eval list`. */
  | { readonly family: 'eval'; readonly action: 'remove'; readonly number: number }
  /** No levers named: every lever the channel can use. */
  | { readonly family: 'eval'; readonly action: 'run'; readonly levers?: readonly EvalLever[]; readonly judge: boolean }
  | { readonly family: 'eval'; readonly action: 'report' };

/** The console's vote on its last answer. */
export type FeedbackCommand =
  | { readonly family: 'feedback'; readonly action: 'up' }
  | { readonly family: 'feedback'; readonly action: 'down'; readonly reason?: string };

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
  | BudgetCommand
  | AdviseCommand
  | EvalCommand
  | FeedbackCommand;

export type ParsedCommand = Command | HelpCommand;

export type CommandFamily = Command['family'];

/** Limits the parser enforces (from config `limits`). */
export interface ParseLimits {
  readonly commandChars: number;
  readonly personaChars: number;
  readonly exampleChars: number;
  readonly personaNameChars: number;
}
