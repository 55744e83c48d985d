/**
 * The /eval report chart (SPEC §8 "Evaluation"): each lever's score as a point with its 95%
 * interval as an error bar on a fixed 0–1 axis, and its cost per answer as a bar beside it. Built
 * here, purely, as a Vega-Lite spec; `VegaChartRenderer` (usage-chart.ts) draws it in its worker.
 */
import { reportTitle, scoreKind } from '../../core/evaluation/report';
import { leverScore, type EvalReport } from '../../core/evaluation/runner';
import { CHART_WIDTH } from './chart-size';

const PANEL_HEIGHT = 220;
/** The score panel takes the larger share: it is what the report is about. */
const SCORE_WIDTH = Math.round(CHART_WIDTH * 0.55);
const COST_WIDTH = Math.round(CHART_WIDTH * 0.25);

/** One data row per lever, in the report's order (the order the levers were run). */
export function evalChartSpec(report: EvalReport): Record<string, unknown> {
  const values = report.rows.map((row) => {
    const score = leverScore(row);
    return { lever: row.lever, score: score.mean, low: score.low, high: score.high, cost: row.costPerAnswer, best: row.lever === report.best };
  });
  const x = { field: 'lever', type: 'nominal', title: null, sort: null, axis: { labelAngle: 0 } };
  const color = {
    condition: { test: 'datum.best', value: '#1b7f3b' },
    value: '#4c78a8',
  };
  const title = `${scoreKind(report).toLowerCase()} (0–1), 95% interval`;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: reportTitle(report),
    background: 'white',
    data: { values },
    hconcat: [
      {
        width: SCORE_WIDTH,
        height: PANEL_HEIGHT,
        layer: [
          {
            mark: { type: 'errorbar', ticks: { size: 18 }, thickness: 2 },
            encoding: { x, y: { field: 'low', type: 'quantitative', title, scale: { domain: [0, 1] } }, y2: { field: 'high' }, color },
          },
          { mark: { type: 'point', filled: true, size: 90 }, encoding: { x, y: { field: 'score', type: 'quantitative' }, color } },
          {
            mark: { type: 'text', dx: 24, align: 'left' },
            encoding: { x, y: { field: 'score', type: 'quantitative' }, text: { field: 'score', type: 'quantitative', format: '.2f' } },
          },
        ],
      },
      {
        width: COST_WIDTH,
        height: PANEL_HEIGHT,
        mark: { type: 'bar' },
        encoding: { x, y: { field: 'cost', type: 'quantitative', title: 'cost per answer (USD)', axis: { format: '$.2~r' } }, color },
      },
    ],
    config: { font: 'DejaVu Sans' },
  };
}
