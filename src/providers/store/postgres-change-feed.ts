/**
 * The change feed on PostgreSQL: NOTIFY through a small pool, LISTEN on a connection of its own,
 * reconnected when it drops. Notices sent while it was away are lost, so listeners are told to
 * forget their copies when it is back.
 */
import { Client, Pool } from 'pg';
import type { Logger } from '../../core/ports';
import { ConnectedChangeFeed } from './change-feed';
import { sleep } from './store-error';

export const POSTGRES_CHANGES_CHANNEL = 'channelwise_changes';

export class PostgresChangeFeed extends ConnectedChangeFeed {
  private readonly pool: Pool;
  private listener: Client | undefined;

  constructor(
    private readonly url: string,
    private readonly connectTimeoutMs: number,
    private readonly logger: Logger,
  ) {
    super();
    this.pool = new Pool({ connectionString: url, max: 2, connectionTimeoutMillis: connectTimeoutMs });
    this.pool.on('error', (err) => logger.warn({ err, store: 'postgres' }, 'idle PostgreSQL connection of the change feed failed'));
    void this.listen(false);
  }

  protected async send(topic: string): Promise<void> {
    await this.pool.query('SELECT pg_notify($1, $2)', [POSTGRES_CHANGES_CHANNEL, topic]);
  }

  protected async disconnect(): Promise<void> {
    await Promise.all([this.listener?.end().catch(() => undefined), this.pool.end()]);
  }

  /** Connects (again) until it listens; `again`: notices may have been missed meanwhile. */
  private async listen(again: boolean): Promise<void> {
    for (let attempt = 0; !this.closed; attempt++) {
      const client = new Client({ connectionString: this.url, connectionTimeoutMillis: this.connectTimeoutMs, application_name: 'channelwise-changes' });
      client.on('error', (err) => this.logger.debug({ err, store: 'postgres' }, 'change feed connection error'));
      try {
        await client.connect();
        await client.query(`LISTEN ${POSTGRES_CHANGES_CHANNEL}`);
      } catch (err) {
        await client.end().catch(() => undefined);
        if (attempt === 0) {
          this.logger.warn(
            { err, store: 'postgres' },
            'the change feed cannot listen yet; until it does, changes from other processes show after the cache timeout',
          );
        }
        await sleep(1000);
        continue;
      }
      if (this.closed) {
        await client.end().catch(() => undefined);
        return;
      }
      this.listener = client;
      client.on('notification', (notice) => {
        if (notice.channel === POSTGRES_CHANGES_CHANNEL && notice.payload !== undefined) this.listeners.changed(notice.payload);
      });
      client.once('end', () => {
        if (this.closed) return;
        this.listener = undefined;
        void this.listen(true);
      });
      if (again) this.listeners.missed();
      return;
    }
  }
}
