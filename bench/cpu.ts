/**
 * CPU time of the calling thread. `process.cpuUsage()` counts every thread of the process (the
 * benchmark's worker, libuv's pool where node-sqlite3 runs its queries, GC helpers), so the
 * main-thread figure comes from Linux's per-thread accounting; elsewhere it is undefined.
 */
import { readFileSync } from 'node:fs';

export interface ThreadTimes {
  /** Milliseconds this thread has run on a CPU so far. */
  readonly onCpuMs: number;
  /** Milliseconds it was ready to run but waited for a CPU (other processes had them). */
  readonly waitingMs: number;
}

/** This thread's scheduler times, or undefined where the OS does not say. */
export function threadTimes(): ThreadTimes | undefined {
  try {
    // schedstat: nanoseconds on CPU, nanoseconds runnable but waiting, timeslices (finer than stat's 10 ms ticks).
    const [onCpu, waiting] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').map(Number);
    return Number.isFinite(onCpu) && Number.isFinite(waiting) ? { onCpuMs: onCpu! / 1e6, waitingMs: waiting! / 1e6 } : undefined;
  } catch {
    return undefined;
  }
}

/** Milliseconds this thread has run on a CPU so far, or undefined where the OS does not say. */
export function threadCpuMs(): number | undefined {
  return threadTimes()?.onCpuMs;
}

/** Milliseconds the whole process (every thread) has run on a CPU so far. */
export function processCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
