/**
 * A long command's progress on Discord: the deferred (ephemeral) reply is edited with the start
 * note and then the latest progress line, at most once per interval (`ThrottledEditor`, SPEC §7
 * "Streaming rate"); the reply itself then goes out as a follow-up. An interaction's token lasts
 * 15 minutes (docs/interactions/receiving-and-responding, "Interaction tokens are valid for 15
 * minutes"): past that nothing more can be edited or followed up, and the reply goes to the channel.
 */
import type { ProgressNote, ProgressSink } from '../../core/commands/progress';
import type { Logger } from '../../core/ports';
import { ThrottledEditor } from '../shared/throttle';

export const INTERACTION_TOKEN_MS = 15 * 60_000;
/** Room for the follow-up's own trip, and for clocks that differ. */
const TOKEN_MARGIN_MS = 30_000;

export interface InteractionProgressOptions {
  /** When the interaction was created (ms since the epoch, on the same clock as `now`). */
  readonly createdAt: number;
  readonly now: () => number;
  readonly editIntervalMs: number;
  /** Edits the deferred reply. */
  readonly edit: (content: string) => Promise<void>;
  readonly logger: Logger;
}

export class InteractionProgress {
  private start = '';
  private latest: string | undefined;
  private readonly editor: ThrottledEditor;

  constructor(private readonly options: InteractionProgressOptions) {
    this.editor = new ThrottledEditor({
      intervalMs: options.editIntervalMs,
      // A progress edit that fails is only a missed note: the command and its reply go on.
      edit: async (text) => {
        if (!this.tokenValid()) return;
        await options.edit(text).catch((err: unknown) => options.logger.warn({ err }, 'could not show progress'));
      },
    });
  }

  /** The sink for the command context: each note replaces what the deferred reply shows. */
  readonly sink: ProgressSink = async (note: ProgressNote) => {
    if (note.done === undefined) this.start = note.text;
    this.latest = note.done === undefined || this.start === '' ? note.text : `${this.start}\n${note.text}`;
    this.editor.update(this.latest);
  };

  /** Whether any note was shown: the reply then goes out as a follow-up, below them. */
  get used(): boolean {
    return this.latest !== undefined;
  }

  /** Resolves once the latest note is on screen (so the reply follows it). */
  async settle(): Promise<void> {
    if (this.latest !== undefined) await this.editor.finish(this.latest);
  }

  /** The interaction's webhook still takes edits and follow-ups. */
  tokenValid(): boolean {
    return this.options.now() < this.options.createdAt + INTERACTION_TOKEN_MS - TOKEN_MARGIN_MS;
  }
}
