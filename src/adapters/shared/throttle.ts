/**
 * At most one message edit per interval (SPEC §7 "Streaming rate": one per second per message, the
 * final edit included). Text arriving in between is coalesced: only the latest is sent.
 */

export interface ThrottledEditorOptions {
  readonly intervalMs: number;
  /** Sends one edit; awaited before the next may start. `footed`: the final edit asked to add the message's footer. */
  readonly edit: (text: string, footed: boolean) => Promise<void>;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export class ThrottledEditor {
  private lastEditAt = Number.NEGATIVE_INFINITY;
  private latest: string | undefined;
  private sent: string | undefined;
  private running: Promise<void> | undefined;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: ThrottledEditorOptions) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Record the newest full text; an edit goes out as soon as the interval allows. */
  update(text: string): void {
    this.latest = text;
    this.running ??= this.pump().finally(() => {
      this.running = undefined;
    });
  }

  /**
   * Send the final text (waiting for the interval if needed) and resolve when it is sent. With
   * `footed` it is sent even when the text already went out, since it adds what follows the text
   * (the feedback buttons), still within the interval.
   */
  async finish(text: string, footed = false): Promise<void> {
    this.latest = text;
    while (this.running) await this.running;
    if (this.sent !== text || footed) await this.sendNext(footed);
  }

  private async pump(): Promise<void> {
    while (this.latest !== undefined && this.latest !== this.sent) await this.sendNext();
  }

  private async sendNext(footed = false): Promise<void> {
    const wait = this.lastEditAt + this.options.intervalMs - this.now();
    if (wait > 0) await this.sleep(wait);
    const text = this.latest;
    if (text === undefined || (text === this.sent && !footed)) return;
    this.sent = text;
    try {
      await this.options.edit(text, footed);
    } finally {
      // Counted from when the edit is done, not when it was asked for: an edit held up on its way
      // (the channel's limiter, a 429, a busy event loop) must not let the next one follow it closer
      // than the interval at Discord or Slack.
      this.lastEditAt = this.now();
    }
  }
}
