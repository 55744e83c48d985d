/** The report's text (SPEC §8): one row per lever, `Best:`, and whether the result is conclusive. */
import { formatUsd } from '../prompt/cost';
import { leverScore, type EvalReport, type OfflinePreview } from './runner';
import type { Interval } from './scoring';

const two = (x: number) => x.toFixed(2);

/** `0.82 [0.74–0.90]`: a score and its 95% interval, as the chart's alt text and /advise quote it. */
export function formatInterval(interval: Interval): string {
  return `${two(interval.mean)} [${two(interval.low)}–${two(interval.high)}]`;
}

/** The run's headline: what the chart's title and /advise quote. */
function bestLine(report: EvalReport): string {
  if (!report.best) return 'no lever scored';
  return `best ${report.best}${report.conclusive ? '' : ` (not conclusive: ${report.notConclusiveWhy})`}`;
}

/** `Evaluation of 24 cases: best fewshot`, the chart's title. */
export function reportTitle(report: EvalReport): string {
  return `Evaluation of ${report.cases} case(s): ${bestLine(report)}`;
}

/** A judged run is ranked (and drawn) by the judge's scores. */
export function scoreKind(report: EvalReport): 'Judge scores' | 'Scores' {
  return report.rows.some((row) => row.judge) ? 'Judge scores' : 'Scores';
}

/** What the chart shows, in words, for its alt text: every lever's score with its interval. */
export function reportChartAlt(report: EvalReport): string {
  const scores = report.rows.map((row) => `${row.lever} ${formatInterval(leverScore(row))}`).join(', ');
  return `${scoreKind(report)} (0–1) with 95% intervals and cost per answer of ${report.rows.length} lever(s) over ${report.cases} case(s): ${scores}; ${bestLine(report)}.`;
}

const SCALE_WIDTH = 40;

/**
 * The report's chart in text for the console: each lever's interval drawn on a 0–1 scale (─) with
 * its score (●), then the figures and the cost per answer.
 */
export function reportTextChart(report: EvalReport): string {
  const at = (x: number) => Math.round(Math.max(0, Math.min(1, x)) * SCALE_WIDTH);
  const name = Math.max(...report.rows.map((row) => row.lever.length));
  const rows = report.rows.map((row) => {
    const score = leverScore(row);
    const cells = Array.from({ length: SCALE_WIDTH + 1 }, (_, i): string => (i >= at(score.low) && i <= at(score.high) ? '─' : ' '));
    cells[at(score.mean)] = '●';
    return `${row.lever.padEnd(name)} |${cells.join('')}| ${formatInterval(score)}  ${formatUsd(row.costPerAnswer)} per answer`;
  });
  const axis = `${' '.repeat(name)}  0${' '.repeat(SCALE_WIDTH - 1)}1`;
  return [`${scoreKind(report)} with 95% intervals (0–1), ${bestLine(report)}:`, axis, ...rows].join('\n');
}

export function renderReport(report: EvalReport): string {
  const scoring = {
    exact: 'normalised exact match',
    similarity: 'embedding similarity',
    mixed: 'exact match for short answers, embedding similarity for long ones',
  }[report.scoring];
  const lines = [`Evaluation of ${report.cases} case(s), ${report.at.slice(0, 16).replace('T', ' ')} UTC, scored by ${scoring}:`];
  if (report.heldOut !== undefined)
    lines.push(
      `This channel has no evaluation cases, so ${report.heldOut} of its few-shot examples (one in five) were held out as cases and left out of this run's prompts.`,
    );
  if (report.unscoredLong > 0)
    lines.push(
      `${report.unscoredLong} case(s) with long expected answers could not be scored: embedding similarity needs an embedding model, and none is configured.`,
    );
  for (const row of report.rows) {
    const judge = row.judge ? ` · judge ${two(row.judge.mean)} (95% ${two(row.judge.low)}–${two(row.judge.high)})` : '';
    const citations = row.invalidCitations > 0 ? ` · ${row.invalidCitations} answer(s) cited a passage that was not sent` : '';
    lines.push(
      `${row.lever} · ${row.cases} cases · score ${two(row.score.mean)} (95% ${two(row.score.low)}–${two(row.score.high)})${judge} · ${formatUsd(row.costPerAnswer)} per answer · p50 ${Math.round(row.p50LatencyMs)} ms${citations}`,
    );
  }
  if (report.pairwise) {
    const p = report.pairwise;
    lines.push(
      `Judge, pairwise (order drawn at random, seed ${report.seed}; ${p.swapped} of ${p.firstWins + p.secondWins + p.ties} shown swapped): ${p.first} ${p.firstWins} · ${p.second} ${p.secondWins} · ties ${p.ties}`,
    );
  }
  if (report.best) lines.push(`Best: ${report.best}${report.conclusive ? '' : ` (not conclusive: ${report.notConclusiveWhy})`}`);
  lines.push(`Cost: ${formatUsd(report.costUsd)} (estimated before starting: ${formatUsd(report.estimatedCostUsd)}).`);
  return lines.join('\n');
}

export function renderPreview(preview: OfflinePreview): string {
  const lines = ['Evaluation needs a model, and none is configured (offline mode); this is what a run would send.'];
  if (preview.heldOut !== undefined) lines.push(`No evaluation cases: ${preview.heldOut} few-shot example(s) (one in five) would be held out as cases.`);
  preview.cases.forEach((c, i) => lines.push(`${i + 1}. ${c.input} => ${c.expected}`));
  for (const [lever, tokens] of Object.entries(preview.promptTokens))
    lines.push(`${lever}: ${tokens.toLocaleString('en-US')} prompt tokens over ${preview.cases.length} case(s)`);
  return lines.join('\n');
}
