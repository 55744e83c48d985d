/**
 * The core's vocabulary. Every adapter (Slack, Discord, console) turns its platform payloads into
 * these types, and every provider (model, store, retrieval) speaks them. Nothing here knows a
 * platform SDK.
 */

export type Platform = 'slack' | 'discord' | 'console';

/** `platform:workspace:channel`; threads inherit their parent channel's scope (SPEC §1). */
export interface ChannelScope {
  readonly platform: Platform;
  /** Slack team id, Discord guild id, `dm` for direct messages, `local` for the console. */
  readonly workspace: string;
  readonly channel: string;
}

export interface WorkspaceScope {
  readonly platform: Platform;
  readonly workspace: string;
}

export function channelKey(scope: ChannelScope): string {
  return `${scope.platform}:${scope.workspace}:${scope.channel}`;
}

export function workspaceKey(scope: WorkspaceScope): string {
  return `${scope.platform}:${scope.workspace}`;
}

export type Route = 'prompt' | 'rag' | 'finetune' | 'auto';
export const ROUTES: readonly Route[] = ['prompt', 'rag', 'finetune', 'auto'];

export type Trigger = 'mention' | 'always';

/** RAG with nothing relevant found: say so (`refuse`) or answer without sources, saying so (`answer`). */
export type NoSourcePolicy = 'refuse' | 'answer';

export type FewshotMode = { readonly kind: 'all' } | { readonly kind: 'auto'; readonly k: number };

export interface FewshotExample {
  /** Stable id: survives removals of other examples and reorderings of the list. */
  readonly id: string;
  readonly input: string;
  readonly output: string;
  readonly addedBy: string;
  readonly addedAt: string;
}

export interface UserRef {
  readonly id: string;
  readonly name?: string;
}

export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  readonly role: ChatRole;
  readonly content: string;
}

export interface TokenUsage {
  readonly promptTokens: number;
  readonly cachedTokens: number;
  readonly completionTokens: number;
  /**
   * The figures were counted with the tokenizer because the server reported none (or no model was
   * called: offline mode); absent or false: as the API reported them.
   */
  readonly estimated?: boolean;
}

/** One chat message, as every adapter hands it to the core (`MessagePipeline.handle`). */
export interface InboundMessage {
  readonly scope: ChannelScope;
  readonly user: UserRef & { readonly isBot: boolean };
  /** The text with the bot's own mention removed. */
  readonly text: string;
  /** Platform id of the message: with the scope, the key under which it is answered once. */
  readonly messageId: string;
  /** The thread this message was written in, when it is in one (follow-ups there need no mention). */
  readonly threadId?: string;
  /** The thread the answer goes in (remembered, so follow-ups there are answered); absent: in place. */
  readonly replyThreadId?: string;
  /** The bot was mentioned in this message (or, on Discord, the message replies to the bot). */
  readonly mentioned: boolean;
  /** A direct message to the bot. */
  readonly isDirect: boolean;
  /**
   * Earlier messages of the conversation (oldest first, mapped to user/assistant roles). Called only
   * for messages that will be answered, after the claim, so ignored messages cost no platform call.
   */
  readonly loadHistory?: () => Promise<readonly ChatMessage[]>;
  /** Files shared with the message (a mention saying `kb add` adds them to the knowledge base). */
  readonly attachments?: readonly Attachment[];
}

/** What the assistant answers: one message of a channel, with the conversation so far. */
export interface Question {
  readonly scope: ChannelScope;
  readonly user: UserRef;
  readonly text: string;
  readonly messageId: string;
  readonly history: readonly ChatMessage[];
}

/** A file that came with a command (Discord attachment option, Slack file shared with the command). */
export interface Attachment {
  readonly name: string;
  readonly contentType?: string;
  /** Size in bytes when the platform says it; checked against the limit before downloading. */
  readonly size?: number;
  /** Downloads the file; the adapter knows how (and with which token). */
  download(): Promise<Uint8Array>;
}

/** One slash command, as every adapter hands it to the core: `/name text`. */
export interface InboundCommand {
  readonly scope: ChannelScope;
  readonly user: UserRef;
  /** Top-level command without the slash, e.g. `persona`. */
  readonly name: string;
  /** Everything after the command name, unparsed. */
  readonly text: string;
  readonly attachments?: readonly Attachment[];
}

/** Where an effective profile value came from (SPEC §1: `show` commands say it). */
export type ValueSource = 'config' | 'workspace' | 'channel';

export interface Sourced<T> {
  readonly value: T;
  readonly source: ValueSource;
}
