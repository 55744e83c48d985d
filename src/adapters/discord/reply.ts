/**
 * Streams one core reply into Discord (SPEC §2, §7): a placeholder reply at once, the typing
 * indicator renewed until the first words, then edits at most once per interval per message
 * (`ThrottledEditor`, the final edit included); an answer over 2,000 characters continues in further
 * messages (`splitMessage`: paragraph or line boundaries, code fences closed and reopened), each a
 * reply to the part before it so a reply chain reaches back to the question. Every send and edit of
 * a channel goes through that channel's limiter, so they stay inside Discord's per-channel bucket.
 * Discord renders Markdown itself: the text is sent as it is, and no message pings anyone.
 */
import type { FinalReply, ReplyEvent } from '../../core/assistant';
import type { Logger } from '../../core/ports';
import { splitMessage } from '../shared/split-message';
import { ThrottledEditor } from '../shared/throttle';
import { feedbackComponents, type MessageComponents } from './feedback';

/** SPEC §7: Discord reply parts are at most 2,000 characters. */
export const DISCORD_PART_LIMIT = 2000;
export const PLACEHOLDER = '*Thinking…*';
/** Discord shows "typing" for about 10 s after each indicator. */
const TYPING_RENEW_MS = 8000;

/** SPEC §7: on every message the bot sends. */
export const NO_PINGS = { parse: [] as never[], replied_user: false } as const;

/** A file attached to a channel message (a command's chart posted in the channel). */
export interface ChannelFile {
  readonly name: string;
  readonly data: Uint8Array;
  /** Alt text, shown as the attachment's description. */
  readonly description?: string;
}

export interface DiscordWriter {
  /** Creates a message (a reply to `replyTo` when given), with `components` below it and `files` attached; resolves with its id. */
  post(channelId: string, content: string, replyTo?: string, components?: MessageComponents, files?: readonly ChannelFile[]): Promise<string>;
  edit(channelId: string, messageId: string, content: string, components?: MessageComponents): Promise<void>;
  typing(channelId: string): Promise<void>;
}

interface ChannelState {
  /** When the last `limit` writes went out. */
  readonly sent: number[];
  chain: Promise<unknown>;
  pausedUntil: number;
}

export interface ChannelBucket {
  /** Writes per window per channel (Discord's message bucket: 5 per 5 s). */
  readonly limit: number;
  readonly windowMs: number;
}

export const DISCORD_CHANNEL_BUCKET: ChannelBucket = { limit: 5, windowMs: 5000 };

/**
 * One limiter per channel: writes run one at a time, at most `limit` per window, and not before a
 * pause set from a 429's `retry_after` has passed. Idle channels are forgotten.
 */
export class ChannelLimiter {
  private readonly channels = new Map<string, ChannelState>();

  constructor(
    private readonly bucket: ChannelBucket = DISCORD_CHANNEL_BUCKET,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    /** The slot of the bucket all processes share (the core's `SharedWriteSlots`), taken after this process's own. */
    private readonly shared?: (channelId: string, bucket: ChannelBucket) => Promise<void>,
  ) {}

  run<T>(channelId: string, write: () => Promise<T>): Promise<T> {
    const state = this.state(channelId);
    const result = state.chain.then(async () => {
      await this.slot(state);
      await this.shared?.(channelId, this.bucket);
      return write();
    });
    state.chain = result.catch(() => undefined);
    void state.chain.then(() => this.forgetIfIdle(channelId, state));
    return result;
  }

  /** Discord said 429 for this channel: no write before `ms` from now. */
  pause(channelId: string, ms: number): void {
    const state = this.state(channelId);
    state.pausedUntil = Math.max(state.pausedUntil, this.now() + ms);
  }

  private async slot(state: ChannelState): Promise<void> {
    for (;;) {
      const now = this.now();
      while (state.sent.length > 0 && (state.sent[0] ?? 0) <= now - this.bucket.windowMs) state.sent.shift();
      const wait = Math.max(state.pausedUntil - now, state.sent.length >= this.bucket.limit ? (state.sent[0] ?? 0) + this.bucket.windowMs - now : 0);
      if (wait <= 0) break;
      await this.sleep(wait);
    }
    state.sent.push(this.now());
  }

  private state(channelId: string): ChannelState {
    let state = this.channels.get(channelId);
    if (!state) {
      state = { sent: [], chain: Promise.resolve(), pausedUntil: 0 };
      this.channels.set(channelId, state);
    }
    return state;
  }

  private forgetIfIdle(channelId: string, state: ChannelState): void {
    const chain = state.chain;
    // Forget it once its window has passed with nothing queued behind.
    setTimeout(() => {
      if (state.chain === chain && this.channels.get(channelId) === state && state.pausedUntil <= this.now()) this.channels.delete(channelId);
    }, this.bucket.windowMs).unref();
  }
}

export interface ReplyOptions {
  readonly writer: DiscordWriter;
  readonly limiter: ChannelLimiter;
  readonly logger: Logger;
  readonly editIntervalMs: number;
  /** Told each message's text as it is written (so history need not fetch it back). */
  readonly onWritten?: (channelId: string, messageId: string, content: string, replyTo: string) => void;
}

export interface Delivered {
  readonly reply: FinalReply | undefined;
  /** The ids of the messages the answer was shown in (a ⭐ on any of them names the answer). */
  readonly messages: readonly string[];
}

interface Part {
  readonly id: string;
  readonly editor: ThrottledEditor;
  text: string;
  edited: boolean;
}

/** The messages of one answer, in `channelId`, the first replying to `replyTo`. */
class ReplyMessages {
  private readonly parts: Part[] = [];
  /** The components the final part's last edit carries. */
  private footer: MessageComponents = [];

  constructor(
    private readonly channelId: string,
    private readonly replyTo: string,
    private readonly options: ReplyOptions,
  ) {}

  async open(): Promise<void> {
    await this.post(PLACEHOLDER);
  }

  /**
   * Parts before the last are stable once the text has grown past them (`splitMessage` cuts within
   * the first `limit` characters of what remains), so they are edited once and then left alone.
   */
  async show(text: string, final: boolean, footer: MessageComponents = []): Promise<void> {
    const finishing: Promise<void>[] = [];
    const contents = splitMessage(text, DISCORD_PART_LIMIT);
    for (const [index, content] of contents.entries()) {
      const part = this.parts[index];
      const footed = final && index === contents.length - 1 && footer.length > 0;
      if (!part) {
        await this.post(content, footed ? footer : []);
        continue;
      }
      if (footed) {
        // Sent even when the text is already right: the buttons are not on the message yet.
        this.footer = footer;
        finishing.push(part.editor.finish(content, true));
      } else if (final) {
        if (part.edited || part.text !== content) finishing.push(part.editor.finish(content));
      } else if (part.text !== content) {
        part.editor.update(content);
        part.edited = true;
      }
      part.text = content;
    }
    await Promise.all(finishing);
  }

  get ids(): string[] {
    return this.parts.map((part) => part.id);
  }

  private async post(content: string, components: MessageComponents = []): Promise<void> {
    const { writer, limiter } = this.options;
    const replyTo = this.parts.at(-1)?.id ?? this.replyTo;
    const id = await limiter.run(this.channelId, () => writer.post(this.channelId, content, replyTo, components.length ? components : undefined));
    this.options.onWritten?.(this.channelId, id, content, replyTo);
    const editor = new ThrottledEditor({
      intervalMs: this.options.editIntervalMs,
      edit: async (next, footed) => {
        try {
          await limiter.run(this.channelId, () => writer.edit(this.channelId, id, next, footed && this.footer.length ? this.footer : undefined));
          this.options.onWritten?.(this.channelId, id, next, replyTo);
        } catch (err) {
          // A failed edit must not end the reply; the next (or final) edit carries the text again.
          this.options.logger.warn({ err, channel: this.channelId, message: id }, 'Discord message edit failed');
        }
      },
    });
    this.parts.push({ id, editor, text: content, edited: false });
  }
}

/** Renews the typing indicator until stopped (the first words, or the end). */
function keepTyping(writer: DiscordWriter, channelId: string, logger: Logger): () => void {
  const send = () => void writer.typing(channelId).catch((err: unknown) => logger.debug({ err }, 'typing indicator failed'));
  send();
  const timer = setInterval(send, TYPING_RENEW_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/** Streams `events` as a reply to message `replyTo` in `channelId` (a thread's id for a thread). */
export async function deliverReply(events: AsyncIterable<ReplyEvent>, channelId: string, replyTo: string, options: ReplyOptions): Promise<Delivered> {
  const messages = new ReplyMessages(channelId, replyTo, options);
  await messages.open();
  let stopTyping: (() => void) | undefined = keepTyping(options.writer, channelId, options.logger);
  let raw = '';
  let reply: FinalReply | undefined;
  try {
    for await (const event of events) {
      if (event.type === 'done') {
        reply = event.reply;
        continue;
      }
      stopTyping?.();
      stopTyping = undefined;
      raw += event.text;
      await messages.show(raw, false);
    }
  } finally {
    stopTyping?.();
  }
  // The final text may add to what was streamed (e.g. the sources list).
  const finalText = reply?.text ?? raw;
  await messages.show(finalText.trim() ? finalText : raw || '…', true, feedbackComponents(reply));
  return { reply, messages: messages.ids };
}
