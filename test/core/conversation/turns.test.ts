/**
 * A conversation's follow-ups answered one at a time, in the platform's order (issue #12, item 1),
 * on a real SQLite store: the order holds whatever order the turns are asked for in, a holder that
 * never lets go delays the next message by its hold and no more, and the queue a conversation
 * leaves behind expires once it has gone quiet.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConversationTurns, compareIds, type TurnSettings } from '../../../src/core/conversation/turns';
import { systemClock, type DocumentStore } from '../../../src/core/ports';
import { createSqliteStore } from '../../../src/providers/store/sqlite-store';
import { recordingLogger, silentLogger } from '../../helpers/logger';

const SETTINGS: TurnSettings = { holdMs: 300, waitMs: 2000, pollMs: 10 };

let dir: string;
let store: DocumentStore;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'channelwise-turns-'));
  store = await createSqliteStore(path.join(dir, 'store.sqlite'), silentLogger);
});

afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Takes the turns in the order given; resolves with the order in which they were granted. */
async function grantOrder(turns: ConversationTurns, conversation: string, ids: readonly string[]): Promise<string[]> {
  const granted: string[] = [];
  const first = await turns.take(conversation, ids[0]!);
  granted.push(ids[0]!);
  const rest = ids.slice(1).map(async (id) => {
    const turn = await turns.take(conversation, id);
    granted.push(id);
    await sleep(5); // answering
    await turn.release();
  });
  // Every follow-up is queued before the first lets go.
  await sleep(50);
  await first.release();
  await Promise.all(rest);
  return granted;
}

describe('conversation turns', () => {
  it('orders Slack ts and Discord snowflakes as the platforms do', () => {
    expect(['1700000010.000200', '1700000009.999999', '1700000010.000100'].sort(compareIds)).toEqual([
      '1700000009.999999',
      '1700000010.000100',
      '1700000010.000200',
    ]);
    // A snowflake one digit longer is later, though it sorts first as text.
    expect(['999999999999999999', '1000000000000000000'].sort(compareIds)).toEqual(['999999999999999999', '1000000000000000000']);
  });

  it('grants follow-ups in the order of their ids, whatever order they asked in', async () => {
    const turns = new ConversationTurns(store, systemClock, silentLogger, undefined, SETTINGS);
    expect(await grantOrder(turns, 'C1:order', ['100.000001', '100.000004', '100.000002', '100.000003'])).toEqual([
      '100.000001',
      '100.000002',
      '100.000003',
      '100.000004',
    ]);
  });

  it('a holder that never releases delays the next message by its hold, then the next is answered', async () => {
    const logs = recordingLogger();
    const turns = new ConversationTurns(store, systemClock, logs, undefined, SETTINGS);
    await turns.take('C1:dead', '200.000001'); // its process died: never released
    const started = Date.now();
    const next = await turns.take('C1:dead', '200.000002');
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(SETTINGS.holdMs - 50);
    expect(waited).toBeLessThan(SETTINGS.waitMs);
    await next.release();
  });

  it('the queue of a conversation that has gone quiet expires from the store', async () => {
    const quick: TurnSettings = { holdMs: 100, waitMs: 100, pollMs: 10 };
    const turns = new ConversationTurns(store, systemClock, silentLogger, undefined, quick);
    const turn = await turns.take('C1:quiet', '300.000001');
    await turn.release();
    expect(await store.get('turn:C1:quiet')).toEqual([]);
    await sleep(quick.holdMs + quick.waitMs + 100);
    expect(await store.get('turn:C1:quiet')).toBeUndefined();
  });

  it('a conversation still in use keeps its queue past the first expiry', async () => {
    const quick: TurnSettings = { holdMs: 100, waitMs: 100, pollMs: 10 };
    const turns = new ConversationTurns(store, systemClock, silentLogger, undefined, quick);
    for (let i = 1; i <= 4; i++) {
      const turn = await turns.take('C1:busy', `400.00000${i}`);
      await sleep(80);
      await turn.release();
    }
    // 4 × 80 ms > the 200 ms expiry: each change moved it on.
    expect(await store.get('turn:C1:busy')).toEqual([]);
  });
});
