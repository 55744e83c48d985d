/**
 * Leases for background work. On a store several processes share (Redis, PostgreSQL) the lease is
 * one atomic `setIfAbsent` with a TTL, renewed while held, so only one process works on a job at a
 * time and a dead holder's claim lapses by itself; with SQLite there is one process, so a map will do.
 */
import { randomUUID } from 'node:crypto';
import type { DocumentStore, Lease } from '../ports';

export class InProcessLease implements Lease {
  private readonly held = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  async acquire(key: string, ttlMs: number): Promise<boolean> {
    const until = this.held.get(key);
    if (until !== undefined && until > this.now()) return false;
    this.held.set(key, this.now() + ttlMs);
    return true;
  }

  async renew(key: string, ttlMs: number): Promise<boolean> {
    if (!this.held.has(key)) return false;
    this.held.set(key, this.now() + ttlMs);
    return true;
  }

  async release(key: string): Promise<void> {
    this.held.delete(key);
  }
}

export class StoreLease implements Lease {
  /** This process's mark in the lease value, so it only renews or releases its own. */
  private readonly owner = randomUUID();

  constructor(private readonly store: DocumentStore) {}

  private key(key: string): string {
    return `lease:${key}`;
  }

  acquire(key: string, ttlMs: number): Promise<boolean> {
    return this.store.setIfAbsent(this.key(key), this.owner, ttlMs);
  }

  async renew(key: string, ttlMs: number): Promise<boolean> {
    // A read then a write: the window between them is far shorter than any TTL we use.
    if ((await this.store.get<string>(this.key(key))) !== this.owner) return false;
    await this.store.set(this.key(key), this.owner, ttlMs);
    return true;
  }

  async release(key: string): Promise<void> {
    if ((await this.store.get<string>(this.key(key))) === this.owner) await this.store.delete(this.key(key));
  }
}

/** Runs `work` holding `key`, renewing it every third of `ttlMs`; undefined when another holder has it. */
export async function withLease<T>(lease: Lease, key: string, ttlMs: number, work: () => Promise<T>): Promise<{ readonly value: T } | undefined> {
  if (!(await lease.acquire(key, ttlMs))) return undefined;
  const timer = setInterval(() => void lease.renew(key, ttlMs).catch(() => undefined), Math.max(10, Math.floor(ttlMs / 3)));
  timer.unref();
  try {
    return { value: await work() };
  } finally {
    clearInterval(timer);
    await lease.release(key);
  }
}
