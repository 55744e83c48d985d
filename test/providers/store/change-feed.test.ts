/**
 * The change feed on each backend: a notice published through one feed reaches the listeners of
 * another (another process, as far as the backend can tell), and a dropped connection that comes
 * back tells listeners they may have missed notices.
 */
import { randomUUID } from 'node:crypto';
import { createClient } from '@redis/client';
import { Client } from 'pg';
import type { ChangeFeed } from '../../../src/core/ports';
import { createChangeFeed } from '../../../src/providers/store/create-store';
import { DATABASE_URL, REDIS_URL } from '../../helpers/env';
import { silentLogger } from '../../helpers/logger';
import { waitFor } from '../../helpers/processes';
import { describeWithService } from '../../helpers/services';

interface Heard {
  readonly topics: string[];
  missed: number;
}

function listen(feed: ChangeFeed): Heard {
  const heard: Heard = { topics: [], missed: 0 };
  feed.subscribe({ changed: (topic) => heard.topics.push(topic), missed: () => (heard.missed += 1) });
  return heard;
}

/** Publishes until the other feed hears it: a feed subscribes in the background after it is built. */
async function deliveredBetween(from: ChangeFeed, heard: Heard): Promise<void> {
  const topic = `profile:${randomUUID()}`;
  await waitFor(async () => {
    await from.publish(topic);
    return heard.topics.includes(topic) ? true : undefined;
  }, `the notice ${topic}`);
}

describe('the change feed on SQLite (one process)', () => {
  it('tells every listener in the process', async () => {
    const feed = createChangeFeed({ kind: 'sqlite', path: '/unused' }, silentLogger);
    const [a, b] = [listen(feed), listen(feed)];
    await feed.publish('profile:x');
    expect([a.topics, b.topics]).toEqual([['profile:x'], ['profile:x']]);
    await feed.close();
  });
});

const redis = describeWithService('Redis change feed', 'REDIS_URL', REDIS_URL, 6379);
redis.describe('the change feed on Redis', () => {
  let feeds: ChangeFeed[] = [];
  afterEach(async () => {
    await Promise.all(feeds.map((feed) => feed.close()));
    feeds = [];
  });

  it("delivers one feed's notice to another, and says notices may be missed after the connection dropped", async () => {
    feeds = [createChangeFeed({ kind: 'redis', url: redis.url }, silentLogger), createChangeFeed({ kind: 'redis', url: redis.url }, silentLogger)];
    const heard = listen(feeds[1]!);
    await deliveredBetween(feeds[0]!, heard);
    expect(heard.missed).toBe(0);

    const admin = createClient({ url: redis.url });
    await admin.connect();
    try {
      await admin.sendCommand(['CLIENT', 'KILL', 'TYPE', 'pubsub']);
    } finally {
      await admin.close();
    }
    await waitFor(() => (heard.missed > 0 ? true : undefined), 'the missed notice');
    await deliveredBetween(feeds[0]!, heard);
  });
});

const postgres = describeWithService('PostgreSQL change feed', 'DATABASE_URL', DATABASE_URL, 5432);
postgres.describe('the change feed on PostgreSQL', () => {
  let feeds: ChangeFeed[] = [];
  afterEach(async () => {
    await Promise.all(feeds.map((feed) => feed.close()));
    feeds = [];
  });

  it("delivers one feed's notice to another, and says notices may be missed after the connection dropped", async () => {
    feeds = [createChangeFeed({ kind: 'postgres', url: postgres.url }, silentLogger), createChangeFeed({ kind: 'postgres', url: postgres.url }, silentLogger)];
    const heard = listen(feeds[1]!);
    await deliveredBetween(feeds[0]!, heard);
    expect(heard.missed).toBe(0);

    const admin = new Client({ connectionString: postgres.url });
    await admin.connect();
    try {
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'channelwise-changes'`);
    } finally {
      await admin.end();
    }
    await waitFor(() => (heard.missed > 0 ? true : undefined), 'the missed notice');
    await deliveredBetween(feeds[0]!, heard);
  });
});
