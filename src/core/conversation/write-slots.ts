/**
 * A platform's write budget per channel that holds for the whole bot, not per process: Discord
 * allows a bot about 5 message sends and edits per 5 s in one channel, however many processes
 * (or shards) write there. Each write takes a slot counted in the store (one atomic increment per
 * write); when the window's slots are gone it waits for the next window.
 *
 * Windows are fixed, so right across a boundary two windows' slots can go out close together; the
 * platform's 429 (waited out by its SDK) covers that rare case. Per process, adapters keep their
 * own sliding limiter in front of this one.
 */
import type { Clock, DocumentStore } from '../ports';

export class SharedWriteSlots {
  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  /** Resolves once a write to `channel` may go out: at most `limit` per `windowMs` across processes. */
  async take(channel: string, limit: number, windowMs: number): Promise<void> {
    for (;;) {
      const now = this.clock.now().getTime();
      const window = Math.floor(now / windowMs) * windowMs;
      if ((await this.store.increment(`write-slots:${channel}:${window}`, 2 * windowMs)) <= limit) return;
      await this.sleep(window + windowMs - now);
    }
  }
}
