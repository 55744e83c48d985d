import { ThrottledEditor } from '../../../src/adapters/shared/throttle';

/** A fake clock: sleeping advances time, so the test runs instantly and deterministically. */
function fakeTime() {
  let now = 0;
  return { now: () => now, sleep: async (ms: number) => void (now += ms) };
}

describe('ThrottledEditor', () => {
  it('sends at most one edit per interval, the final one included, coalescing what arrived between', async () => {
    const time = fakeTime();
    const edits: { at: number; text: string }[] = [];
    const editor = new ThrottledEditor({
      intervalMs: 1000,
      edit: async (text) => void edits.push({ at: time.now(), text }),
      ...time,
    });
    editor.update('a');
    editor.update('ab');
    editor.update('abc');
    await editor.finish('abcd');
    for (let i = 1; i < edits.length; i++) expect(edits[i]!.at - edits[i - 1]!.at).toBeGreaterThanOrEqual(1000);
    expect(edits.at(-1)!.text).toBe('abcd');
    expect(edits.length).toBeLessThanOrEqual(3);
  });

  it('does not repeat an edit whose text was already sent', async () => {
    const time = fakeTime();
    const edits: string[] = [];
    const editor = new ThrottledEditor({ intervalMs: 1000, edit: async (text) => void edits.push(text), ...time });
    editor.update('done');
    await editor.finish('done');
    expect(edits).toEqual(['done']);
  });

  it('sends a footed final edit even when its text went out already, still one interval after the last', async () => {
    const time = fakeTime();
    const edits: { at: number; text: string; footed: boolean }[] = [];
    const editor = new ThrottledEditor({ intervalMs: 1000, edit: async (text, footed) => void edits.push({ at: time.now(), text, footed }), ...time });
    editor.update('done');
    await editor.finish('done', true);
    expect(edits.map(({ text, footed }) => ({ text, footed }))).toEqual([
      { text: 'done', footed: false },
      { text: 'done', footed: true },
    ]);
    expect(edits[1]!.at - edits[0]!.at).toBeGreaterThanOrEqual(1000);
  });

  it('keeps the interval at the receiver when an edit is held up on its way (a queue, a 429)', async () => {
    const time = fakeTime();
    const arrivals: number[] = [];
    let first = true;
    const editor = new ThrottledEditor({
      intervalMs: 1000,
      edit: async () => {
        // The first edit waits 800 ms in the channel's queue before it reaches the server.
        if (first) await time.sleep(800);
        first = false;
        arrivals.push(time.now());
      },
      ...time,
    });
    editor.update('a');
    editor.update('ab');
    await editor.finish('abc');
    expect(arrivals.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < arrivals.length; i++) expect(arrivals[i]! - arrivals[i - 1]!).toBeGreaterThanOrEqual(1000);
  });
});
