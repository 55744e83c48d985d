/**
 * Measured usage, per channel and day: requests, tokens (prompt, cached, completion), cost and
 * latency by route. One small record per channel-day, updated atomically, so several processes
 * can count into the same store.
 */
import type { Clock, DocumentStore } from '../ports';
import type { ChannelScope, Route, TokenUsage } from '../types';
import { channelKey } from '../types';

export interface RouteUsage {
  requests: number;
  errors: number;
  promptTokens: number;
  cachedTokens: number;
  completionTokens: number;
  costUsd: number;
  latencyMsTotal: number;
  latencyMsMax: number;
}

export type DayUsage = Partial<Record<Exclude<Route, 'auto'> | 'none', RouteUsage>>;

export interface UsageEvent {
  readonly route?: Exclude<Route, 'auto'>;
  readonly usage?: TokenUsage;
  readonly costUsd?: number;
  readonly latencyMs: number;
  readonly error: boolean;
}

export function emptyRouteUsage(): RouteUsage {
  return { requests: 0, errors: 0, promptTokens: 0, cachedTokens: 0, completionTokens: 0, costUsd: 0, latencyMsTotal: 0, latencyMsMax: 0 };
}

function dayOf(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export class UsageLog {
  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
  ) {}

  private key(scope: ChannelScope, day: string): string {
    return `usage:${channelKey(scope)}:${day}`;
  }

  async record(scope: ChannelScope, event: UsageEvent): Promise<void> {
    const day = dayOf(this.clock.now());
    const route = event.route ?? 'none';
    await this.store.update<DayUsage>(this.key(scope, day), (current) => {
      const next: DayUsage = { ...(current ?? {}) };
      const r = { ...(next[route] ?? emptyRouteUsage()) };
      r.requests += 1;
      if (event.error) r.errors += 1;
      r.promptTokens += event.usage?.promptTokens ?? 0;
      r.cachedTokens += event.usage?.cachedTokens ?? 0;
      r.completionTokens += event.usage?.completionTokens ?? 0;
      r.costUsd += event.costUsd ?? 0;
      r.latencyMsTotal += event.latencyMs;
      r.latencyMsMax = Math.max(r.latencyMsMax, event.latencyMs);
      next[route] = r;
      return next;
    });
  }

  /** Totals by route over the last `days` days, today included. */
  async summary(scope: ChannelScope, days: number): Promise<DayUsage> {
    const now = this.clock.now().getTime();
    const keys = Array.from({ length: days }, (_, i) => this.key(scope, dayOf(new Date(now - i * 86_400_000))));
    const records = await Promise.all(keys.map((key) => this.store.get<DayUsage>(key)));
    const total: DayUsage = {};
    for (const record of records) {
      for (const [route, usage] of Object.entries(record ?? {}) as [keyof DayUsage, RouteUsage][]) {
        const t = total[route] ?? emptyRouteUsage();
        total[route] = {
          requests: t.requests + usage.requests,
          errors: t.errors + usage.errors,
          promptTokens: t.promptTokens + usage.promptTokens,
          cachedTokens: t.cachedTokens + usage.cachedTokens,
          completionTokens: t.completionTokens + usage.completionTokens,
          costUsd: t.costUsd + usage.costUsd,
          latencyMsTotal: t.latencyMsTotal + usage.latencyMsTotal,
          latencyMsMax: Math.max(t.latencyMsMax, usage.latencyMsMax),
        };
      }
    }
    return total;
  }
}
