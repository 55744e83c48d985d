/**
 * /eval on Slack through Bolt over HTTP: the `/eval add` modal, the "Add as evaluation case" message
 * shortcut on a 👍'd answer, and a long `/eval run` answered through its response_url — the start,
 * a few progress messages, then the report, all within the response_url's 5 uses (the fake refuses
 * a sixth).
 */
import { slackScope } from '../../../src/adapters/slack/inbound';
import { EVAL_MODAL } from '../../../src/adapters/slack/modals';
import { EVAL_SHORTCUT } from '../../../src/adapters/slack/shortcuts';
import { NEEDS_UPVOTE_SENTENCE } from '../../../src/core/commands/families/eval';
import { NOT_ADMIN_SENTENCE } from '../../../src/core/commands/permissions';
import { testConfig } from '../../helpers/app';
import { shownText } from '../../helpers/fake-slack';
import { ADMIN, CHANNEL, MEMBER, useSlackHarness } from '../../helpers/slack-harness';
import { messageShortcutPayload, postInteraction, viewSubmissionPayload } from '../../helpers/slack-requests';

type InputBlock = { block_id: string; element: { max_length?: number; multiline?: boolean } };

const EVALUATION = { ...testConfig().evaluation, progressEvery: 1 };

describe('/eval on Slack', () => {
  const ctx = useSlackHarness({ config: { evaluation: EVALUATION } });
  const scope = () => slackScope(ctx.h.slack.team, CHANNEL);
  const cases = async () => (await ctx.h.app.evaluation.cases.list(scope())).map((c) => [c.input, c.expected]);
  /** What the caller read in the ephemeral messages (their Markdown block, or their text). */
  const ephemeralTexts = () =>
    ctx.h.slack.callsTo('chat.postEphemeral').map((c) => {
      const blocks = typeof c.params['blocks'] === 'string' ? (JSON.parse(c.params['blocks']) as unknown) : c.params['blocks'];
      return shownText({ text: c.params['text'], blocks });
    });

  async function submit(view: Record<string, unknown>, user: { id: string; name: string }, values: Record<string, string>) {
    const result = await postInteraction(ctx.h.url, viewSubmissionPayload({ team: ctx.h.slack.team, user: user.id, userName: user.name, view, values }));
    await ctx.h.idle();
    return result;
  }

  describe('/eval add without text', () => {
    async function openForm() {
      expect((await ctx.h.run('/eval', 'add', ADMIN)).told).toBe('');
      expect(ctx.h.slack.openedViews).toHaveLength(1);
      return ctx.h.slack.openedViews[0]!;
    }

    it('opens a modal with the input and the expected answer; an admin submission adds the case', async () => {
      const view = await openForm();
      expect(view['callback_id']).toBe(EVAL_MODAL);
      const blocks = view['blocks'] as InputBlock[];
      expect(blocks.map((b) => b.block_id)).toEqual(['input', 'expected']);
      expect(blocks.map((b) => b.element.max_length)).toEqual([2000, 2000]);
      await submit(view, ADMIN, { input: 'Which floor is the canteen on?', expected: 'The third floor.\nNext to the lifts.' });
      expect(await cases()).toEqual([['Which floor is the canteen on?', 'The third floor.\nNext to the lifts.']]);
      expect(ephemeralTexts()).toEqual(['Added evaluation case 1; it is never used as an example or for training.']);
    });

    it('refuses a member: no modal for the command, and a crafted submission adds nothing', async () => {
      expect((await ctx.h.run('/eval', 'add', MEMBER)).told).toBe(NOT_ADMIN_SENTENCE);
      expect(ctx.h.slack.openedViews).toHaveLength(0);
      const view = await openForm();
      await submit(view, MEMBER, { input: 'q', expected: 'a' });
      expect(await cases()).toEqual([]);
      expect(ephemeralTexts()).toEqual([NOT_ADMIN_SENTENCE]);
    });

    it('refuses an empty or oversized field with the sentence the typed command gives, adding nothing', async () => {
      const view = await openForm();
      await submit(view, ADMIN, { input: '   ', expected: '4' });
      const long = 'x'.repeat(2001);
      await submit(view, ADMIN, { input: long, expected: '4' });
      const typed = (await ctx.h.run('/eval', `add ${long} => 4`, ADMIN)).told;
      expect(ephemeralTexts()).toEqual(["The case's input is empty — usage: /eval add <input> => <expected>.", typed]);
      expect(typed).toBe("The case's input is 2,001 characters; the limit is 2,000.");
      expect(await cases()).toEqual([]);
    });
  });

  describe('"Add as evaluation case" shortcut', () => {
    async function answered() {
      ctx.openai.enqueue('chat', { text: 'Press the blue button.' });
      const { ts } = await ctx.h.mention('How do I start the projector?');
      await ctx.h.idle();
      return ctx.h.slack.botMessages(CHANNEL, ts)[0]!;
    }

    async function shortcut(user: { id: string; name: string }, message: Record<string, unknown>) {
      const responseUrl = ctx.h.slack.newResponseUrl();
      const payload = messageShortcutPayload({
        team: ctx.h.slack.team,
        channel: CHANNEL,
        user: user.id,
        userName: user.name,
        callbackId: EVAL_SHORTCUT,
        message,
        responseUrl,
      });
      await postInteraction(ctx.h.url, payload);
      await ctx.h.idle();
      const id = responseUrl.split('/').pop();
      return ctx.h.slack.responses.filter((r) => r.id === id).map((r) => shownText(r.body));
    }

    it('turns an answer someone gave a 👍 into a case: the question it answered => the answer (admin)', async () => {
      const reply = await answered();
      await ctx.h.clickFeedback(reply, 'positive_button', MEMBER);
      expect(await shortcut(ADMIN, { ...reply })).toEqual(['Added evaluation case 1; it is never used as an example or for training.']);
      expect(await cases()).toEqual([['How do I start the projector?', 'Press the blue button.']]);
    });

    it('says an answer without a 👍 needs one first, and adds nothing', async () => {
      const reply = await answered();
      expect(await shortcut(ADMIN, { ...reply })).toEqual([NEEDS_UPVOTE_SENTENCE]);
      // A 👍 taken back (a second click) leaves the answer unapproved again.
      await ctx.h.clickFeedback(reply, 'positive_button', MEMBER);
      await ctx.h.clickFeedback(reply, 'positive_button', MEMBER);
      expect(await shortcut(ADMIN, { ...reply })).toEqual([NEEDS_UPVOTE_SENTENCE]);
      expect(await cases()).toEqual([]);
    });

    it('refuses a member, even on an approved answer, and adds nothing', async () => {
      const reply = await answered();
      await ctx.h.clickFeedback(reply, 'positive_button', ADMIN);
      expect(await shortcut(MEMBER, { ...reply })).toEqual([NOT_ADMIN_SENTENCE]);
      expect(await cases()).toEqual([]);
    });

    it('works on the bot’s answers only', async () => {
      await answered();
      const question = (ctx.h.slack.messages.get(CHANNEL) ?? []).find((m) => m.user === MEMBER.id)!;
      expect(await shortcut(ADMIN, { ...question })).toEqual(['This works on my own replies only: pick one of my answers.']);
      expect(await cases()).toEqual([]);
    });
  });

  describe('/eval run', () => {
    it('answers through the response_url: the start, at most three progress messages in order, then the report', async () => {
      for (let i = 1; i <= 12; i += 1) await ctx.h.app.evaluation.cases.add(scope(), `Question ${i}?`, `You said: Question ${i}?`, ADMIN.id);
      const { status, told } = await ctx.h.run('/eval', 'run prompt', ADMIN);
      expect(status).toBe(200);
      const responses = ctx.h.slack.responses;
      expect(responses.every((r) => r.body['response_type'] === 'ephemeral')).toBe(true);
      const messages = told.split('\n');
      expect(messages[0]).toMatch(/^Evaluating 12 case\(s\) through prompt, estimated cost \$[\d.]+; the report follows when it is done\.$/);
      const progress = messages.slice(1, 4);
      // 11 progress notes (one per answer) coalesced to three, a quarter, half and three quarters through.
      expect(progress.map((line) => Number(/: (\d+) of 12 answers so far\.$/.exec(line)?.[1]))).toEqual([3, 6, 9]);
      expect(messages[4]).toMatch(/^Evaluated 12 case\(s\) through prompt \(estimated cost \$[\d.]+ before starting\)\.$/);
      expect(messages.find((line) => line.startsWith('prompt · 12 cases · score 1.00'))).toBeDefined();
      // Five uses of the response_url: the fake would have refused a sixth (checked after each test).
      expect(new Set(responses.map((r) => r.id)).size).toBe(1);
      expect(responses).toHaveLength(5);
    });
  });
});
