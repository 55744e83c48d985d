/**
 * The /eval report chart: the Vega-Lite spec says what the report measured (pure), the renderer
 * draws it as a real PNG, and `/eval run` and `/eval report` carry it as the reply's picture with
 * alt text naming the scores, plus the text chart the console prints.
 */
import { reportTextChart } from '../../../src/core/evaluation/report';
import type { EvalReport, LeverRow } from '../../../src/core/evaluation/runner';
import type { UserRef } from '../../../src/core/types';
import { evalChartSpec } from '../../../src/providers/charts/eval-chart';
import { VegaChartRenderer } from '../../../src/providers/charts/usage-chart';
import { OpenAIChatModel } from '../../../src/providers/openai/chat-model';
import { admin, makeTestApp, member, scopeA, testPermissions, type TestApp } from '../../helpers/app';
import { evalAnswers, seedEvaluation, styleCases } from '../../helpers/fake-eval-answers';
import { FakeOpenAI } from '../../helpers/fake-openai';
import { silentLogger } from '../../helpers/logger';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function row(lever: LeverRow['lever'], mean: number, low: number, high: number, costPerAnswer: number, judge?: LeverRow['score']): LeverRow {
  return { lever, cases: 24, scored: 24, score: { mean, low, high }, ...(judge ? { judge } : {}), costPerAnswer, p50LatencyMs: 210, invalidCitations: 0 };
}

function report(rows: LeverRow[], extra: Partial<EvalReport> = {}): EvalReport {
  return {
    at: '2026-03-02T10:15:00.000Z',
    seed: 7,
    cases: 24,
    scoring: 'exact',
    unscoredLong: 0,
    rows,
    best: 'fewshot',
    conclusive: true,
    estimatedCostUsd: 0.002,
    costUsd: 0.0018,
    ...extra,
  };
}

const MEASURED = report([row('prompt', 0.41, 0.3, 0.52, 0.00002), row('fewshot', 0.82, 0.74, 0.9, 0.00005), row('rag', 0.6, 0.45, 0.75, 0.0001)]);

type Spec = {
  title: string;
  data: { values: { lever: string; score: number; low: number; high: number; cost: number; best: boolean }[] };
  hconcat: [{ layer: { mark: { type: string }; encoding: { y: { field: string; scale?: { domain: number[] } } } }[] }, { encoding: { y: { field: string } } }];
};

describe('the /eval chart spec', () => {
  it('has one point with its interval and one cost bar per lever, in run order, on a 0–1 score axis', () => {
    const spec = evalChartSpec(MEASURED) as unknown as Spec;
    expect(spec.data.values).toEqual([
      { lever: 'prompt', score: 0.41, low: 0.3, high: 0.52, cost: 0.00002, best: false },
      { lever: 'fewshot', score: 0.82, low: 0.74, high: 0.9, cost: 0.00005, best: true },
      { lever: 'rag', score: 0.6, low: 0.45, high: 0.75, cost: 0.0001, best: false },
    ]);
    const [scores, cost] = spec.hconcat;
    const errorbar = scores.layer.find((l) => l.mark.type === 'errorbar');
    expect(errorbar?.encoding.y).toMatchObject({ field: 'low', scale: { domain: [0, 1] } });
    expect(scores.layer.some((l) => l.mark.type === 'point' && l.encoding.y.field === 'score')).toBe(true);
    expect(cost.encoding.y.field).toBe('cost');
    expect(spec.title).toBe('Evaluation of 24 case(s): best fewshot');
  });

  it('draws a judged run by its judge scores and says when the result is not conclusive', () => {
    const judged = report(
      [
        row('prompt', 0.4, 0.3, 0.5, 0.00002, { mean: 0.45, low: 0.35, high: 0.55 }),
        row('fewshot', 0.5, 0.4, 0.6, 0.00005, { mean: 0.5, low: 0.4, high: 0.6 }),
      ],
      {
        conclusive: false,
        notConclusiveWhy: 'the intervals of fewshot and prompt overlap',
      },
    );
    const spec = evalChartSpec(judged) as unknown as Spec;
    expect(spec.data.values[0]).toMatchObject({ score: 0.45, low: 0.35, high: 0.55 });
    expect(spec.title).toBe('Evaluation of 24 case(s): best fewshot (not conclusive: the intervals of fewshot and prompt overlap)');
  });
});

describe('the /eval text chart', () => {
  it('marks each score on its interval, on one 0–1 scale, with the figures', () => {
    const lines = reportTextChart(MEASURED).split('\n');
    expect(lines[0]).toBe('Scores with 95% intervals (0–1), best fewshot:');
    const bars = lines.slice(2);
    expect(bars).toHaveLength(3);
    const fewshot = bars.find((l) => l.startsWith('fewshot'))!;
    expect(fewshot).toContain('0.82 [0.74–0.90]');
    expect(fewshot).toContain('$0.000050 per answer');
    // The scale is 40 cells: 0.82 sits at cell 33, the interval spans cells 30 to 36.
    const cells = fewshot.slice(fewshot.indexOf('|') + 1, fewshot.lastIndexOf('|'));
    expect(cells).toHaveLength(41);
    expect(cells.indexOf('●')).toBe(33);
    expect(cells.indexOf('─')).toBe(30);
    expect(cells.lastIndexOf('─')).toBe(36);
    const prompt = bars.find((l) => l.startsWith('prompt'))!;
    expect(prompt.slice(prompt.indexOf('|') + 1).indexOf('●')).toBe(16); // 0.41
  });
});

describe('the /eval chart as a picture', () => {
  const charts = new VegaChartRenderer(silentLogger);
  let fake: FakeOpenAI;
  let app: TestApp;
  const run = (text: string, user: UserRef = admin) => app.commands(testPermissions).run({ scope: scopeA, user, name: 'eval', text });

  beforeAll(async () => {
    fake = await FakeOpenAI.start();
  });
  afterAll(async () => {
    await charts.close();
    await fake.close();
  });
  beforeEach(async () => {
    fake.reset();
    fake.chatReply = evalAnswers(styleCases(12));
    app = await makeTestApp({
      model: new OpenAIChatModel({ baseUrl: fake.baseUrl, timeoutMs: 5000, maxRetries: 0, logger: silentLogger }),
      charts,
    });
  });
  afterEach(async () => {
    await app.dispose();
    fake.assertNoViolations();
  });

  it('is a PNG of sensible size, described by the scores, on /eval run and again on /eval report', async () => {
    await seedEvaluation(app, scopeA, admin, styleCases(12));
    const ran = await run('run prompt fewshot');
    expect(ran.text).toContain('Best: fewshot');
    const image = ran.image!;
    expect(image.mimeType).toBe('image/png');
    expect(image.name).toMatch(/^eval-\d{4}-\d\d-\d\d\.png$/);
    const bytes = Buffer.from(image.bytes);
    expect(bytes.subarray(0, 8)).toEqual(PNG_SIGNATURE);
    expect(bytes.subarray(12, 16).toString('ascii')).toBe('IHDR');
    expect(bytes.readUInt32BE(16)).toBeGreaterThanOrEqual(500);
    expect(bytes.readUInt32BE(20)).toBeGreaterThanOrEqual(200);
    expect(image.alt).toMatch(
      /^Scores \(0–1\) with 95% intervals and cost per answer of 2 lever\(s\) over 12 case\(s\): prompt 0\.00 \[0\.00–0\.00\], fewshot 1\.00 \[1\.00–1\.00\]; best fewshot\.$/,
    );
    expect(ran.textChart?.split('\n')).toHaveLength(4);

    const again = await run('report', member);
    expect(again.image?.alt).toBe(image.alt);
    expect(Buffer.from(again.image?.bytes ?? []).subarray(0, 8)).toEqual(PNG_SIGNATURE);
    expect(again.textChart).toBe(ran.textChart);
  });

  it('no report yet: /eval report answers in text, with no picture', async () => {
    const none = await run('report', member);
    expect(none.text).toMatch(/^No evaluation has run/);
    expect(none.image).toBeUndefined();
    expect(none.textChart).toBeUndefined();
  });
});
