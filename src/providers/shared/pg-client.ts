/**
 * A pg pool client checked out with an 'error' listener of its own: pg-pool listens only to idle
 * clients, so a socket reset while a client is in use (held for a lock, a transaction) would be an
 * unhandled 'error' event and take the process down. The listener goes with `release()`.
 */
import type { Pool, PoolClient } from 'pg';

export async function connectGuarded(pool: Pool, onError: (err: Error) => void): Promise<PoolClient> {
  const client = await pool.connect();
  client.on('error', onError);
  const release = client.release.bind(client);
  client.release = (err?: Error | boolean) => {
    client.removeListener('error', onError);
    release(err);
  };
  return client;
}
