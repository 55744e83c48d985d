/**
 * /usage and budgets on Slack, through Bolt over HTTP with the fake Slack Web API: the usage text
 * goes to the caller only and the chart is uploaded to the channel with files.uploadV2 (the fake
 * checks the whole external-upload flow); the budget warning and the cap's sentence appear in the
 * channel, in the answer's thread. The /eval report's chart goes up the same way, titled with the
 * alt text that names the scores.
 */
import { slackScope } from '../../../src/adapters/slack/inbound';
import { NOT_ADMIN_SENTENCE } from '../../../src/core/commands/permissions';
import { VegaChartRenderer } from '../../../src/providers/charts/usage-chart';
import { OpenAIChatModel } from '../../../src/providers/openai/chat-model';
import { makeTestApp, testConfig, type TestApp } from '../../helpers/app';
import { evalAnswers, seedEvaluation, styleCases } from '../../helpers/fake-eval-answers';
import { FakeOpenAI } from '../../helpers/fake-openai';
import { silentLogger } from '../../helpers/logger';
import { ADMIN, CHANNEL, MEMBER, SlackHarness } from '../../helpers/slack-harness';
import { parseUsage } from '../../helpers/usage';

let openai: FakeOpenAI;
let charts: VegaChartRenderer;
let app: TestApp;
let h: SlackHarness;

beforeAll(async () => {
  openai = await FakeOpenAI.start();
  charts = new VegaChartRenderer(silentLogger);
});
afterAll(async () => {
  await charts.close();
  await openai.close();
});
beforeEach(async () => {
  openai.reset();
  app = await makeTestApp({
    config: testConfig(),
    model: new OpenAIChatModel({ baseUrl: openai.baseUrl, timeoutMs: 20_000, maxRetries: 0, logger: silentLogger }),
    charts,
  });
  h = await SlackHarness.start({ openai, app });
});
afterEach(async () => {
  await h.idle();
  h.slack.assertNoViolations();
  openai.assertNoViolations();
  await h.stop();
  await app.dispose();
});

describe('/usage on Slack', () => {
  it('tells the caller the figures and uploads the PNG chart to the channel', async () => {
    await h.mention('hello');
    await h.mention('and hello again');
    await h.idle();

    const { told } = await h.run('/usage', '7d', MEMBER);
    const total = parseUsage(told)['total'];
    expect(total?.requests).toBe(2);
    expect(total?.promptTokens).toBe(openai.reportedUsage.reduce((s, u) => s + u.promptTokens, 0));
    expect(h.slack.responses.every((r) => r.body['response_type'] === 'ephemeral')).toBe(true);

    expect(h.slack.callsTo('files.getUploadURLExternal')).toHaveLength(1);
    expect(h.slack.callsTo('files.completeUploadExternal')).toHaveLength(1);
    const [upload] = [...h.slack.uploads.values()];
    expect(upload?.filename).toBe('usage-7d.png');
    expect(upload?.bytes?.subarray(1, 4).toString('ascii')).toBe('PNG');
    expect(upload?.completed).toMatchObject({ channel: CHANNEL, initialComment: 'Chart for /usage 7d' });
    expect(upload?.completed?.title).toMatch(/^Bar charts of requests and cost per day over the last 7 days, by prompt; 2 requests/);
  });

  it('with no usage yet, says so and uploads nothing', async () => {
    const { told } = await h.run('/usage', '', MEMBER);
    expect(told).toContain('No model calls yet.');
    expect(h.slack.uploads.size).toBe(0);
  });
});

describe('/eval on Slack', () => {
  it('/eval run and /eval report tell the caller the rows and upload the chart to the channel', async () => {
    openai.chatReply = evalAnswers(styleCases(12));
    await seedEvaluation(app, slackScope(h.slack.team, CHANNEL), ADMIN, styleCases(12));
    const ran = await h.run('/eval', 'run prompt fewshot', ADMIN);
    await h.idle();
    expect(ran.told).toMatch(/^fewshot · 12 cases · score 1\.00 /m);
    expect(ran.told).toContain('Best: fewshot');

    const { told } = await h.run('/eval', 'report', MEMBER);
    await h.idle();
    expect(told).toContain('Best: fewshot');
    const uploads = [...h.slack.uploads.values()];
    expect(uploads.map((u) => u.completed?.initialComment)).toEqual(['Chart for /eval run prompt fewshot', 'Chart for /eval report']);
    for (const upload of uploads) {
      expect(upload.filename).toMatch(/^eval-\d{4}-\d\d-\d\d\.png$/);
      expect(upload.bytes?.subarray(1, 4).toString('ascii')).toBe('PNG');
      expect(upload.completed).toMatchObject({ channel: CHANNEL });
      expect(upload.completed?.title).toMatch(/prompt 0\.00 \[0\.00–0\.00\], fewshot 1\.00 \[1\.00–1\.00\]; best fewshot\.$/);
    }
  });
});

describe('budgets on Slack', () => {
  it('posts the warning once in the answer, then the cap sentence instead of calling the model', async () => {
    const scope = slackScope(h.slack.team, CHANNEL);
    await h.run('/persona', `set You are the records clerk. ${'Quote the register entry for every fact you state. '.repeat(110)}`, ADMIN);
    await h.run('/model', 'gpt-4o', ADMIN);
    expect((await h.run('/budget', 'set 0.01 warn 50', MEMBER)).told).toBe(NOT_ADMIN_SENTENCE);
    expect(await app.budgets.of(scope)).toBeUndefined();
    expect((await h.run('/budget', 'set 0.01 warn 50', ADMIN)).told).toMatch(/^Monthly cap set to \$0\.0100, with a warning at 50%/);

    for (let i = 0; i < 6; i++) {
      await h.mention(`question ${i}`);
      await h.idle();
    }
    const texts = h.slack.botMessages(CHANNEL).map((m) => m.text);
    expect(texts.filter((t) => t.includes('Budget: this channel has spent'))).toHaveLength(1);
    const refusals = texts.filter((t) => t.startsWith('This channel has reached its monthly budget of $0.0100'));
    expect(refusals.length).toBeGreaterThan(0);
    expect(openai.requestsTo('chat').length).toBe(6 - refusals.length);
  });
});

describe("the fake's external upload flow (files.uploadV2) is as strict as Slack's reference", () => {
  const call = (method: string, params: Record<string, string>) =>
    fetch(`${h.slack.apiUrl}${method}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.slack.botToken}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params).toString(),
    }).then((r) => r.json() as Promise<Record<string, unknown>>);

  it('refuses completing a file whose bytes never arrived, and bytes of another length than declared', async () => {
    const first = await call('files.getUploadURLExternal', { filename: 'a.png', length: '4' });
    expect(first).toMatchObject({ ok: true, file_id: expect.stringMatching(/^F/) });
    expect(await call('files.completeUploadExternal', { files: JSON.stringify([{ id: first['file_id'] }]) })).toMatchObject({
      ok: false,
      error: 'file_not_found',
    });
    const wrong = await fetch(String(first['upload_url']), { method: 'POST', body: new Uint8Array([1, 2, 3]) });
    expect(wrong.status).toBe(400);
    expect(await call('files.getUploadURLExternal', { filename: 'b.png' })).toMatchObject({ ok: false, error: 'invalid_arguments' });
    const problems = h.slack.takeViolations().flatMap((v) => v.problems);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/before the bytes of F\w+ were uploaded/),
        'uploaded 3 bytes, but files.getUploadURLExternal declared length 4',
        'length: required',
      ]),
    );
  });
});
