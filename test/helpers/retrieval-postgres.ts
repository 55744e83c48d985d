/**
 * Throwaway PostgreSQL storage for the retrieval suites: every call gets its own schema (so runs and
 * tests sharing one database never see each other's rows), dropped again by `dropSchema`.
 */
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import type { PostgresRetrievalOptions } from '../../src/providers/retrieval/postgres/postgres-tables';

export interface ThrowawayPostgres {
  readonly options: PostgresRetrievalOptions;
  /** Drops the schema and everything in it. */
  dropSchema(): Promise<void>;
}

export function throwawayPostgres(url: string, extra: Partial<PostgresRetrievalOptions> = {}): ThrowawayPostgres {
  const schema = `retrieval_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  return {
    options: { url, schema, tablePrefix: 'channelwise', ...extra },
    async dropSchema() {
      const pool = new Pool({ connectionString: url, max: 1 });
      try {
        await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await pool.end();
      }
    },
  };
}
