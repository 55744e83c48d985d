/**
 * Slack's own rate limits honoured (issue #12, item 2): Bolt's WebClient waits out a 429's
 * Retry-After and sends the call again (it pauses its request queue meanwhile), so the answer still
 * arrives, once. Here the fake Slack refuses the answer's first call with a 429.
 */
import { FakeOpenAI } from '../../helpers/fake-openai';
import { shownText } from '../../helpers/fake-slack';
import { CHANNEL, SlackHarness } from '../../helpers/slack-harness';

describe('Slack answering through a 429', () => {
  let openai: FakeOpenAI;
  let h: SlackHarness;
  beforeAll(async () => {
    openai = await FakeOpenAI.start();
    // The SDK's own retry policy in production is ten retries in about thirty minutes; one is enough here.
    h = await SlackHarness.start({ openai, retries: 1 });
  });
  afterAll(async () => {
    await h?.stop();
    await openai?.close();
  });

  it('waits the Retry-After, sends the call again and answers once', async () => {
    h.slack.rateLimit('chat.startStream', 1);
    const { ts } = await h.mention('what is the capital of France?');
    await h.idle();
    const starts = h.slack.callsTo('chat.startStream');
    expect(starts).toHaveLength(2);
    // The second came no sooner than Retry-After said.
    expect(starts[1]!.at - starts[0]!.at).toBeGreaterThanOrEqual(1000);
    const answers = h.slack.botMessages(CHANNEL, ts);
    expect(answers).toHaveLength(1);
    expect(shownText(answers[0]!)).toContain('capital of France');
    expect(openai.requestsTo('chat')).toHaveLength(1);
    h.slack.assertNoViolations();
  });
});
