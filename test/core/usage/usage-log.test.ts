/**
 * The usage log on its own: days add up across months, latency percentiles come from the
 * histogram, old months go once past the retention period, a hold lapses when its call never
 * reports back, and a failed count never changes the month's spend twice.
 */
import type { Clock } from '../../../src/core/ports';
import { latencyBucket, latencyBucketEdge, percentileMs, UsageLog, type ModelCall } from '../../../src/core/usage/usage-log';
import { createSqliteStore } from '../../../src/providers/store/sqlite-store';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { scopeA } from '../../helpers/app';
import { silentLogger } from '../../helpers/logger';
import { ErrorCode, UserError } from '../../../src/core/errors';

const call = (over: Partial<ModelCall> = {}): ModelCall => ({
  kind: 'chat',
  route: 'prompt',
  model: 'gpt-4o-mini',
  usage: { promptTokens: 100, cachedTokens: 0, completionTokens: 10 },
  costUsd: 0.001,
  latencyMs: 500,
  error: false,
  ...over,
});

describe('UsageLog', () => {
  let dir: string;
  let now: Date;
  const clock: Clock = { now: () => now };
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'usage-log-'));
    now = new Date('2026-03-01T10:00:00Z');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('adds days across a month boundary into one 7-day report, with every day in the series', async () => {
    const store = await createSqliteStore(path.join(dir, 's.sqlite'), silentLogger);
    try {
      const log = new UsageLog(store, clock, { retentionDays: 400 });
      now = new Date('2026-02-27T10:00:00Z');
      await log.record(scopeA, call());
      now = new Date('2026-03-02T10:00:00Z');
      await log.record(scopeA, call({ route: 'rag', latencyMs: 2000 }));
      const { route: _chatOnly, ...embedding } = call({ kind: 'embedding', usage: { promptTokens: 40, cachedTokens: 0, completionTokens: 0 } });
      await log.record(scopeA, embedding);
      const report = await log.report(scopeA, 7);
      expect(report.series.map((d) => d.day)).toEqual(['2026-02-24', '2026-02-25', '2026-02-26', '2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02']);
      expect(report.lines.map((l) => l.line)).toEqual(['prompt', 'rag', 'embedding']);
      expect(report.total).toMatchObject({ requests: 3, promptTokens: 240, completionTokens: 20 });
      expect(await log.monthSpend(scopeA)).toBeCloseTo(0.002, 12); // March only
    } finally {
      await store.close();
    }
  });

  it('deletes the months past the retention period when a new month starts', async () => {
    const store = await createSqliteStore(path.join(dir, 's.sqlite'), silentLogger);
    try {
      const log = new UsageLog(store, clock, { retentionDays: 60 });
      for (const day of ['2026-01-15', '2026-02-15', '2026-03-15', '2026-04-15']) {
        now = new Date(`${day}T10:00:00Z`);
        await log.record(scopeA, call());
      }
      const key = (month: string) => `usage:console:W1:C1:${month}`;
      expect(await store.get(key('2026-01'))).toBeUndefined(); // its last day is more than 60 days before 2026-04-15
      expect(await store.get(key('2026-02'))).toBeDefined();
      expect(await store.get(key('2026-04'))).toBeDefined();
      expect(await store.get('usage-months:console:W1:C1')).toEqual(['2026-02', '2026-03', '2026-04']);
    } finally {
      await store.close();
    }
  });

  it('refuses at the cap, counts holds of calls in flight, and lets a hold lapse when its call never reports', async () => {
    const store = await createSqliteStore(path.join(dir, 's.sqlite'), silentLogger);
    try {
      const log = new UsageLog(store, clock);
      const budget = { usd: 0.01, warnPct: 80 };
      await log.reserve(scopeA, 'a', 0.006, budget, 60_000);
      await log.reserve(scopeA, 'b', 0.004, budget, 60_000);
      await expect(log.reserve(scopeA, 'c', 0.001, budget, 60_000)).rejects.toMatchObject({ code: ErrorCode.BudgetReached });
      // 'a' finishes: its real cost replaces its hold.
      expect(await log.record(scopeA, call({ costUsd: 0.002 }), { reservation: 'a', budget })).toEqual({});
      await log.reserve(scopeA, 'c', 0.001, budget, 60_000);
      // 'b' and 'c' never report; after their hold time they no longer count.
      now = new Date(now.getTime() + 61_000);
      await log.reserve(scopeA, 'd', 0.007, budget, 60_000);
      const warned = await log.record(scopeA, call({ costUsd: 0.0065 }), { reservation: 'd', budget });
      expect(warned.warning).toMatchObject({ budget });
      expect(warned.warning?.spentUsd).toBeCloseTo(0.0085, 12);
      expect((await log.record(scopeA, call({ costUsd: 0.002 }), { budget })).warning).toBeUndefined(); // once
      const refusal = await log.reserve(scopeA, 'e', 0.001, budget, 60_000).catch((err: unknown) => err);
      expect(refusal).toBeInstanceOf(UserError);
      expect((refusal as UserError).message).toBe(
        'This channel has reached its monthly budget of $0.0100 ($0.0105 spent this month), so I will not call the model until next month or until an admin raises the cap with /budget set.',
      );
    } finally {
      await store.close();
    }
  });

  it('reads percentiles from the latency histogram within its 20% steps', () => {
    const latencies = [100, 120, 150, 200, 250, 300, 400, 800, 1500, 5000];
    const histogram: Record<string, number> = {};
    for (const ms of latencies) histogram[latencyBucket(ms)] = (histogram[latencyBucket(ms)] ?? 0) + 1;
    const p50 = percentileMs(histogram, 50)!;
    const p95 = percentileMs(histogram, 95)!;
    expect(p50).toBeGreaterThanOrEqual(250);
    expect(p50).toBeLessThanOrEqual(250 * 1.2);
    expect(p95).toBeGreaterThanOrEqual(5000);
    expect(p95).toBeLessThanOrEqual(5000 * 1.2);
    for (const ms of [11, 999, 60_000]) expect(latencyBucketEdge(latencyBucket(ms)) / ms).toBeLessThanOrEqual(1.2);
    expect(percentileMs({}, 50)).toBeUndefined();
  });
});
