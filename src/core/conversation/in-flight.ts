/**
 * The answers a process has under way, and whether it is draining (SPEC §5 "Stopping"): on SIGTERM
 * the process stops taking new work — adapters ask `draining` at their door (Slack answers 503 so
 * Slack retries on another instance, Discord ignores new messages), /healthz turns 503 — and waits
 * for `idle()` before it exits. One count per process, shared by every platform's pipeline.
 */
export class InFlightAnswers {
  private count = 0;
  private drainingNow = false;
  private waiters: (() => void)[] = [];

  /** Answers started and not yet finished. */
  get size(): number {
    return this.count;
  }

  get draining(): boolean {
    return this.drainingNow;
  }

  /** From now on adapters take no new work; calling it again changes nothing. */
  startDraining(): void {
    this.drainingNow = true;
  }

  /** Counts `work` as one answer in flight until it settles. */
  async track<T>(work: () => Promise<T>): Promise<T> {
    this.count += 1;
    try {
      return await work();
    } finally {
      this.count -= 1;
      if (this.count === 0) this.wakeWaiters();
    }
  }

  /** Resolves once no answer is in flight (at once when none is). */
  idle(): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private wakeWaiters(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
