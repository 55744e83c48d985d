/**
 * `npx tsx bench/store-claims.ts [redis://…]`: once-per-message claims (`setIfAbsent` with the
 * de-duplication window's TTL) per second on one store, one caller at a time and 16 in flight.
 * SQLite always; Redis too when a redis:// URL is given. Every claim is on a fresh key, as every
 * message is; the Redis keys are deleted afterwards.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DocumentStore } from '../src/core/ports';
import { createStore } from '../src/providers/store/create-store';
import { silentLogger } from '../test/helpers/logger';
import { ms, summarize } from './stats';

/** The de-duplication window the app claims messages with. */
const CLAIM_TTL_MS = 10 * 60_000;

export interface ClaimBenchResult {
  readonly claims: number;
  readonly inFlight: number;
  readonly claimsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
}

/** Claims `claims` fresh keys with `inFlight` callers, each waiting for its claim before the next. */
export async function benchClaims(store: DocumentStore, claims: number, inFlight: number): Promise<ClaimBenchResult> {
  const run = randomBytes(4).toString('hex');
  const latencies: number[] = [];
  let next = 0;
  const caller = async (): Promise<void> => {
    while (next < claims) {
      const i = next++;
      const started = performance.now();
      const won = await store.setIfAbsent(`bench-claim:${run}:${i}`, 1, CLAIM_TTL_MS);
      latencies.push(performance.now() - started);
      if (!won) throw new Error(`claim ${i} on a fresh key was refused`);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: inFlight }, caller));
  const elapsedMs = performance.now() - started;
  // Sequentially, so cleaning up never competes with a later measurement.
  for (let i = 0; i < claims; i++) await store.delete(`bench-claim:${run}:${i}`);
  const { p50, p99 } = summarize(latencies);
  return { claims, inFlight, claimsPerSecond: (claims / elapsedMs) * 1000, p50, p99 };
}

export function describeClaimBench(r: ClaimBenchResult): string {
  return `${Math.round(r.claimsPerSecond)} claims/s (${r.claims} claims, ${r.inFlight} in flight; p50 ${ms(r.p50)}, p99 ${ms(r.p99)})`;
}

async function benchStore(name: string, store: DocumentStore): Promise<void> {
  try {
    await benchClaims(store, 500, 16); // warm-up: connections, prepared statements, JIT
    for (const inFlight of [1, 16]) {
      console.log(`${name} setIfAbsent: ${describeClaimBench(await benchClaims(store, 5000, inFlight))}`);
    }
  } finally {
    await store.close();
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'channelwise-claims-'));
  try {
    await benchStore('SQLite', await createStore({ kind: 'sqlite', path: path.join(dir, 'claims.sqlite') }, silentLogger));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const redisUrl = process.argv.find((arg) => arg.startsWith('redis://'));
  if (redisUrl) await benchStore('Redis', await createStore({ kind: 'redis', url: redisUrl }, silentLogger));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
