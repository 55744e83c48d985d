/** `spacedProgress`: the start note always, then at most N progress notes spread over the work. */
import { spacedProgress, type ProgressNote } from '../../../src/core/commands/progress';

async function through(maxNotes: number, notes: readonly ProgressNote[]): Promise<ProgressNote[]> {
  const passed: ProgressNote[] = [];
  const sink = spacedProgress(async (note) => void passed.push(note), maxNotes);
  for (const note of notes) await sink(note);
  return passed;
}

const every = (total: number, step = 1): ProgressNote[] =>
  Array.from({ length: Math.floor((total - 1) / step) }, (_, i) => ({ text: `${(i + 1) * step} of ${total}`, done: (i + 1) * step, total }));

describe('spacedProgress', () => {
  it('passes the start and one note at each quarter when three are allowed', async () => {
    const passed = await through(3, [{ text: 'start' }, ...every(100)]);
    expect(passed.map((n) => n.text)).toEqual(['start', '25 of 100', '50 of 100', '75 of 100']);
  });

  it('never passes more than allowed, however many notes come', async () => {
    for (const total of [2, 5, 7, 40, 1000]) {
      const passed = await through(3, every(total));
      expect(passed.length).toBeLessThanOrEqual(3);
      // In the order they came, each further along than the one before.
      expect(passed.map((n) => n.done)).toEqual([...passed.map((n) => n.done!)].sort((a, b) => a - b));
    }
  });

  it('passes a sparse note that jumps several marks, and then only later marks', async () => {
    const passed = await through(3, [
      { text: 'a', done: 20, total: 24 },
      { text: 'b', done: 22, total: 24 },
    ]);
    expect(passed.map((n) => n.text)).toEqual(['a']);
  });
});
