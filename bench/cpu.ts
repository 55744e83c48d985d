/**
 * CPU time of the calling thread. `process.cpuUsage()` counts every thread of the process (the
 * benchmark's worker, libuv's pool where node-sqlite3 runs its queries, GC helpers), so the
 * main-thread figure comes from Linux's per-thread accounting; elsewhere it is undefined.
 */
import { readFileSync } from 'node:fs';

/** Milliseconds this thread has run on a CPU so far, or undefined where the OS does not say. */
export function threadCpuMs(): number | undefined {
  try {
    // schedstat: nanoseconds on CPU, waiting, timeslices — finer than stat's 10 ms ticks.
    const onCpuNs = Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);
    return Number.isFinite(onCpuNs) ? onCpuNs / 1e6 : undefined;
  } catch {
    return undefined;
  }
}

/** Milliseconds the whole process (every thread) has run on a CPU so far. */
export function processCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
