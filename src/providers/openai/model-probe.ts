/**
 * Whether the model server answers, for /healthz: one `GET /models` (first page), at most every
 * `everyMs` (30 s) whatever the scrape rate, one check at a time, its answer cached in between.
 */
import type OpenAI from 'openai';
import { createOpenAIClient, type OpenAIClientOptions } from './client';

export interface ModelReachability {
  readonly up: boolean;
  /** When the cached answer was taken (ISO 8601). */
  readonly checkedAt: string;
  /** Why it is down, in the SDK's words (no key or URL in it). */
  readonly error?: string;
}

export const MODEL_PROBE_EVERY_MS = 30_000;
/** A health check must answer quickly: the probe's own bound, no retries. */
const PROBE_TIMEOUT_MS = 5000;

export class OpenAIModelProbe {
  private readonly client: OpenAI;
  private last: { at: number; result: ModelReachability } | undefined;
  private checking: Promise<ModelReachability> | undefined;

  constructor(
    options: OpenAIClientOptions,
    private readonly everyMs = MODEL_PROBE_EVERY_MS,
    private readonly now: () => number = Date.now,
  ) {
    this.client = createOpenAIClient({ ...options, timeoutMs: Math.min(options.timeoutMs, PROBE_TIMEOUT_MS), maxRetries: 0 });
  }

  /** The cached answer while it is fresh, else one new check (shared by concurrent callers). */
  reachable(): Promise<ModelReachability> {
    if (this.last && this.now() - this.last.at < this.everyMs) return Promise.resolve(this.last.result);
    this.checking ??= this.check().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private async check(): Promise<ModelReachability> {
    const at = this.now();
    let result: ModelReachability;
    try {
      await this.client.models.list();
      result = { up: true, checkedAt: new Date(at).toISOString() };
    } catch (err) {
      result = { up: false, checkedAt: new Date(at).toISOString(), error: err instanceof Error ? err.message : String(err) };
    }
    this.last = { at, result };
    return result;
  }
}
