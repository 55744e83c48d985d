/** `/usage` and `/eval` on Discord: the figures told to the caller, the chart attached as a PNG with its alt text. */
import { VegaChartRenderer } from '../../../src/providers/charts/usage-chart';
import { OpenAIChatModel } from '../../../src/providers/openai/chat-model';
import { discordScope } from '../../../src/adapters/discord/inbound';
import { makeTestApp, testConfig, type TestApp } from '../../helpers/app';
import { evalAnswers, seedEvaluation, styleCases } from '../../helpers/fake-eval-answers';
import { DiscordHarness, allEphemeral, told } from '../../helpers/discord-harness';
import type { UploadedFile } from '../../helpers/fake-discord';
import { FakeOpenAI } from '../../helpers/fake-openai';
import { silentLogger } from '../../helpers/logger';

let openai: FakeOpenAI;
let charts: VegaChartRenderer;
let app: TestApp;
let h: DiscordHarness;

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
  h = await DiscordHarness.start({ openai, app });
});
afterEach(async () => {
  await h.stop();
  h.discord.assertNoViolations();
  openai.assertNoViolations();
  await app.dispose();
});

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The PNG the interaction's final message carries (a follow-up after progress edits, else the reply's edit), with its attachment description. */
function attachedChart(record: Awaited<ReturnType<DiscordHarness['slash']>>): { png?: UploadedFile; description?: string } {
  const edit = (record.followups.at(-1) ?? record.edits.at(-1)) as (Record<string, unknown> & { files?: UploadedFile[] }) | undefined;
  const attachments = edit?.['attachments'] as { description?: string }[] | undefined;
  return { ...(edit?.files?.[0] ? { png: edit.files[0] } : {}), ...(attachments?.[0]?.description ? { description: attachments[0].description } : {}) };
}

describe('/usage on Discord', () => {
  it('tells the caller the figures and attaches the PNG chart, described by its alt text', async () => {
    h.discord.mention(h.member, h.channel, 'hello');
    await h.settle();
    const record = await h.slash(h.member, 'usage', undefined, { period: '7d' });
    const promptTokens = openai.reportedUsage.reduce((sum, u) => sum + u.promptTokens, 0);
    expect(told(record)).toMatch(new RegExp(`^total — requests 1 · prompt tokens ${promptTokens.toLocaleString('en-US')} · `, 'm'));
    expect(allEphemeral(record)).toBe(true);
    const { png, description } = attachedChart(record);
    expect(png?.name).toBe('usage-7d.png');
    expect(Buffer.from(png?.bytes ?? []).subarray(0, 8)).toEqual(PNG_SIGNATURE);
    expect(description).toMatch(/requests and cost per day over the last 7 days/i);
  });
});

describe('/eval on Discord', () => {
  it('/eval run and /eval report tell the caller the rows and attach the chart, described by the scores', async () => {
    openai.chatReply = evalAnswers(styleCases(12));
    await seedEvaluation(app, discordScope(h.guild.id, h.channel.id), { id: h.admin.id, name: h.admin.username }, styleCases(12));
    const ran = await h.slash(h.admin, 'eval', 'run', { levers: 'prompt fewshot' });
    expect(told(ran)).toMatch(/^fewshot · 12 cases · score 1\.00 /m);
    const report = await h.slash(h.member, 'eval', 'report');
    expect(told(report)).toContain('Best: fewshot');
    for (const record of [ran, report]) {
      const { png, description } = attachedChart(record);
      expect(png?.name).toMatch(/^eval-\d{4}-\d\d-\d\d\.png$/);
      expect(Buffer.from(png?.bytes ?? []).subarray(0, 8)).toEqual(PNG_SIGNATURE);
      expect(description).toMatch(/prompt 0\.00 \[0\.00–0\.00\], fewshot 1\.00 \[1\.00–1\.00\]; best fewshot\.$/);
    }
  });
});
