/** Latency summaries shared by the benchmarks. */
import { percentile } from './eval';

export function summarize(samplesMs: readonly number[]): { p50: number; p95: number; p99: number; max: number; mean: number } {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, x) => sum + x, 0) / Math.max(1, sorted.length);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN, mean };
}

export function ms(value: number): string {
  return `${value.toFixed(3)} ms`;
}
