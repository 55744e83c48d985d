import { Client, Pool } from 'pg';
import { ErrorCode } from '../../../src/core/errors';
import { createStore } from '../../../src/providers/store/create-store';
import { POSTGRES_TABLE, createPostgresStore } from '../../../src/providers/store/postgres-store';
import { DATABASE_URL } from '../../helpers/env';
import { silentLogger } from '../../helpers/logger';
import { describeWithService } from '../../helpers/services';
import { type StoreBackendProbe, storeContractSuite } from '../../helpers/store-contract';

const postgres = describeWithService('PostgreSQL store', 'DATABASE_URL', DATABASE_URL, 5432);

/** A pool of its own for raw rows; every query of any pg client in this process (pools included) is counted. */
async function postgresProbe(): Promise<StoreBackendProbe> {
  const pool = new Pool({ connectionString: postgres.url, max: 2 });
  const table = `public.${POSTGRES_TABLE}`;
  return {
    writeRaw: async (key, text) => {
      // As @keyv/postgres wrote: keyv's namespace prefix, the JSON text, no TTL column.
      await pool.query(`INSERT INTO ${table} (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, [
        `channelwise:${key}`,
        text,
      ]);
    },
    readRaw: async (key) => (await pool.query<{ value: string }>(`SELECT value FROM ${table} WHERE key = $1`, [`channelwise:${key}`])).rows[0]?.value,
    countCommands: async (_key, run) => {
      const spy = jest.spyOn(Client.prototype, 'query');
      try {
        await run();
        return spy.mock.calls.length;
      } finally {
        spy.mockRestore();
      }
    },
    close: () => pool.end(),
  };
}

postgres.describe('postgres', () => {
  storeContractSuite('postgres', () => createStore({ kind: 'postgres', url: postgres.url }, silentLogger), {
    probe: postgresProbe,
    withLockWait: (lockWaitMs) => createPostgresStore(postgres.url, silentLogger, { lockWaitMs }),
    sharedAcrossProcesses: true,
  });
});

describe('postgres store: when PostgreSQL does not answer', () => {
  it('pings false instead of throwing, and fails operations with StoreUnavailable', async () => {
    // Port 1 on the loopback interface: nothing listens there, so connecting is refused at once.
    const store = await createPostgresStore('postgresql://postgres@127.0.0.1:1/test', silentLogger, {
      connectTimeoutMs: 300,
      lockWaitMs: 300,
      pingTimeoutMs: 300,
    });
    try {
      expect(await store.ping()).toBe(false);
      await expect(store.get('anything')).rejects.toMatchObject({ code: ErrorCode.StoreUnavailable });
      await expect(store.update('anything', () => 1)).rejects.toMatchObject({ code: ErrorCode.StoreUnavailable });
    } finally {
      await store.close();
    }
  });
});
