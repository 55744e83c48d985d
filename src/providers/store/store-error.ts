import { ErrorCode, InternalError } from '../../core/errors';

/** The one error type a store throws for backend failures: the cause keeps the driver's error. */
export function storeError(message: string, cause?: unknown): InternalError {
  const detail = cause instanceof Error ? `: ${cause.message}` : cause === undefined ? '' : `: ${String(cause)}`;
  return new InternalError(ErrorCode.StoreError, `${message}${detail}`, cause === undefined ? undefined : { cause });
}

/** Rejects with `onTimeout()` when `promise` has not settled within `ms`; always clears its timer. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
