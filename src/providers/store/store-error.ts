import { type CodedError, ErrorCode, InternalError, isStoreUnavailable, storeUnavailable } from '../../core/errors';
import { type KeyedMutex, LockWaitTimeout } from '../shared/keyed-mutex';

export { settlesWithin, withTimeout } from '../shared/timeout';

/**
 * The error a store throws for a backend failure, the driver's error kept as the cause: StoreUnavailable
 * (one sentence for the user) when the backend could not be reached, else an internal StoreError.
 */
export function storeError(message: string, cause?: unknown): CodedError {
  const detail = cause instanceof Error ? `: ${cause.message}` : cause === undefined ? '' : `: ${String(cause)}`;
  if (isConnectionFailure(cause)) return storeUnavailable(`${message}${detail}`, cause);
  return new InternalError(ErrorCode.StoreError, `${message}${detail}`, cause === undefined ? undefined : { cause });
}

/** Socket errors that mean "the server is not there (now)". */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);
/** node-redis's errors for a socket that closed, timed out or is reconnecting. */
const REDIS_CONNECTION_ERRORS = new Set([
  'SocketClosedUnexpectedlyError',
  'ConnectionTimeoutError',
  'ClientClosedError',
  'ClientOfflineError',
  'ReconnectStrategyError',
  'SocketTimeoutError',
]);
/** pg's own words for a connection that broke or never came (it gives them no code). */
const PG_CONNECTION_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Connection ended unexpectedly|Query read timeout/i;
/** SQLSTATE class 08 (connection exception) and 57P01–57P03 (the server shutting down or starting). */
const PG_CONNECTION_STATES = /^(08|57P0[1-3])/;

/** Whether `err` (or what caused it) says the backend could not be reached, rather than that it refused the operation. */
export function isConnectionFailure(err: unknown, depth = 0): boolean {
  // Duck-typed, not `instanceof Error`: errors from node's sockets may come from another realm (jest's vm).
  if (typeof err !== 'object' || err === null || depth > 4) return false;
  if (isStoreUnavailable(err)) return true;
  const { code, name, message, cause, errors } = err as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || PG_CONNECTION_STATES.test(code))) return true;
  if (typeof name === 'string' && REDIS_CONNECTION_ERRORS.has(name)) return true;
  if (REDIS_CONNECTION_ERRORS.has(err.constructor?.name ?? '')) return true;
  if (typeof message === 'string' && PG_CONNECTION_MESSAGES.test(message)) return true;
  const inner = Array.isArray(errors) ? (errors as unknown[]) : [];
  return [cause, ...inner].some((next) => isConnectionFailure(next, depth + 1));
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
