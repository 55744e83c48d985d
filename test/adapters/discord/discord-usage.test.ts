/** `/usage` on Discord: the figures told to the caller, the chart attached as a PNG with its alt text. */
import { VegaChartRenderer } from '../../../src/providers/charts/usage-chart';
import { OpenAIChatModel } from '../../../src/providers/openai/chat-model';
import { makeTestApp, testConfig, type TestApp } from '../../helpers/app';
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

describe('/usage on Discord', () => {
  it('tells the caller the figures and attaches the PNG chart, described by its alt text', async () => {
    h.discord.mention(h.member, h.channel, 'hello');
    await h.settle();
    const record = await h.slash(h.member, 'usage', undefined, { period: '7d' });
    const promptTokens = openai.reportedUsage.reduce((sum, u) => sum + u.promptTokens, 0);
    expect(told(record)).toMatch(new RegExp(`^total — requests 1 · prompt tokens ${promptTokens.toLocaleString('en-US')} · `, 'm'));
    expect(allEphemeral(record)).toBe(true);
    const edit = record.edits.at(-1) as (Record<string, unknown> & { files?: UploadedFile[] }) | undefined;
    const [png] = edit?.files ?? [];
    expect(png?.name).toBe('usage-7d.png');
    expect(Buffer.from(png?.bytes ?? []).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const attachments = edit?.['attachments'] as { description?: string }[] | undefined;
    expect(attachments?.[0]?.description).toMatch(/requests and cost per day over the last 7 days/i);
  });
});
