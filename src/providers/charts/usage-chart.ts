/**
 * The /usage chart (SPEC §7): requests and cost per day by route, as a PNG drawn server-side with
 * Vega-Lite (a maintained charting library) and resvg — no browser, no canvas. The spec is built
 * here, purely; a worker thread draws it (render-worker.mjs says why). The renderer here draws the
 * /eval chart too (its spec: eval-chart.ts).
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ChartRenderer } from '../../core/commands/context';
import type { ReplyImage } from '../../core/commands/reply';
import type { Logger } from '../../core/ports';
import type { EvalReport } from '../../core/evaluation/runner';
import { reportChartAlt } from '../../core/evaluation/report';
import { chartAlt } from '../../core/usage/report';
import type { UsageReport } from '../../core/usage/usage-log';
import { CHART_WIDTH } from './chart-size';
import { evalChartSpec } from './eval-chart';
const PANEL_HEIGHT = 160;

/** One data row per day and line used that day; the day axis lists every day of the period, empty ones too. */
export function usageChartSpec(report: UsageReport, title: string): Record<string, unknown> {
  const values = report.series.flatMap((entry) =>
    Object.entries(entry.lines).map(([line, figures]) => ({ day: entry.day.slice(5), line, requests: figures.requests, cost: figures.costUsd })),
  );
  const days = report.series.map((entry) => entry.day.slice(5));
  const x = { field: 'day', type: 'ordinal', title: null, scale: { domain: days }, axis: { labelAngle: -45 } };
  const color = { field: 'line', type: 'nominal', title: 'route' };
  const panel = (field: string, axisTitle: string, format: string) => ({
    width: CHART_WIDTH - 140,
    height: PANEL_HEIGHT,
    mark: { type: 'bar' },
    encoding: { x, y: { field, type: 'quantitative', aggregate: 'sum', title: axisTitle, axis: { format } }, color },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    background: 'white',
    data: { values },
    vconcat: [panel('requests', 'requests', 'd'), panel('cost', 'cost (USD)', '$.4f')],
    config: { font: 'DejaVu Sans' },
  };
}

interface Pending {
  resolve(png: Uint8Array): void;
  reject(err: Error): void;
}

export class VegaChartRenderer implements ChartRenderer {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  constructor(
    private readonly logger: Logger,
    private readonly timeoutMs = 20_000,
  ) {}

  usageChart(report: UsageReport, title: string): Promise<ReplyImage | undefined> {
    return this.image(usageChartSpec(report, title), `usage-${report.days}d.png`, chartAlt(report));
  }

  evalChart(report: EvalReport): Promise<ReplyImage | undefined> {
    return this.image(evalChartSpec(report), `eval-${report.at.slice(0, 10)}.png`, reportChartAlt(report));
  }

  /** The PNG of `spec` as a reply's picture; undefined (logged) when it could not be drawn. */
  private async image(spec: Record<string, unknown>, name: string, alt: string): Promise<ReplyImage | undefined> {
    try {
      return { bytes: await this.render(spec), name, mimeType: 'image/png', alt };
    } catch (err) {
      // The text answer is still worth sending.
      this.logger.warn({ err, chart: name }, 'could not draw a chart');
      return undefined;
    }
  }

  /** PNG bytes of a Vega-Lite spec. */
  render(spec: Record<string, unknown>): Promise<Uint8Array> {
    const worker = this.start();
    const id = ++this.nextId;
    return new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`chart not drawn within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(id, {
        resolve: (png) => {
          clearTimeout(timer);
          resolve(png);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
      worker.postMessage({ id, spec });
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(path.join(__dirname, 'render-worker.mjs'));
    // An idle renderer never keeps the process alive.
    worker.unref();
    worker.on('message', (message: { id: number; png?: Uint8Array; error?: string }) => {
      const waiting = this.pending.get(message.id);
      if (!waiting) return;
      this.pending.delete(message.id);
      if (message.png) waiting.resolve(new Uint8Array(message.png));
      else waiting.reject(new Error(message.error ?? 'chart worker failed'));
    });
    worker.on('error', (err) => this.failAll(err));
    worker.on('exit', () => {
      if (this.worker === worker) this.worker = undefined;
      this.failAll(new Error('chart worker stopped'));
    });
    this.worker = worker;
    return worker;
  }

  private failAll(err: Error): void {
    for (const [id, waiting] of this.pending) {
      this.pending.delete(id);
      waiting.reject(err);
    }
  }
}
