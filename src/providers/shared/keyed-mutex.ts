/**
 * One queue per key inside this process: tasks for the same key run one after another, tasks for
 * different keys run freely; a failed task does not block the next. It is the cheap first stage of
 * every store lock (the backend lock, Redis or PostgreSQL, then only arbitrates between processes),
 * and it keeps in-memory indexes and knowledge-base changes in step with their stores.
 */
export class KeyedMutex {
  /** The promise the next task for a key waits on; removed when the key's queue drains. */
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    // `previous` never rejects: it is built only from `done` promises, which only resolve.
    const tail = previous.then(() => done);
    this.tails.set(key, tail);
    await previous;
    try {
      return await task();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Keys with a task running or waiting (for tests and diagnostics). */
  get busyKeys(): number {
    return this.tails.size;
  }
}
