import { settlesWithin } from './timeout';

/**
 * One queue per key inside this process: tasks for the same key run one after another, tasks for
 * different keys run freely; a failed task does not block the next. It is the cheap first stage of
 * every store lock (the backend lock, Redis or PostgreSQL, then only arbitrates between processes),
 * and it keeps in-memory indexes and knowledge-base changes in step with their stores.
 */
/** A task waited longer than its bound for the tasks queued before it on the same key. */
export class LockWaitTimeout extends Error {
  override readonly name = 'LockWaitTimeout';
  constructor(
    readonly key: string,
    readonly waitMs: number,
  ) {
    super(`waited ${waitMs} ms for the tasks queued before it on "${key}"`);
  }
}

export class KeyedMutex {
  /** The promise the next task for a key waits on; removed when the key's queue drains. */
  private readonly tails = new Map<string, Promise<void>>();

  /**
   * Runs `task` once every task queued before it on `key` has finished. With `waitMs`, gives up
   * with a `LockWaitTimeout` when that takes longer (its place in the queue then passes on as soon
   * as the tasks before it finish): a task that waits on its own key — a deadlock — fails clearly
   * instead of hanging.
   */
  async run<T>(key: string, task: () => Promise<T>, waitMs?: number): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    // `previous` never rejects: it is built only from `done` promises, which only resolve.
    const tail = previous.then(() => done);
    this.tails.set(key, tail);
    const finish = () => {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
    if (waitMs === undefined) {
      await previous;
    } else if (!(await settlesWithin(previous, waitMs))) {
      void previous.then(finish);
      throw new LockWaitTimeout(key, waitMs);
    }
    try {
      return await task();
    } finally {
      finish();
    }
  }

  /** Keys with a task running or waiting (for tests and diagnostics). */
  get busyKeys(): number {
    return this.tails.size;
  }
}
