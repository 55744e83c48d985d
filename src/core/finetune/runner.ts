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

/** One background task as /healthz shows it. */
export interface TaskState {
  readonly name: string;
  readonly everyMs: number;
  readonly running: boolean;
  readonly lastRunAt?: string;
  /** The last run's failure, when it failed (it runs again at its next tick). */
  readonly lastError?: string;
}

export class JobRunner {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly running = new Set<Promise<void>>();
  private readonly states = new Map<string, { running: boolean; lastRunAt?: string; lastError?: string }>();
  private started = false;
  private stopped = false;

  constructor(
    private readonly tasks: readonly BackgroundTask[],
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.started = true;
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
    this.states.set(task.name, { running: true, lastRunAt: new Date().toISOString() });
    try {
      await task.run();
      this.states.set(task.name, { ...this.states.get(task.name), running: false });
    } catch (err) {
      this.states.set(task.name, { ...this.states.get(task.name), running: false, lastError: err instanceof Error ? err.message : String(err) });
      this.logger.warn({ err, task: task.name }, 'background task failed; it runs again at its next tick');
    }
  }

  /** `stopped` once shutdown began, `watching` while its timers run, `idle` before start. */
  get status(): 'idle' | 'watching' | 'stopped' {
    return this.stopped ? 'stopped' : this.started ? 'watching' : 'idle';
  }

  /** Each task: its interval, whether it runs now, its last run and failure. */
  tasksState(): TaskState[] {
    return this.tasks.map((task) => {
      const state = this.states.get(task.name);
      return {
        name: task.name,
        everyMs: task.everyMs,
        running: state?.running ?? false,
        ...(state?.lastRunAt ? { lastRunAt: state.lastRunAt } : {}),
        ...(state?.lastError ? { lastError: state.lastError } : {}),
      };
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    await Promise.all([...this.running]);
  }
}
