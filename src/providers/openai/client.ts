/**
 * One place that builds the openai SDK client for every OpenAI-compatible server (OpenAI itself,
 * Ollama, vLLM…). The SDK does the timeouts and the bounded retries on 408/409/429/5xx and
 * connection errors, honouring Retry-After, before a stream starts.
 */
import OpenAI from 'openai';
import type { Logger } from '../../core/ports';

export interface OpenAIClientOptions {
  /** Absent for local servers that need no key (Ollama, vLLM). */
  readonly apiKey?: string;
  /** Includes the version path (`…/v1`), as the SDK expects. Absent: OpenAI itself. */
  readonly baseUrl?: string;
  /** Per attempt, until the response headers; then the gap allowed between streamed chunks. */
  readonly timeoutMs: number;
  readonly maxRetries: number;
  readonly logger: Logger;
  /**
   * Longest Retry-After the client will wait for before retrying. The SDK honours any value, so a
   * server asking for an hour would leave the user staring at nothing; beyond this we give up at
   * once and tell the user to try again later. Default 10 s.
   */
  readonly maxRetryWaitMs?: number;
}

/** Servers without authentication still need a key for the SDK, which refuses to start without one. */
const PLACEHOLDER_API_KEY = 'no-key';

const DEFAULT_MAX_RETRY_WAIT_MS = 10_000;

export function createOpenAIClient(options: OpenAIClientOptions): OpenAI {
  const sdkLogger = options.logger.child({ component: 'openai-sdk' });
  return new OpenAI({
    apiKey: options.apiKey ?? PLACEHOLDER_API_KEY,
    ...(options.baseUrl ? { baseURL: options.baseUrl } : {}),
    timeout: options.timeoutMs,
    maxRetries: options.maxRetries,
    fetch: refuseLongRetryWaits(options.maxRetryWaitMs ?? DEFAULT_MAX_RETRY_WAIT_MS),
    // 'info' logs retries; 'debug' would log request bodies (users' messages), so not that.
    logLevel: 'info',
    logger: {
      error: (message, ...rest) => sdkLogger.error({ detail: rest }, message),
      warn: (message, ...rest) => sdkLogger.warn({ detail: rest }, message),
      // the SDK logs every request at info; that is debug detail for us
      info: (message, ...rest) => sdkLogger.debug({ detail: rest }, message),
      debug: (message, ...rest) => sdkLogger.debug({ detail: rest }, message),
    },
  });
}

/** Milliseconds the response asks us to wait, read the way the SDK reads them. */
export function retryAfterMs(headers: Headers): number | undefined {
  const ms = Number.parseFloat(headers.get('retry-after-ms') ?? '');
  if (!Number.isNaN(ms)) return ms;
  const value = headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number.parseFloat(value);
  if (!Number.isNaN(seconds)) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : date - Date.now();
}

/**
 * fetch can reject with a DOMException from another realm (jest runs code in vm contexts); the
 * SDK's `castToError` then flattens it to `Error: {}`, losing the `AbortError` name by which it tells
 * a timeout from a refused connection. Keep name, message and cause on a plain Error.
 */
function asLocalError(err: unknown): unknown {
  if (err instanceof Error || typeof err !== 'object' || err === null) return err;
  const { name, message, cause } = err as { name?: unknown; message?: unknown; cause?: unknown };
  const local = new Error(String(message ?? ''), cause === undefined ? {} : { cause });
  if (typeof name === 'string') local.name = name;
  return local;
}

/**
 * The fetch the SDK uses: marks responses asking for too long a wait as not retryable
 * (`x-should-retry: false`, which the SDK obeys).
 */
function refuseLongRetryWaits(maxWaitMs: number) {
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const response = await fetch(input, init).catch((err: unknown) => {
      throw asLocalError(err);
    });
    if (response.ok) return response;
    const waitMs = retryAfterMs(response.headers);
    if (waitMs === undefined || waitMs <= maxWaitMs) return response;
    const headers = new Headers(response.headers);
    headers.set('x-should-retry', 'false');
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  };
}
