/**
 * The turn budget (issue #12, "load held"): steps go on at once while a turn of the event loop is
 * young, wait in order and go a few per turn once it is long; and through the real pipeline, a
 * burst of messages that would fill one turn lets the process's timers run in between (a heartbeat,
 * an acknowledgement) while every message is still answered, once.
 */
import type { ReplyEvent } from '../../../src/core/assistant';
import type { Replier } from '../../../src/core/conversation/pipeline';
import { TurnBudget } from '../../../src/core/conversation/turn-budget';
import { makeTestApp, member, scopeA, testPermissions } from '../../helpers/app';

/** One turn of the event loop: what the budget let go in this one has run by then. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('TurnBudget', () => {
  it('lets steps go at once while the turn is young', () => {
    let now = 0;
    const budget = new TurnBudget(10, 4, () => now);
    for (now = 0; now < 10; now += 3) expect(budget.turn()).toBeUndefined();
    expect(budget.waitingSteps).toBe(0);
  });

  it('once the turn is long, steps wait and go a few per turn, in the order they asked', async () => {
    let now = 0;
    const budget = new TurnBudget(10, 4, () => now);
    expect(budget.turn()).toBeUndefined();
    now = 25; // this turn has run past its budget
    const order: number[] = [];
    const steps = Array.from({ length: 10 }, (_, i) => budget.turn()!.then(() => order.push(i)));
    expect(budget.waitingSteps).toBe(10);
    expect(order).toEqual([]);
    await nextTurn();
    expect(order).toEqual([0, 1, 2, 3]);
    await nextTurn();
    expect(order).toHaveLength(8);
    await Promise.all(steps);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(budget.waitingSteps).toBe(0);
  });

  it('a step asked for while others wait goes after them, even in a fresh turn', async () => {
    let now = 0;
    const budget = new TurnBudget(10, 1, () => now);
    budget.turn();
    now = 20;
    const order: string[] = [];
    const first = budget.turn()!.then(() => order.push('first'));
    const second = budget.turn()!.then(() => order.push('second'));
    await nextTurn(); // a new turn: its budget is fresh, but two steps still wait
    now = 21;
    const late = budget.turn();
    expect(late).toBeDefined();
    await Promise.all([first, second, late!.then(() => order.push('late'))]);
    expect(order).toEqual(['first', 'second', 'late']);
    // Once no one waits, a fresh turn lets steps go at once again.
    await nextTurn();
    expect(budget.turn()).toBeUndefined();
  });
});

describe('a burst of messages through the pipeline', () => {
  it('lets a timer set as the burst arrives run before the burst is done, and answers every message once', async () => {
    const app = await makeTestApp();
    try {
      const answered: string[] = [];
      const events: Record<string, string[]> = {};
      // Each reply costs its platform 1 ms of the thread: 100 of them would hold one turn for 100 ms.
      const busyReplier = (id: string): Replier => ({
        async answer(stream: AsyncIterable<ReplyEvent>): Promise<void> {
          for await (const event of stream) {
            const until = performance.now() + 1;
            while (performance.now() < until);
            (events[id] ??= []).push(event.type);
          }
          answered.push(id);
        },
        async tellSender(): Promise<void> {},
      });
      const pipeline = app.messages(app.commands(testPermissions));
      let answeredWhenTimerRan: number | undefined;
      setTimeout(() => (answeredWhenTimerRan = answered.length), 0);
      // Each from its own person, so no rate limit is reached.
      const ids = Array.from({ length: 100 }, (_, i) => `burst-${i}`);
      const outcomes = await Promise.all(
        ids.map((id) =>
          pipeline.handle(
            { scope: scopeA, user: { ...member, id: `U-${id}`, isBot: false }, text: `question ${id}`, messageId: id, mentioned: true, isDirect: false },
            busyReplier(id),
          ),
        ),
      );
      expect(new Set(outcomes)).toEqual(new Set(['offline']));
      expect([...answered].sort()).toEqual([...ids].sort());
      // Each answer's own events kept their order: its text, then its one `done`.
      for (const id of ids) expect(events[id]!.at(-1)).toBe('done');
      for (const id of ids) expect(events[id]!.filter((type) => type === 'done')).toHaveLength(1);
      expect(answeredWhenTimerRan).toBeDefined();
      expect(answeredWhenTimerRan!).toBeLessThan(ids.length / 2);
    } finally {
      await app.dispose();
    }
  });
});
