/**
 * What `LexicalIndex` and `StoredVectorIndex` share: each mirrors a store in memory. Changes run
 * one at a time, so the store and memory always change in the same order; with a store other
 * processes also write (PostgreSQL), searches first apply their changes once the last refresh is
 * older than the refresh interval.
 */
import { ErrorCode, InternalError } from '../../core/errors';
import { KeyedMutex } from '../shared/keyed-mutex';

export const DEFAULT_REFRESH_INTERVAL_MS = 1000;

export class StoreMirror {
  private readonly mutex = new KeyedMutex();
  private readonly refreshIntervalMs: number;
  private lastRefresh = 0;

  constructor(
    /** The store is written by other processes too. */
    private readonly shared: boolean,
    refreshIntervalMs = DEFAULT_REFRESH_INTERVAL_MS,
  ) {
    if (!Number.isFinite(refreshIntervalMs) || refreshIntervalMs < 0) {
      throw new InternalError(ErrorCode.Internal, `refreshIntervalMs must be a number ≥ 0, got ${refreshIntervalMs}`);
    }
    this.refreshIntervalMs = refreshIntervalMs;
  }

  /** Runs `action` after every change already queued. */
  exclusive<T>(action: () => Promise<T>): Promise<T> {
    return this.mutex.run('mirror', action);
  }

  /** Other processes may have changed the store since memory was last brought up to date. */
  get stale(): boolean {
    return this.shared && Date.now() - this.lastRefresh >= this.refreshIntervalMs;
  }

  markRefreshed(): void {
    this.lastRefresh = Date.now();
  }
}
