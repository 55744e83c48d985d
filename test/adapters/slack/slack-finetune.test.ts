/**
 * Fine-tuning on Slack, through Bolt over HTTP with the fake Slack Web API: `/finetune export`
 * uploads the JSONL to the channel with files.uploadV2 (the whole external-upload flow), and the
 * background posts (job progress) arrive as the bot's Markdown messages in the channel.
 */
import { slackScope } from '../../../src/adapters/slack/inbound';
import { makeTestApp, type TestApp } from '../../helpers/app';
import { checkChatTrainingFile, FakeOpenAI } from '../../helpers/fake-openai';
import { ADMIN, CHANNEL, SlackHarness } from '../../helpers/slack-harness';

let openai: FakeOpenAI;
let app: TestApp;
let h: SlackHarness;

beforeAll(async () => {
  openai = await FakeOpenAI.start();
});
afterAll(async () => {
  await openai.close();
});
beforeEach(async () => {
  app = await makeTestApp();
  h = await SlackHarness.start({ openai, app });
});
afterEach(async () => {
  await h.idle();
  h.slack.assertNoViolations();
  await h.stop();
  await app.dispose();
});

describe('/finetune on Slack', () => {
  it('uploads the export to the channel as a JSONL file and tells the caller', async () => {
    for (let i = 1; i <= 3; i++) await h.run('/fewshot', `add question ${i} => answer ${i}`, ADMIN);
    const { told } = await h.run('/finetune', 'export', ADMIN);
    expect(told).toContain('The training set: 3 examples as chat fine-tuning JSONL');
    expect(told).not.toContain('{"messages"'); // the content travels as the file, not in the text
    const [upload] = [...h.slack.uploads.values()];
    expect(upload?.filename).toBe(`training-${CHANNEL}.jsonl`);
    expect(upload?.completed).toMatchObject({ channel: CHANNEL, initialComment: 'File for /finetune export' });
    const content = upload?.bytes?.toString('utf8') ?? '';
    expect(checkChatTrainingFile(content)).toEqual([]);
    expect(content.trim().split('\n')).toHaveLength(3);
  });

  it('posts background messages in the channel as Markdown', async () => {
    await app.posters.post(slackScope(h.slack.team, CHANNEL), 'Fine-tuning job **ftjob-1** is now running.');
    const [call] = h.slack.callsTo('chat.postMessage');
    expect(call?.params).toMatchObject({ channel: CHANNEL, blocks: [{ type: 'markdown', text: 'Fine-tuning job **ftjob-1** is now running.' }] });
  });
});
