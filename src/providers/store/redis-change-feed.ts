/**
 * The change feed on Redis: PUBLISH on the store's kind of connection (bounded waits), SUBSCRIBE on
 * a client of its own (a subscribed connection can do nothing else). node-redis resubscribes by
 * itself after a reconnect; notices sent while it was away are lost, so listeners are told to
 * forget their copies then.
 */
import { createClient } from '@redis/client';
import type { Logger } from '../../core/ports';
import { ConnectedChangeFeed } from './change-feed';
import { RedisConnection, type RedisClient } from './redis-connection';
import { sleep } from './store-error';

export const REDIS_CHANGES_CHANNEL = 'channelwise:changes';

export class RedisChangeFeed extends ConnectedChangeFeed {
  private readonly publisher: RedisConnection;
  private readonly subscriber: RedisClient;
  private connectedOnce = false;

  constructor(url: string, connectTimeoutMs: number, logger: Logger) {
    super();
    this.publisher = new RedisConnection(url, connectTimeoutMs, logger);
    this.subscriber = createClient({ url, socket: { connectTimeout: connectTimeoutMs, reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 1000) } });
    this.subscriber.on('error', (err: unknown) => logger.debug({ err, store: 'redis' }, 'change feed connection error'));
    // 'ready' again after the first: the connection dropped, and notices may have gone by meanwhile.
    this.subscriber.on('ready', () => {
      if (this.connectedOnce) this.listeners.missed();
      this.connectedOnce = true;
    });
    void this.listen(logger);
  }

  protected async send(topic: string): Promise<void> {
    await this.publisher.ready();
    await this.publisher.client.publish(REDIS_CHANGES_CHANNEL, topic);
  }

  protected async disconnect(): Promise<void> {
    if (this.subscriber.isOpen) this.subscriber.destroy();
    await this.publisher.close();
  }

  /** Connects in the background (start-up does not wait for Redis); node-redis keeps it connected after. */
  private async listen(logger: Logger): Promise<void> {
    for (let attempt = 0; !this.closed; attempt++) {
      try {
        await this.subscriber.connect();
        await this.subscriber.subscribe(REDIS_CHANGES_CHANNEL, (topic) => this.listeners.changed(topic));
        return;
      } catch (err) {
        if (this.closed) return;
        if (attempt === 0)
          logger.warn(
            { err, store: 'redis' },
            'the change feed cannot subscribe yet; until it does, changes from other processes show after the cache timeout',
          );
        if (this.subscriber.isOpen) this.subscriber.destroy();
        await sleep(1000);
      }
    }
  }
}
