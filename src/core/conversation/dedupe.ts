/**
 * Each platform event is answered once (SPEC §7): Slack redelivers on timeouts and sends a mention
 * both as `app_mention` and as `message`. The first process to claim an id wins, across restarts
 * and across processes sharing the store.
 */
import type { DocumentStore } from '../ports';

export const DEDUPE_TTL_MS = 24 * 60 * 60 * 1000;

export class EventDeduper {
  constructor(
    private readonly store: DocumentStore,
    private readonly ttlMs = DEDUPE_TTL_MS,
  ) {}

  /** True the first time `id` is claimed; false for every later claim (kept `ttlMs`, default a day). */
  async claim(id: string, ttlMs = this.ttlMs): Promise<boolean> {
    return this.store.setIfAbsent(`seen:${id}`, 1, ttlMs);
  }

  async isClaimed(id: string): Promise<boolean> {
    return (await this.store.get<number>(`seen:${id}`)) !== undefined;
  }
}
