/**
 * Prompt assembly (SPEC §2, §7): one system message (persona + the route's rules), then the
 * few-shot examples as user/assistant pairs, then retrieved context, then the thread's history and
 * the new message. History is dropped oldest-first until the prompt fits the token budget. The
 * system+few-shot prefix depends only on its inputs, so it is byte-identical between calls and
 * provider prompt caching applies.
 */
import { ErrorCode, UserError } from '../errors';
import type { Tokenizer } from '../ports';
import type { ChatMessage, FewshotExample } from '../types';

/** Tokens the chat format adds per message (role and separators), as OpenAI documents it. */
export const TOKENS_PER_MESSAGE = 4;
/** Tokens that prime the assistant's reply. */
export const REPLY_PRIMING_TOKENS = 3;

export interface PromptParts {
  /** Persona plus the route's rules: the one system message. */
  readonly system: string;
  readonly examples: readonly FewshotExample[];
  /** Retrieved context, already framed as data (RAG). Sent as its own message after the examples. */
  readonly context?: string;
  /** Earlier messages of the thread, oldest first. */
  readonly history: readonly ChatMessage[];
  readonly message: string;
}

export interface AssembledPrompt {
  readonly messages: readonly ChatMessage[];
  /** Prompt tokens as the model will count them (content + per-message overhead + priming). */
  readonly tokens: number;
  /** How many leading messages form the cacheable prefix (system + examples). */
  readonly prefixMessages: number;
  readonly prefixTokens: number;
  readonly historyKept: number;
  readonly historyDropped: number;
}

export function messageTokens(tokenizer: Tokenizer, message: ChatMessage): number {
  return TOKENS_PER_MESSAGE + tokenizer.count(message.content);
}

/**
 * An upper bound on the prompt's tokens that costs no tokenizing: a BPE token is at least one byte
 * of UTF-8, so a prompt of n bytes has at most n tokens (plus the per-message overhead).
 */
function tokenBound(messages: readonly ChatMessage[]): number {
  let bound = REPLY_PRIMING_TOKENS;
  for (const m of messages) bound += TOKENS_PER_MESSAGE + Buffer.byteLength(m.content, 'utf8');
  return bound;
}

function countTokens(tokenizer: Tokenizer, messages: readonly ChatMessage[]): number {
  let tokens = REPLY_PRIMING_TOKENS;
  for (const m of messages) tokens += messageTokens(tokenizer, m);
  return tokens;
}

export function assemblePrompt(parts: PromptParts, tokenizer: Tokenizer, budget: number): AssembledPrompt {
  const prefix: ChatMessage[] = [{ role: 'system', content: parts.system }];
  for (const example of parts.examples) {
    prefix.push({ role: 'user', content: example.input }, { role: 'assistant', content: example.output });
  }
  const context: ChatMessage[] = parts.context ? [{ role: 'user', content: parts.context }] : [];
  const message: ChatMessage = { role: 'user', content: parts.message };

  // Most prompts fit by far: then nothing is trimmed, and the exact counts are made only if asked for
  // (offline answers, usage estimates), not on every message's way to the model.
  const whole = [...prefix, ...context, ...parts.history, message];
  if (tokenBound(whole) <= budget) {
    let tokens: number | undefined;
    let prefixTokens: number | undefined;
    return {
      messages: whole,
      get tokens() {
        return (tokens ??= countTokens(tokenizer, whole));
      },
      prefixMessages: prefix.length,
      get prefixTokens() {
        return (prefixTokens ??= countTokens(tokenizer, prefix) - REPLY_PRIMING_TOKENS);
      },
      historyKept: parts.history.length,
      historyDropped: 0,
    };
  }

  let prefixTokens = 0;
  for (const m of prefix) prefixTokens += messageTokens(tokenizer, m);
  let fixed = REPLY_PRIMING_TOKENS + prefixTokens + messageTokens(tokenizer, message);
  for (const m of context) fixed += messageTokens(tokenizer, m);

  if (fixed > budget) {
    throw new UserError(
      ErrorCode.InputTooLong,
      `That message is too long: with this channel's persona and examples it needs about ${fixed.toLocaleString('en-US')} tokens, over the limit of ${budget.toLocaleString('en-US')} tokens.`,
      { fixed, budget, prefixTokens },
    );
  }

  // Newest history first, until the budget is spent; then restore chronological order.
  let remaining = budget - fixed;
  let kept = 0;
  for (let i = parts.history.length - 1; i >= 0; i--) {
    const cost = messageTokens(tokenizer, parts.history[i]!);
    if (cost > remaining) break;
    remaining -= cost;
    kept += 1;
  }
  const history = parts.history.slice(parts.history.length - kept);

  return {
    messages: [...prefix, ...context, ...history, message],
    tokens: budget - remaining,
    prefixMessages: prefix.length,
    prefixTokens,
    historyKept: kept,
    historyDropped: parts.history.length - kept,
  };
}
