/**
 * The /usage answer in the form of SPEC §7: one line per line of usage (route or call kind) that
 * was used and a `total` line, each naming requests, prompt, cached and completion tokens and
 * cost; then the cache hit rate and p50/p95 latency, and which figures are estimates. The text
 * chart is the console's stand-in for the PNG.
 */
import { formatUsd } from '../prompt/cost';
import { percentileMs, USAGE_LINES, type LineTotals, type UsageLine, type UsageReport } from './usage-log';

const n = (value: number) => value.toLocaleString('en-US');
/** `1 request is`, `3 requests are`. */
const requestsAre = (count: number) => (count === 1 ? '1 request is' : `${n(count)} requests are`);

export function usageFigures(name: string, t: LineTotals): string {
  return (
    `${name} — requests ${n(t.requests)} · prompt tokens ${n(t.promptTokens)} · cached tokens ${n(t.cachedTokens)} · ` +
    `completion tokens ${n(t.completionTokens)} · cost ${formatUsd(t.costUsd)}`
  );
}

/** Cached share of the prompt tokens, e.g. `23.8%`. */
export function hitRate(t: Pick<LineTotals, 'promptTokens' | 'cachedTokens'>): string {
  const share = t.promptTokens ? (t.cachedTokens / t.promptTokens) * 100 : 0;
  return `${share.toLocaleString('en-US', { maximumFractionDigits: 1 })}%`;
}

function latency(t: LineTotals): string {
  const p50 = percentileMs(t.latency, 50);
  const p95 = percentileMs(t.latency, 95);
  return p50 === undefined || p95 === undefined ? 'no calls' : `p50 ${n(p50)} ms · p95 ${n(p95)} ms`;
}

export function renderUsage(report: UsageReport, offline: boolean): string {
  const first = report.series[0]?.day;
  const last = report.series.at(-1)?.day;
  const header = `Usage of this channel, last ${report.days} days (${first} to ${last}, UTC):`;
  if (report.total.requests === 0) return `${header}\nNo model calls yet.\n${usageFigures('total', report.total)}`;
  const lines = report.lines.map(({ line, totals }) => usageFigures(line, totals));
  const latencies = report.lines.map(({ line, totals }) => `${line} ${latency(totals)}`).join('; ');
  const notes: string[] = [`cache hit rate ${hitRate(report.total)} (cached tokens / prompt tokens)`, `latency: ${latencies} (measured to within 20%)`];
  if (report.total.errors) notes.push(`${n(report.total.errors)} of the ${n(report.total.requests)} requests failed.`);
  if (report.total.estimated) {
    notes.push(
      offline
        ? `${requestsAre(report.total.estimated)} offline: the tokens and cost are estimated, what the answers would have cost (nothing was sent).`
        : `${requestsAre(report.total.estimated)} estimated: the server reported no usage, so the tokenizer counted.`,
    );
  }
  return [header, ...lines, usageFigures('total', report.total), ...notes].join('\n');
}

const BAR = '█';

/** Requests per day as a bar chart in text, one row a day, with the day's cost. */
export function textChart(report: UsageReport): string {
  const perDay = report.series.map((entry) => {
    const values = Object.values(entry.lines);
    return {
      day: entry.day,
      requests: values.reduce((sum, v) => sum + v.requests, 0),
      cost: values.reduce((sum, v) => sum + v.costUsd, 0),
      by: USAGE_LINES.filter((line) => entry.lines[line]).map((line) => `${line} ${entry.lines[line]?.requests}`),
    };
  });
  const max = Math.max(1, ...perDay.map((d) => d.requests));
  const width = 30;
  const rows = perDay.map((d) => {
    const bar = BAR.repeat(Math.round((d.requests / max) * width)) || (d.requests ? '▏' : '');
    return `${d.day.slice(5)} ${bar.padEnd(width)} ${String(d.requests).padStart(5)} req  ${formatUsd(d.cost).padStart(9)}${d.by.length ? `  (${d.by.join(', ')})` : ''}`;
  });
  return ['Requests and cost per day:', ...rows].join('\n');
}

/** What the chart shows, in words, for its alt text. */
export function chartAlt(report: UsageReport, lines: readonly UsageLine[] = report.lines.map((l) => l.line)): string {
  return `Bar charts of requests and cost per day over the last ${report.days} days, by ${lines.length ? lines.join(', ') : 'route'}; ${n(report.total.requests)} requests and ${formatUsd(report.total.costUsd)} in total.`;
}
