/**
 * 👍 / 👎 and ⭐ on Slack answers (SPEC §8 "Feedback"), through Bolt over HTTP, the fake Slack
 * (which checks the context_actions block strictly) and the fake OpenAI server.
 */
import { APPROVED_SENTENCE } from '../../../src/adapters/slack/feedback';
import { slackScope } from '../../../src/adapters/slack/inbound';
import { REASON_MAX_CHARS } from '../../../src/core/feedback/feedback';
import { fakeErrors } from '../../helpers/fake-openai';
import type { StoredMessage } from '../../helpers/fake-slack';
import { ADMIN, CHANNEL, MEMBER, useSlackHarness } from '../../helpers/slack-harness';
import { postInteraction, viewSubmissionPayload } from '../../helpers/slack-requests';

type Block = Record<string, unknown>;

const feedbackBlocksOf = (message: StoredMessage | undefined): Block[] => (message?.blocks ?? []).filter((b) => b['type'] === 'context_actions');

describe('Slack feedback', () => {
  const ctx = useSlackHarness();
  const scope = () => slackScope(ctx.h.slack.team, CHANNEL);
  /** The answer a message of it shows, as the store links them (what a ⭐ on it names). */
  const answerIdOf = async (message: StoredMessage | undefined) => (await ctx.h.app.feedback.answerIdOfMessage(scope(), message!.ts))!;

  /** A member asks in a thread; returns the bot's messages of the answer. */
  async function answered(answer = 'Rooms are booked in the **calendar**.', question = 'How do I book a room?'): Promise<StoredMessage[]> {
    ctx.openai.enqueue('chat', { deltas: answer.match(/.{1,8}/gs) ?? [answer] });
    const { ts } = await ctx.h.mention(question);
    await ctx.h.idle();
    return ctx.h.slack.botMessages(CHANNEL, ts);
  }

  const ephemerals = (user: string) =>
    ctx.h.slack
      .callsTo('chat.postEphemeral')
      .filter((c) => c.params['user'] === user)
      .map((c) => String(c.params['text']));

  describe('the buttons are on the final message of every answer', () => {
    it('a native stream ends with them (chat.stopStream blocks), valid Block Kit', async () => {
      const [message, ...others] = await answered();
      expect(others).toHaveLength(0);
      const stops = ctx.h.slack.callsTo('chat.stopStream');
      expect(stops).toHaveLength(1);
      expect(stops[0]?.params['blocks']).toEqual(feedbackBlocksOf(message));
      const [block] = feedbackBlocksOf(message);
      const element = (block?.['elements'] as Block[] | undefined)?.[0] ?? {};
      expect(element['type']).toBe('feedback_buttons');
      const answerId = await answerIdOf(message);
      expect(element).toMatchObject({
        positive_button: { value: expect.stringContaining(answerId) },
        negative_button: { value: expect.stringContaining(answerId) },
      });
      expect(ctx.h.slack.violations).toEqual([]);
    });

    it('a short answer posted whole carries them after its Markdown', async () => {
      await ctx.restart({ shortAnswerMs: 300 });
      const [message] = await answered('Use the calendar.');
      expect(ctx.h.slack.callsTo('chat.startStream')).toHaveLength(0);
      expect(message?.blocks?.map((b) => b['type'])).toEqual(['markdown', 'context_actions']);
    });

    it('on the chat.update path, only the last part of a long answer carries them', async () => {
      await ctx.restart({ nativeStreaming: false, editIntervalMs: 50 });
      const paragraph = `${'lorem ipsum dolor sit amet '.repeat(30).trim()}.`;
      const long = Array.from({ length: 12 }, (_, i) => `Paragraph ${i}: ${paragraph}`).join('\n\n');
      const messages = await answered(long);
      expect(messages.length).toBeGreaterThan(1);
      expect(messages.map((m) => feedbackBlocksOf(m).length)).toEqual([...messages.slice(1).map(() => 0), 1]);
      expect(ctx.h.slack.callsTo('chat.update').length).toBeGreaterThan(0);
    });

    it('a failed answer has none (nothing was answered to vote on)', async () => {
      ctx.openai.enqueue('chat', { error: fakeErrors.serverError(503) });
      const { ts } = await ctx.h.mention('Anyone there?');
      await ctx.h.idle();
      const messages = ctx.h.slack.botMessages(CHANNEL, ts);
      expect(messages.length).toBeGreaterThan(0);
      expect(messages.flatMap(feedbackBlocksOf)).toEqual([]);
    });
  });

  it("records a member's 👍 and adds nothing to the training set", async () => {
    const [message] = await answered();
    expect((await ctx.h.clickFeedback(message!, 'positive_button', MEMBER)).status).toBe(200);
    const answerId = await answerIdOf(message);
    expect(await ctx.h.app.feedback.votesOf(scope(), answerId)).toEqual({ [MEMBER.id]: expect.objectContaining({ value: 'up' }) });
    expect(await ctx.h.app.training.approved(scope())).toEqual([]);
    expect(ctx.h.slack.openedViews).toHaveLength(0);
  });

  it("an admin's 👍 adds the exchange to the training set and says so", async () => {
    const [message] = await answered('Rooms are booked in the calendar.', 'How do I book a room?');
    await ctx.h.clickFeedback(message!, 'positive_button', ADMIN);
    const approved = await ctx.h.app.training.approved(scope());
    expect(approved.map((e) => [e.input, e.output])).toEqual([[expect.stringContaining('How do I book a room?'), 'Rooms are booked in the calendar.']]);
    expect(ephemerals(ADMIN.id)).toEqual([APPROVED_SENTENCE]);
  });

  it('changing 👍 to 👎 keeps one vote, the latest', async () => {
    const [message] = await answered();
    await ctx.h.clickFeedback(message!, 'positive_button', MEMBER);
    await ctx.h.clickFeedback(message!, 'negative_button', MEMBER);
    const answerId = await answerIdOf(message);
    expect(await ctx.h.app.feedback.votesOf(scope(), answerId)).toEqual({ [MEMBER.id]: expect.objectContaining({ value: 'down' }) });
    expect(await ctx.h.app.feedback.counts(scope(), 30)).toMatchObject({ up: 0, down: 1 });
  });

  it('a second click on the same button takes the vote back; a third records it again', async () => {
    const [message] = await answered();
    await ctx.h.clickFeedback(message!, 'positive_button', MEMBER);
    await ctx.h.clickFeedback(message!, 'positive_button', MEMBER);
    const answerId = await answerIdOf(message);
    expect(await ctx.h.app.feedback.votesOf(scope(), answerId)).toEqual({});
    await ctx.h.clickFeedback(message!, 'positive_button', MEMBER);
    expect(await ctx.h.app.feedback.votesOf(scope(), answerId)).toEqual({ [MEMBER.id]: expect.objectContaining({ value: 'up' }) });
  });

  it('a 👎 opens the optional reason form; its submission stores the reason', async () => {
    const [message] = await answered();
    await ctx.h.clickFeedback(message!, 'negative_button', MEMBER);
    expect(ctx.h.slack.openedViews).toHaveLength(1);
    const view = ctx.h.slack.openedViews[0]!;
    const inputs = (view['blocks'] as Block[]).filter((b) => b['type'] === 'input');
    expect(inputs).toEqual([expect.objectContaining({ optional: true, element: expect.objectContaining({ max_length: REASON_MAX_CHARS }) })]);
    const answerId = await answerIdOf(message);
    expect(await ctx.h.app.feedback.votesOf(scope(), answerId)).toEqual({ [MEMBER.id]: expect.objectContaining({ value: 'down' }) });

    const blockId = String(inputs[0]!['block_id']);
    const result = await postInteraction(
      ctx.h.url,
      viewSubmissionPayload({ team: ctx.h.slack.team, user: MEMBER.id, userName: MEMBER.name, view, values: { [blockId]: 'It named the wrong floor.' } }),
    );
    await ctx.h.idle();
    expect(result.status).toBe(200);
    expect(await ctx.h.app.feedback.votesOf(scope(), answerId)).toEqual({
      [MEMBER.id]: expect.objectContaining({ value: 'down', reason: 'It named the wrong floor.' }),
    });
    expect(ephemerals(MEMBER.id)).toEqual([expect.stringMatching(/reason was recorded/)]);
  });

  it('⭐ by an admin adds the exchange; ⭐ by a member, or another emoji, does not', async () => {
    const [message] = await answered('Use the calendar.');
    await ctx.h.react(MEMBER, message!.ts, 'star');
    await ctx.h.react(ADMIN, message!.ts, 'tada');
    expect(await ctx.h.app.training.approved(scope())).toEqual([]);
    expect((await ctx.h.react(ADMIN, message!.ts, 'star')).status).toBe(200);
    expect((await ctx.h.app.training.approved(scope())).map((e) => e.output)).toEqual(['Use the calendar.']);
    expect(ephemerals(ADMIN.id)).toEqual([APPROVED_SENTENCE]);
    expect(ephemerals(MEMBER.id)).toEqual([]);
  });

  it('⭐ on a message that is not an answer changes nothing', async () => {
    const person = ctx.h.slack.addMessage(CHANNEL, { ts: ctx.h.slack.nextTs(), text: 'hello', user: MEMBER.id });
    await ctx.h.react(ADMIN, person.ts, 'star');
    expect(await ctx.h.app.training.approved(scope())).toEqual([]);
    expect(ephemerals(ADMIN.id)).toEqual([]);
  });

  it('votes show in /usage by route', async () => {
    const [message] = await answered();
    await ctx.h.clickFeedback(message!, 'negative_button', MEMBER);
    const answer = (await ctx.h.app.feedback.answer(await answerIdOf(message)))!;
    const { told } = await ctx.h.run('/usage', '', ADMIN);
    expect(told).toContain(`feedback — ${answer.route} 👍 0 · 👎 1`);
  });
});
