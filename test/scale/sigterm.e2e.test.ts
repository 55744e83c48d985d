/**
 * SPEC §5 "Stopping": a process signalled as a Procfile runner does it (SIGTERM to the whole process
 * group of `npm start`, npm forwarding it once more) stops taking new Slack work (503, so Slack
 * retries elsewhere; /healthz says draining), finishes every answer in flight, and exits 0 — also
 * when a second signal arrives during the drain; a drain longer than `SHUTDOWN_DRAIN_MS` is cut
 * short and still exits 0.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BotCluster } from '../helpers/bot-cluster';
import { waitFor } from '../helpers/processes';

jest.setTimeout(120_000);

function sqliteUrl(): string {
  return `sqlite://${path.join(mkdtempSync(path.join(tmpdir(), 'channelwise-sigterm-')), 'store.sqlite')}`;
}

describe('SIGTERM to the npm start process group', () => {
  let cluster: BotCluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it('refuses new Slack events with 503, finishes the answers in flight and exits 0', async () => {
    cluster = await BotCluster.start({ processes: 1, storeUrl: sqliteUrl() });
    cluster.answerSlowly(3000);
    const channel = 'C0DRAIN001';
    const stamps = await cluster.mentionMany(0, channel, 5);
    await waitFor(() => (cluster!.model!.requestsTo('chat').length === 5 ? true : undefined), 'five answers in flight');
    const bot = cluster.bots[0]!;

    bot.signal('SIGTERM');
    const health = await waitFor(async () => {
      const res = await fetch(`${bot.baseUrl}/healthz`);
      return res.status === 503 ? ((await res.json()) as { status: string; answersInFlight: number }) : undefined;
    }, '/healthz to say draining');
    expect(health.status).toBe('draining');
    expect(health.answersInFlight).toBeGreaterThan(0);
    const late = await cluster.mention(0, { channel, user: 'U0PERSON1', text: 'too late' });
    expect(late.status).toBe(503);

    expect(await bot.exited).toBe(0);
    const answers = cluster.finishedAnswers(channel, stamps);
    expect(answers).toHaveLength(5);
    for (let i = 0; i < 5; i++) expect(answers.join('\n')).toContain(`Answer to question ${i} — complete.`);
    // The refused event reached no model: five questions, five requests.
    expect(cluster.model!.requestsTo('chat')).toHaveLength(5);
    cluster.slack.assertNoViolations();
  });

  it('keeps draining through a second signal and still exits 0', async () => {
    cluster = await BotCluster.start({ processes: 1, storeUrl: sqliteUrl(), env: { LOG_LEVEL: 'info' } });
    cluster.answerSlowly(3000);
    const channel = 'C0DRAIN002';
    const stamps = await cluster.mentionMany(0, channel, 3);
    await waitFor(() => (cluster!.model!.requestsTo('chat').length === 3 ? true : undefined), 'three answers in flight');
    const bot = cluster.bots[0]!;

    bot.signal('SIGTERM');
    await waitFor(async () => ((await fetch(`${bot.baseUrl}/healthz`)).status === 503 ? true : undefined), 'the drain to start');
    bot.signal('SIGINT');
    bot.signal('SIGTERM');

    expect(await bot.exited).toBe(0);
    expect(cluster.finishedAnswers(channel, stamps)).toHaveLength(3);
    expect(bot.logs()).toContain('already stopping');
  });

  it('stops at the drain timeout with an answer unfinished, logging it, and exits 0', async () => {
    cluster = await BotCluster.start({ processes: 1, storeUrl: sqliteUrl(), via: 'tsx', env: { SHUTDOWN_DRAIN_MS: '500', LOG_LEVEL: 'info' } });
    cluster.model!.chatReply = () => ({ hang: 'before-headers' });
    await cluster.mentionMany(0, 'C0DRAIN003', 1);
    await waitFor(() => (cluster!.model!.requestsTo('chat').length === 1 ? true : undefined), 'the answer in flight');
    const bot = cluster.bots[0]!;

    bot.signal('SIGTERM');
    expect(await bot.exited).toBe(0);
    expect(bot.logs()).toContain('drain timeout reached');
  });
});
