/** The report's text (SPEC §8): one row per lever, `Best:`, and whether the result is conclusive. */
import { formatUsd } from '../prompt/cost';
import type { EvalReport, OfflinePreview } from './runner';

const two = (x: number) => x.toFixed(2);

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
