/**
 * Streams one core reply into Slack (SPEC §2, §7):
 * - in threads, Slack's native text streaming (`client.chatStream`: chat.startStream / appendStream
 *   / stopStream, Markdown rendered by Slack, appends buffered by the SDK), one stream per reply
 *   part, the first text flushed as soon as the model produces it;
 * - where streaming is refused (or outside threads, e.g. DMs answered in place): a placeholder
 *   posted at once, edited with chat.update at most once per interval (`ThrottledEditor`), long
 *   answers continued in further messages (`splitMessage`), each a `markdown` block with a
 *   plain-text fallback (`markdownMessage`).
 * Mentions the model writes are neutralised on both paths; every part stays within `partLimit`.
 */
import type { types, webApi } from '@slack/bolt';

type ChatStreamer = webApi.ChatStreamer;
type WebClient = webApi.WebClient;
import type { FinalReply, ReplyEvent } from '../../core/assistant';
import type { Logger } from '../../core/ports';
import { splitMessage } from '../shared/split-message';
import { ThrottledEditor } from '../shared/throttle';
import { feedbackBlocks } from './feedback';
import { SLACK_PART_LIMIT, markdownMessage, neutraliseMentions, type MarkdownMessage } from './slack-text';
import { MentionGuard, StreamingSplitter, type SplitChunk } from './stream-text';

export { SLACK_PART_LIMIT };
export const PLACEHOLDER = '_Thinking…_';

export interface ReplyTarget {
  readonly channel: string;
  /** Absent: post in place (a DM answered outside any thread). */
  readonly threadTs?: string;
  readonly team: string;
  /** Who the answer is for (native streams in channels need the recipient). */
  readonly user: string;
}

export interface ReplyStreamOptions {
  readonly client: WebClient;
  readonly logger: Logger;
  readonly editIntervalMs: number;
  readonly partLimit?: number;
  /** Try native streaming for thread replies (false when this workspace refused it before). */
  readonly nativeStreaming: boolean;
  /** Called when Slack refuses a native stream, so later replies skip straight to the fallback. */
  readonly onStreamingRefused?: (error: unknown) => void;
  /** Called with the ts of the first message posted for this reply. */
  readonly onFirstMessage?: (ts: string) => void;
  /**
   * Native streaming only: an answer complete within this many ms of its start goes out as one
   * chat.postMessage instead of a stream (start + stop: two calls where one does). 0: always stream.
   */
  readonly shortAnswerMs?: number;
}

/** Held text this long starts the stream at once: a long answer is not kept back. */
const SHORT_ANSWER_CHARS = 1000;

export interface DeliveryResult {
  readonly reply: FinalReply | undefined;
  /** `post`: the whole answer in one go (no stream, no placeholder). */
  readonly mode: 'stream' | 'update' | 'post';
  /** The ts of every message the answer was shown in (a ⭐ on any of them names the answer). */
  readonly messages: readonly string[];
}

/** Blocks that end the answer's final message (the feedback buttons). */
type Footer = readonly types.ContextActionsBlock[];

interface SinkOptions extends ReplyStreamOptions {
  /** Every message posted or streamed for the reply, as it appears. */
  readonly onPosted: (ts: string) => void;
}

interface Sink {
  push(delta: string): Promise<void>;
  finish(finalText: string, footer: Footer): Promise<void>;
}

/** A native stream failed; `visible` tells whether anything had reached the user already. */
class StreamFailure extends Error {
  constructor(
    readonly visible: boolean,
    readonly reason: unknown,
  ) {
    super(`native stream failed: ${reason instanceof Error ? reason.message : String(reason)}`);
  }
}

class NativeStreamSink implements Sink {
  private readonly guard = new MentionGuard();
  private readonly splitter: StreamingSplitter;
  private streamer: ChatStreamer | undefined;
  private visible = false;

  constructor(
    private readonly target: ReplyTarget & { readonly threadTs: string },
    private readonly options: SinkOptions,
    partLimit: number,
  ) {
    this.splitter = new StreamingSplitter(partLimit);
  }

  async push(delta: string): Promise<void> {
    await this.apply(this.splitter.push(this.guard.push(delta)));
  }

  async finish(finalText: string, footer: Footer): Promise<void> {
    await this.apply([...this.splitter.push(this.guard.push(finalText) + this.guard.flush()), ...this.splitter.end()]);
    await this.guarded(async () => {
      // chat.stopStream appends `blocks` below the streamed text of the last part.
      if (this.streamer) await this.streamer.stop(footer.length ? { blocks: [...footer] } : undefined);
      this.streamer = undefined;
    });
  }

  private async apply(chunks: readonly SplitChunk[]): Promise<void> {
    for (const chunk of chunks) {
      await this.guarded(async () => {
        if (chunk.kind === 'break') {
          await this.streamer?.stop();
          this.streamer = undefined;
          return;
        }
        if (!this.streamer) {
          this.streamer = this.options.client.chatStream({
            channel: this.target.channel,
            thread_ts: this.target.threadTs,
            recipient_team_id: this.target.team,
            recipient_user_id: this.target.user,
          });
          // An empty `chunks` makes the SDK flush now: the part appears with its first words.
          const started = await this.streamer.append({ markdown_text: chunk.text, chunks: [] });
          if (started && 'ts' in started && typeof started.ts === 'string') {
            if (!this.visible) this.options.onFirstMessage?.(started.ts);
            this.options.onPosted(started.ts);
          }
          this.visible = true;
          return;
        }
        await this.streamer.append({ markdown_text: chunk.text });
      });
    }
  }

  private async guarded(step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (err) {
      throw new StreamFailure(this.visible, err);
    }
  }
}

class UpdateSink implements Sink {
  private readonly messages: { ts: string; editor: ThrottledEditor; text: string; edited: boolean }[] = [];
  private raw = '';
  private footer: Footer = [];

  private constructor(
    private readonly target: ReplyTarget,
    private readonly options: SinkOptions,
    private readonly partLimit: number,
  ) {}

  /** Posts nothing yet: for an answer already complete, posted whole by `finish`. */
  static direct(target: ReplyTarget, options: SinkOptions, partLimit: number): UpdateSink {
    return new UpdateSink(target, options, partLimit);
  }

  /** Posts the placeholder at once. */
  static async open(target: ReplyTarget, options: SinkOptions, partLimit: number): Promise<UpdateSink> {
    const sink = new UpdateSink(target, options, partLimit);
    const ts = await sink.post(PLACEHOLDER, { text: PLACEHOLDER });
    options.onFirstMessage?.(ts);
    return sink;
  }

  async push(delta: string): Promise<void> {
    this.raw += delta;
    await this.show(splitMessage(neutraliseMentions(this.raw), this.partLimit), false);
  }

  async finish(finalText: string, footer: Footer): Promise<void> {
    this.footer = footer;
    await this.show(splitMessage(neutraliseMentions(finalText), this.partLimit), true);
  }

  /** A part's payload; the last part of the final text ends with the footer. */
  private payload(
    part: string,
    footed: boolean,
  ): { readonly text: string; readonly blocks: MarkdownMessage['blocks'] | (types.MarkdownBlock | types.ContextActionsBlock)[] } {
    const message = markdownMessage(part);
    return footed && this.footer.length ? { ...message, blocks: [...message.blocks, ...this.footer] } : message;
  }

  /**
   * Parts before the last are stable once the text has grown past them (`splitMessage` cuts within
   * the first `limit` characters of what remains), so they are edited once and then left alone.
   */
  private async show(parts: readonly string[], final: boolean): Promise<void> {
    const finishing: Promise<void>[] = [];
    const last = parts.findLastIndex((part) => part.trim() !== '');
    for (const [index, part] of parts.entries()) {
      if (!part.trim()) continue; // nothing to show yet; a markdown block needs text
      const footed = final && index === last && this.footer.length > 0;
      const message = this.messages[index];
      if (!message) {
        await this.post(part, this.payload(part, footed));
        continue;
      }
      if (footed) {
        // Sent even when the text is already right: the buttons are not on the message yet.
        finishing.push(message.editor.finish(part, true));
      } else if (final) {
        // The editor knows what it has sent; a message never edited and already right is left alone.
        if (message.edited || message.text !== part) finishing.push(message.editor.finish(part));
      } else if (message.text !== part) {
        message.editor.update(part);
        message.edited = true;
      }
      message.text = part;
    }
    await Promise.all(finishing);
  }

  /** Posts `payload`; `text` is the Markdown it shows, which later edits are compared with. */
  private async post(text: string, payload: { readonly text: string; readonly blocks?: ReturnType<UpdateSink['payload']>['blocks'] }): Promise<string> {
    const { channel, threadTs } = this.target;
    const result = await this.options.client.chat.postMessage({ channel, ...payload, ...(threadTs ? { thread_ts: threadTs } : {}) });
    const ts = result.ts ?? '';
    if (ts) this.options.onPosted(ts);
    const editor = new ThrottledEditor({
      intervalMs: this.options.editIntervalMs,
      edit: async (next, footed) => {
        try {
          await this.options.client.chat.update({ channel, ts, ...this.payload(next, footed) });
        } catch (err) {
          // A failed edit must not end the reply; the next (or final) edit carries the text again.
          this.options.logger.warn({ err, channel, ts }, 'chat.update failed');
        }
      },
    });
    this.messages.push({ ts, editor, text, edited: false });
    return ts;
  }
}

/** The events of one answer, read one at a time; a read still pending when a wait gave up is kept. */
class EventReader {
  private readonly iterator: AsyncIterator<ReplyEvent>;
  private pending: Promise<IteratorResult<ReplyEvent>> | undefined;

  constructor(events: AsyncIterable<ReplyEvent>) {
    this.iterator = events[Symbol.asyncIterator]();
  }

  next(): Promise<IteratorResult<ReplyEvent>> {
    const next = this.pending ?? this.iterator.next();
    this.pending = undefined;
    return next;
  }

  /** The next event, or `undefined` once `late` has settled with none come. */
  async nextBefore(late: Promise<undefined>): Promise<IteratorResult<ReplyEvent> | undefined> {
    const next = this.next();
    const result = await Promise.race([next, late]);
    if (result === undefined) this.pending = next;
    return result;
  }
}

/**
 * Reads the answer's start for up to `ms`: the whole answer when it is done by then (short and
 * fast, as most are), else what has arrived (the stream then starts with it). One timer for the
 * whole wait, not one per event: an answer arrives in a dozen or more deltas.
 */
async function holdShortAnswer(reader: EventReader, ms: number): Promise<{ readonly held: string; readonly reply?: FinalReply; readonly complete: boolean }> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    let held = '';
    let reply: FinalReply | undefined;
    while (held.length < SHORT_ANSWER_CHARS) {
      const result = await reader.nextBefore(late);
      if (result === undefined) return { held, complete: false };
      if (result.done) return { held, ...(reply ? { reply } : {}), complete: true };
      if (result.value.type === 'done') reply = result.value.reply;
      else held += result.value.text;
    }
    return { held, complete: false };
  } finally {
    clearTimeout(timer);
  }
}

export async function deliverReply(events: AsyncIterable<ReplyEvent>, target: ReplyTarget, replyOptions: ReplyStreamOptions): Promise<DeliveryResult> {
  const messages: string[] = [];
  const options: SinkOptions = { ...replyOptions, onPosted: (ts) => messages.push(ts) };
  const partLimit = options.partLimit ?? SLACK_PART_LIMIT;
  const threadTs = target.threadTs;
  const reader = new EventReader(events);
  const native = options.nativeStreaming && threadTs !== undefined;
  let raw = '';
  let reply: FinalReply | undefined;

  let held: Awaited<ReturnType<typeof holdShortAnswer>> | undefined;
  if (native && (options.shortAnswerMs ?? 0) > 0) {
    held = await holdShortAnswer(reader, options.shortAnswerMs ?? 0);
    if (held.complete) {
      await UpdateSink.direct(target, options, partLimit).finish(held.reply?.text ?? held.held, feedbackBlocks(held.reply));
      return { reply: held.reply, mode: 'post', messages };
    }
  }

  let sink: Sink = native ? new NativeStreamSink({ ...target, threadTs }, options, partLimit) : await UpdateSink.open(target, options, partLimit);
  let mode: DeliveryResult['mode'] = sink instanceof NativeStreamSink ? 'stream' : 'update';

  /** Native streaming failed: the placeholder path takes over with everything so far. */
  const fallBack = async (failure: StreamFailure): Promise<void> => {
    if (failure.visible) options.logger.warn({ err: failure.reason }, 'native stream broke off; posting the answer as messages');
    else options.onStreamingRefused?.(failure.reason);
    sink = await UpdateSink.open(target, options, partLimit);
    mode = 'update';
    if (raw) await sink.push(raw);
  };
  const push = async (text: string): Promise<void> => {
    raw += text;
    try {
      await sink.push(text);
    } catch (err) {
      if (!(err instanceof StreamFailure)) throw err;
      await fallBack(err);
    }
  };

  if (held?.held) await push(held.held);
  for (let result = await reader.next(); !result.done; result = await reader.next()) {
    const event = result.value;
    if (event.type === 'done') reply = event.reply;
    else await push(event.text);
  }

  const finalText = reply?.text ?? raw;
  // What the final text adds to what was streamed (e.g. the sources list); a different text follows it.
  const rest = finalText.startsWith(raw) ? finalText.slice(raw.length) : raw ? `\n\n${finalText}` : finalText;
  const footer = feedbackBlocks(reply);
  try {
    await (sink instanceof NativeStreamSink ? sink.finish(rest, footer) : sink.finish(raw + rest, footer));
  } catch (err) {
    if (!(err instanceof StreamFailure)) throw err;
    await fallBack(err);
    await sink.finish(raw + rest, footer);
  }
  return { reply, mode, messages };
}
