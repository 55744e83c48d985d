/**
 * One Redis client with bounded waits. node-redis retries a refused connection forever and queues
 * commands meanwhile; a chat bot should rather fail one request with a clear error and try again on
 * the next, so every use first waits — at most `connectTimeoutMs` — for the client to be ready.
 */
import { createClient } from '@redis/client';
import { isCodedError } from '../../core/errors';
import type { Logger } from '../../core/ports';
import { storeError, withTimeout } from './store-error';

export type RedisClient = ReturnType<typeof createClient>;

export class RedisConnection {
  readonly client: RedisClient;
  /** host:port only: URLs may carry a password. */
  readonly where: string;
  private pending: Promise<void> | undefined;

  constructor(
    url: string,
    private readonly connectTimeoutMs: number,
    logger: Logger,
  ) {
    this.where = safeHost(url);
    this.client = createClient({ url, socket: { connectTimeout: connectTimeoutMs, reconnectStrategy: retryDelayMs } });
    // Without a listener an 'error' event would crash the process; failed commands still throw.
    this.client.on('error', (err: unknown) => logger.debug({ err, store: 'redis' }, 'redis connection error'));
  }

  /** Resolves when commands can be sent; rejects with a StoreError after `connectTimeoutMs`. */
  async ready(): Promise<void> {
    if (this.client.isReady) return;
    this.pending ??= this.becomeReady().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  async close(): Promise<void> {
    if (!this.client.isOpen) return;
    if (this.client.isReady) await this.client.close();
    else this.client.destroy(); // still connecting: stop the retry loop instead of waiting for it
  }

  private async becomeReady(): Promise<void> {
    const timedOut = () => storeError(`Redis at ${this.where} did not answer within ${this.connectTimeoutMs} ms`);
    if (this.client.isOpen) {
      // Open but not ready: node-redis is reconnecting after a drop; give it a moment.
      let onReady: (() => void) | undefined;
      try {
        await withTimeout(new Promise<void>((resolve) => this.client.once('ready', (onReady = resolve))), this.connectTimeoutMs, timedOut);
      } finally {
        if (onReady) this.client.off('ready', onReady);
      }
      return;
    }
    const connecting = this.client.connect();
    connecting.catch(() => undefined); // the outcome is read below; a late rejection must not go unhandled
    try {
      await withTimeout(connecting, this.connectTimeoutMs, timedOut);
    } catch (err) {
      if (this.client.isOpen) this.client.destroy(); // stop retrying; the next call starts afresh
      throw isCodedError(err) ? err : storeError(`cannot connect to Redis at ${this.where}`, err);
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
