/** Bounded waits shared by the stores and the in-process locks. */

/** Rejects with `onTimeout()` when `promise` has not settled within `ms`; always clears its timer. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  // Lost the race, the promise may still reject later: that must not be an unhandled rejection.
  promise.catch(() => undefined);
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** True when `promise` settles within `ms`, false when it does not; the timer is cleared either way. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return withTimeout(
    promise.then(() => true),
    ms,
    () => new TimedOut(),
  ).catch((err: unknown) => {
    if (err instanceof TimedOut) return false;
    throw err;
  });
}

class TimedOut extends Error {}
