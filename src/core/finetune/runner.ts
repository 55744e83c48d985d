/**
 * The JobRunner: runs the background tasks (polling fine-tuning jobs, the daily model check) on a
 * timer in every process. Each task guards its own work with a `Lease` — the store's on Redis and
 * PostgreSQL, an in-process one on SQLite — so the same runner is safe with one process or many.
 */
import type { Logger } from '../ports';

export interface BackgroundTask {
  readonly name: string;
  readonly everyMs: number;
  run(): Promise<void>;
}

export class JobRunner {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly running = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly tasks: readonly BackgroundTask[],
    private readonly logger: Logger,
  ) {}

  start(): void {
    for (const task of this.tasks) {
      let busy = false;
      const tick = () => {
        if (busy || this.stopped) return; // a slow tick is never overlapped by the next
        busy = true;
        const run = this.runOnce(task).finally(() => {
          busy = false;
          this.running.delete(run);
        });
        this.running.add(run);
      };
      const timer = setInterval(tick, task.everyMs);
      timer.unref();
      this.timers.push(timer);
      tick();
    }
  }

  /** Runs every task once now (tests, and start-up catching up after a restart). */
  async runAll(): Promise<void> {
    for (const task of this.tasks) await this.runOnce(task);
  }

  private async runOnce(task: BackgroundTask): Promise<void> {
    try {
      await task.run();
    } catch (err) {
      this.logger.warn({ err, task: task.name }, 'background task failed; it runs again at its next tick');
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    await Promise.all([...this.running]);
  }
}
