/**
 * Modals, the "Add as few-shot example" message shortcut and App Home, through Bolt over HTTP.
 */
import { FEWSHOT_SHORTCUT } from '../../../src/adapters/slack/shortcuts';
import { slackScope } from '../../../src/adapters/slack/inbound';
import { NOT_ADMIN_SENTENCE } from '../../../src/core/commands/permissions';
import { ADMIN, CHANNEL, MEMBER, useSlackHarness } from '../../helpers/slack-harness';
import { appHomeOpenedEvent, envelope, messageShortcutPayload, postEvent, postInteraction, viewSubmissionPayload } from '../../helpers/slack-requests';

type InputBlock = { block_id: string; element: { initial_value?: string; multiline?: boolean } };

describe('Slack interactivity', () => {
  const ctx = useSlackHarness();
  const scope = () => slackScope(ctx.h.slack.team, CHANNEL);

  async function submit(view: Record<string, unknown>, user: { id: string; name: string }, values: Record<string, string>) {
    const result = await postInteraction(ctx.h.url, viewSubmissionPayload({ team: ctx.h.slack.team, user: user.id, userName: user.name, view, values }));
    await ctx.h.idle();
    return result;
  }

  const ephemeralTexts = () => ctx.h.slack.callsTo('chat.postEphemeral').map((c) => String(c.params['text']));

  describe('/persona edit', () => {
    it('opens a multi-line modal prefilled with the current persona; an admin submission changes it', async () => {
      await ctx.h.app.profiles.setPersona(scope(), { id: ADMIN.id }, 'You are a librarian.\nBe brief.');
      const { status } = await ctx.h.run('/persona', 'edit', ADMIN);
      expect(status).toBe(200);
      expect(ctx.h.slack.openedViews).toHaveLength(1);
      const view = ctx.h.slack.openedViews[0]!;
      const input = (view['blocks'] as InputBlock[])[0]!;
      expect(input.element).toMatchObject({ initial_value: 'You are a librarian.\nBe brief.', multiline: true });

      const result = await submit(view, ADMIN, { [input.block_id]: 'You are a cheerful librarian.\nBe brief.' });
      expect(result.status).toBe(200);
      expect((await ctx.h.app.profiles.resolve(scope())).persona).toMatchObject({ value: 'You are a cheerful librarian.\nBe brief.', version: 2 });
      expect(ephemeralTexts()).toEqual(['Persona set (v2).']);
      expect(ctx.h.slack.callsTo('chat.postMessage').map((c) => c.params['text'])).toEqual(["alice changed this channel's persona (now v2)."]);
    });

    it('refuses a member: no modal for the command, and a crafted submission changes nothing', async () => {
      expect((await ctx.h.run('/persona', 'edit', MEMBER)).told).toBe(NOT_ADMIN_SENTENCE);
      expect(ctx.h.slack.openedViews).toHaveLength(0);

      await ctx.h.run('/persona', 'edit', ADMIN);
      const view = ctx.h.slack.openedViews[0]!;
      await submit(view, MEMBER, { persona: 'Be rude.' });
      expect((await ctx.h.app.profiles.resolve(scope())).persona.source).toBe('config');
      expect(ephemeralTexts()).toEqual([NOT_ADMIN_SENTENCE]);
      expect(ctx.h.slack.callsTo('chat.postMessage')).toHaveLength(0);
    });
  });

  describe('/fewshot add without text', () => {
    it('opens a modal with input and output; the submission adds the example', async () => {
      await ctx.h.run('/fewshot', 'add', ADMIN);
      const view = ctx.h.slack.openedViews[0]!;
      expect((view['blocks'] as InputBlock[]).map((b) => b.block_id)).toEqual(['input', 'output']);
      await submit(view, ADMIN, { input: 'How do I book a room?\nFor tomorrow.', output: 'Use the calendar:\n1. Open it\n2. Pick a room' });
      const examples = (await ctx.h.app.profiles.resolve(scope())).fewshot.value;
      expect(examples.map((e) => [e.input, e.output])).toEqual([['How do I book a room?\nFor tomorrow.', 'Use the calendar:\n1. Open it\n2. Pick a room']]);
    });

    it('refuses a member submission and adds nothing', async () => {
      await ctx.h.run('/fewshot', 'add', ADMIN);
      await submit(ctx.h.slack.openedViews[0]!, MEMBER, { input: 'q', output: 'a' });
      expect((await ctx.h.app.profiles.resolve(scope())).fewshot.value).toEqual([]);
      expect(ephemeralTexts()).toEqual([NOT_ADMIN_SENTENCE]);
    });
  });

  describe('"Add as few-shot example" shortcut', () => {
    async function answeredExchange() {
      ctx.openai.enqueue('chat', { text: 'Press the blue button.' });
      const { ts } = await ctx.h.mention('How do I start the projector?');
      await ctx.h.idle();
      const reply = ctx.h.slack.botMessages(CHANNEL, ts)[0]!;
      return { threadTs: ts, reply };
    }

    async function shortcut(user: { id: string; name: string }, message: Record<string, unknown>) {
      const responseUrl = ctx.h.slack.newResponseUrl();
      const result = await postInteraction(
        ctx.h.url,
        messageShortcutPayload({
          team: ctx.h.slack.team,
          channel: CHANNEL,
          user: user.id,
          userName: user.name,
          callbackId: FEWSHOT_SHORTCUT,
          message,
          responseUrl,
        }),
      );
      await ctx.h.idle();
      const id = responseUrl.split('/').pop();
      return { status: result.status, told: ctx.h.slack.responses.filter((r) => r.id === id).map((r) => String(r.body['text'])) };
    }

    it('saves the question and the bot reply as an example (admin)', async () => {
      const { reply } = await answeredExchange();
      const { status, told } = await shortcut(ADMIN, { ...reply });
      expect(status).toBe(200);
      expect(told[0]).toMatch(/example 1/i);
      const examples = (await ctx.h.app.profiles.resolve(scope())).fewshot.value;
      expect(examples.map((e) => [e.input, e.output])).toEqual([['How do I start the projector?', 'Press the blue button.']]);
    });

    it('refuses a member and adds nothing', async () => {
      const { reply } = await answeredExchange();
      expect((await shortcut(MEMBER, { ...reply })).told).toEqual([NOT_ADMIN_SENTENCE]);
      expect((await ctx.h.app.profiles.resolve(scope())).fewshot.value).toEqual([]);
    });

    it('explains that it only works on the bot’s replies', async () => {
      const { threadTs } = await answeredExchange();
      const question = (ctx.h.slack.messages.get(CHANNEL) ?? []).find((m) => m.ts === threadTs)!;
      expect((await shortcut(ADMIN, { ...question })).told).toEqual(['This works on my own replies only: pick one of my answers.']);
      expect((await ctx.h.app.profiles.resolve(scope())).fewshot.value).toEqual([]);
    });
  });

  describe('App Home', () => {
    it('shows admins each configured channel with persona, route, model and 7-day usage', async () => {
      await ctx.h.run('/persona', 'set You are the release bot.\nSecond line is not shown.', ADMIN);
      await ctx.h.run('/route', 'auto', ADMIN);
      await ctx.h.mention('status?');
      await ctx.h.idle();

      await postEvent(ctx.h.url, envelope(appHomeOpenedEvent(ADMIN.id, 'D0HOMEADM1'), { team: ctx.h.slack.team }));
      await ctx.h.idle();
      const view = ctx.h.slack.homeViews.get(ADMIN.id);
      expect(view).toBeDefined();
      const text = JSON.stringify(view);
      expect(text).toContain(`<#${CHANNEL}>`);
      expect(text).toContain('You are the release bot.');
      expect(text).not.toContain('Second line');
      expect(text).toContain('Route: `auto`');
      expect(text).toContain('gpt-4o-mini');
      expect(text).toMatch(/Last 7 days — requests 1 · prompt tokens [\d,]+ · cached tokens \d+ · completion tokens [\d,]+ · cost \$/);
      // The same numbers as /usage 7d.
      const total = (await ctx.h.app.usage.report(scope(), 7)).total;
      expect(text).toContain(`prompt tokens ${total.promptTokens.toLocaleString('en-US')} · cached tokens ${total.cachedTokens}`);
    });

    it('shows members how to use the bot, without the channel list', async () => {
      await ctx.h.run('/persona', 'set Secret setup.', ADMIN);
      await postEvent(ctx.h.url, envelope(appHomeOpenedEvent(MEMBER.id, 'D0HOMEMEM1'), { team: ctx.h.slack.team }));
      await ctx.h.idle();
      const text = JSON.stringify(ctx.h.slack.homeViews.get(MEMBER.id));
      expect(text).toContain('Mention me');
      expect(text).not.toContain('Secret setup');
      expect(text).not.toContain(CHANNEL);
    });
  });
});
