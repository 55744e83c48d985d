import { KeyedMutex, LockWaitTimeout } from '../../../src/providers/shared/keyed-mutex';

function gate(): { open: () => void; opened: Promise<void> } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('KeyedMutex', () => {
  it('runs tasks for one key one at a time, in the order they came', async () => {
    const mutex = new KeyedMutex();
    const events: string[] = [];
    const first = gate();
    const a = mutex.run('k', async () => {
      events.push('a start');
      await first.opened;
      events.push('a end');
    });
    const b = mutex.run('k', async () => {
      events.push('b start');
      events.push('b end');
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual(['a start']);
    first.open();
    await Promise.all([a, b]);
    expect(events).toEqual(['a start', 'a end', 'b start', 'b end']);
  });

  it('lets a task on another key finish while one key is busy', async () => {
    const mutex = new KeyedMutex();
    const blocked = gate();
    const slow = mutex.run('busy', () => blocked.opened.then(() => 'slow'));
    expect(await mutex.run('free', async () => 'fast')).toBe('fast');
    blocked.open();
    expect(await slow).toBe('slow');
  });

  it('frees the key when a task fails, and forgets keys nobody waits on', async () => {
    const mutex = new KeyedMutex();
    await expect(mutex.run('k', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await mutex.run('k', async () => 'next')).toBe('next');
    expect(mutex.busyKeys).toBe(0);
  });

  it('with a wait bound, gives up clearly on a task that waits for its own key, and the queue goes on', async () => {
    const mutex = new KeyedMutex();
    const started = Date.now();
    const nested = mutex.run('k', async () => mutex.run('k', async () => 'never', 50));
    await expect(nested).rejects.toBeInstanceOf(LockWaitTimeout);
    await expect(nested).rejects.toThrow('waited 50 ms for the tasks queued before it on "k"');
    expect(Date.now() - started).toBeLessThan(1000);
    // The timed-out place passed on: the key is free and the next task runs at once.
    expect(await mutex.run('k', async () => 'next', 50)).toBe('next');
    expect(mutex.busyKeys).toBe(0);
  });

  it('with a wait bound, a task queued behind a short one just waits its turn', async () => {
    const mutex = new KeyedMutex();
    const first = gate();
    const a = mutex.run('k', async () => first.opened);
    const b = mutex.run('k', async () => 'b ran', 1000);
    setTimeout(first.open, 20);
    await a;
    expect(await b).toBe('b ran');
  });
});
