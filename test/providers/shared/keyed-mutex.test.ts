import { KeyedMutex } from '../../../src/providers/shared/keyed-mutex';

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
});
