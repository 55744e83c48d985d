/**
 * One Redis client with bounded waits. node-redis retries a refused connection forever and queues
 * commands meanwhile; a chat bot should rather fail one request with a clear error and try again on
 * the next, so every use first waits — at most `connectTimeoutMs` — for the client to be ready.
 */
import { createClient } from '@redis/client';
import { isCodedError, storeUnavailable } from '../../core/errors';
import type { Logger } from '../../core/ports';
import { settlesWithin, withTimeout } from './store-error';

export type RedisClient = ReturnType<typeof createClient>;

/**
 * How long a call waits for a dropped connection to come back: long enough for a blip, short
 * enough that during an outage every call fails fast instead of each waiting the connect timeout.
 */
const RECONNECT_WAIT_MS = 500;

export class RedisConnection {
  readonly client: RedisClient;
  /** host:port only: URLs may carry a password. */
  readonly where: string;
  /** The wait every caller shares; it resolves to the failure (never rejects), each caller throws its own. */
  private pending: Promise<Error | undefined> | undefined;
  /** When the client was first seen open but not ready (reconnecting), to give up on a reconnect that hangs. */
  private notReadySince: number | undefined;

  constructor(
    url: string,
    private readonly connectTimeoutMs: number,
    logger: Logger,
  ) {
    this.where = safeHost(url);
    this.client = createClient({ url, socket: { connectTimeout: connectTimeoutMs, reconnectStrategy: retryDelayMs } });
    // Without a listener an 'error' event would crash the process; failed commands still throw.
    this.client.on('error', (err: unknown) => logger.debug({ err, store: 'redis' }, 'redis connection error'));
    this.client.on('ready', () => {
      this.notReadySince = undefined;
    });
  }

  /** Resolves when commands can be sent; rejects with StoreUnavailable after `connectTimeoutMs` at most. */
  async ready(): Promise<void> {
    if (this.client.isReady) return;
    this.pending ??= this.becomeReady()
      .then(
        () => undefined,
        (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
      )
      .finally(() => {
        this.pending = undefined;
      });
    const failure = await this.pending;
    if (failure) throw failure;
  }

  async close(): Promise<void> {
    if (!this.client.isOpen) return;
    if (this.client.isReady) await this.client.close();
    else this.client.destroy(); // still connecting: stop the retry loop instead of waiting for it
  }

  private async becomeReady(): Promise<void> {
    const timedOut = () => storeUnavailable(`Redis at ${this.where} did not answer within ${this.connectTimeoutMs} ms`);
    if (this.client.isOpen) {
      // Open but not ready: node-redis is reconnecting after a drop; give it a moment, not more.
      this.notReadySince ??= Date.now();
      const waitMs = Math.min(this.connectTimeoutMs, RECONNECT_WAIT_MS);
      let onReady: (() => void) | undefined;
      const back = await settlesWithin(new Promise<void>((resolve) => this.client.once('ready', (onReady = resolve))), waitMs).finally(() => {
        if (onReady) this.client.off('ready', onReady);
      });
      if (back) return;
      // A reconnect that connected but never became ready (its handshake lost with the old
      // socket) would wait forever: past the connect timeout, start over with a fresh connection.
      if (Date.now() - this.notReadySince >= this.connectTimeoutMs) {
        this.client.destroy();
        this.notReadySince = undefined;
      }
      throw storeUnavailable(`Redis at ${this.where} is reconnecting and did not come back within ${waitMs} ms`);
    }
    const connecting = this.client.connect();
    connecting.catch(() => undefined); // the outcome is read below; a late rejection must not go unhandled
    try {
      await withTimeout(connecting, this.connectTimeoutMs, timedOut);
    } catch (err) {
      if (this.client.isOpen) this.client.destroy(); // stop retrying; the next call starts afresh
      throw isCodedError(err) ? err : storeUnavailable(`cannot connect to Redis at ${this.where}`, err);
    }
  }
}

/**
 * Retry soon, but never more than half a second apart: node-redis cannot cancel a pending retry
 * wait, so a long one would keep a closing process alive that long.
 */
function retryDelayMs(retries: number): number {
  return Math.min(50 * 2 ** retries, 500);
}

function safeHost(url: string): string {
  try {
    return new URL(url).host || url;
  } catch {
    return '(unparsable URL)';
  }
}
