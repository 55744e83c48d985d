import { ErrorCode, InternalError } from '../../core/errors';
import { type KeyedMutex, LockWaitTimeout } from '../shared/keyed-mutex';

export { withTimeout } from '../shared/timeout';

/** The one error type a store throws for backend failures: the cause keeps the driver's error. */
export function storeError(message: string, cause?: unknown): InternalError {
  const detail = cause instanceof Error ? `: ${cause.message}` : cause === undefined ? '' : `: ${String(cause)}`;
  return new InternalError(ErrorCode.StoreError, `${message}${detail}`, cause === undefined ? undefined : { cause });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The in-process first stage of every store lock, its wait bounded: an update of a key called from
 * inside that key's own update waits for itself, and fails with this sentence instead of hanging.
 */
export async function inProcessTurn<T>(mutex: KeyedMutex, key: string, label: string, waitMs: number, task: () => Promise<T>): Promise<T> {
  try {
    return await mutex.run(key, task, waitMs);
  } catch (err) {
    if (!(err instanceof LockWaitTimeout) || err.key !== key) throw err;
    throw storeError(
      `update of "${label}" waited ${waitMs} ms for the updates before it in this process; an update called from inside its own update waits for itself forever`,
    );
  }
}
