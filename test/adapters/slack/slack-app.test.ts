/**
 * The Slack app end to end: Bolt over real HTTP with signed requests, the real core, the fake Slack
 * Web API and the fake OpenAI server. Transport, commands and who gets answered where.
 */
import { NOT_ADMIN_SENTENCE } from '../../../src/core/commands/permissions';
import { slackScope } from '../../../src/adapters/slack/inbound';
import { FakeSlack, shownText } from '../../helpers/fake-slack';
import { ADMIN, CHANNEL, DM_CHANNEL, MEMBER, SlackHarness, useSlackHarness } from '../../helpers/slack-harness';
import { envelope, messageEvent, postEvent, signedPost } from '../../helpers/slack-requests';

const scope = (h: SlackHarness) => slackScope(h.slack.team, CHANNEL);

describe('Slack app', () => {
  const ctx = useSlackHarness();

  describe('HTTP transport', () => {
    it('refuses a wrongly signed event with 401 and does nothing', async () => {
      const { results } = { results: [await ctx.h.message({ text: `<@${ctx.h.slack.botUserId}> hi` }, 'app_mention').send({ secret: 'not-the-secret' })] };
      expect(results[0]?.status).toBe(401);
      const tampered = ctx.h.message({ text: `<@${ctx.h.slack.botUserId}> hi` }, 'app_mention');
      const result = await tampered.send({ signBody: JSON.stringify({ ...tampered.body, event_id: 'EvOther' }) });
      expect(result.status).toBe(401);
      await ctx.h.idle();
      expect(ctx.openai.requestsTo('chat')).toHaveLength(0);
      expect(ctx.h.slack.calls.map((c) => c.method)).toEqual(['auth.test']);
    });

    it('refuses a request whose timestamp is more than five minutes old', async () => {
      const result = await ctx.h.message({ text: `<@${ctx.h.slack.botUserId}> hi` }, 'app_mention').send({ timestamp: Math.floor(Date.now() / 1000) - 600 });
      expect(result.status).toBe(401);
      await ctx.h.idle();
      expect(ctx.openai.requestsTo('chat')).toHaveLength(0);
    });

    it('answers url_verification with the challenge', async () => {
      const body = JSON.stringify({ token: 'x', challenge: 'challenge-3eZbrw1aB', type: 'url_verification' });
      const result = await signedPost(ctx.h.url, body, 'application/json');
      expect(result.status).toBe(200);
      expect(JSON.parse(result.body)).toEqual({ challenge: 'challenge-3eZbrw1aB' });
    });
  });

  describe('commands', () => {
    it('lets an admin set the persona: told privately, announced in the channel with who did it', async () => {
      const { status, told } = await ctx.h.run('/persona', 'set You are a terse pirate.\nSpeak in short lines.', ADMIN);
      expect(status).toBe(200);
      expect(told).toBe('Persona set (v1).');
      expect(ctx.h.slack.responses.every((r) => r.body['response_type'] === 'ephemeral')).toBe(true);
      expect(ctx.h.slack.callsTo('chat.postMessage').map((c) => c.params['text'])).toEqual(["alice changed this channel's persona (now v1)."]);
      expect(ctx.h.slack.callsTo('chat.postMessage').map((c) => c.params['blocks'])).toEqual([
        [{ type: 'markdown', text: "alice changed this channel's persona (now v1)." }],
      ]);
      expect((await ctx.h.app.profiles.resolve(scope(ctx.h))).persona.value).toBe('You are a terse pirate.\nSpeak in short lines.');
    });

    it('refuses a member in one sentence and changes nothing', async () => {
      const before = await ctx.h.app.profiles.resolve(scope(ctx.h));
      expect((await ctx.h.run('/persona', 'set Be rude.', MEMBER)).told).toBe(NOT_ADMIN_SENTENCE);
      expect((await ctx.h.run('/fewshot', 'add Hi => Yo', MEMBER)).told).toBe(NOT_ADMIN_SENTENCE);
      expect((await ctx.h.run('/route', 'rag', MEMBER)).told).toBe(NOT_ADMIN_SENTENCE);
      const after = await ctx.h.app.profiles.resolve(scope(ctx.h));
      expect(after.persona).toEqual(before.persona);
      expect(after.fewshot.value).toEqual([]);
      expect(after.route).toEqual(before.route);
      expect(ctx.h.slack.callsTo('chat.postMessage')).toHaveLength(0);
    });

    it('lets an admin add few-shot examples and anyone list them, privately', async () => {
      expect((await ctx.h.run('/fewshot', 'add How do I reset my password? => Use the self-service portal.', ADMIN)).told).toMatch(/example 1/i);
      const listed = await ctx.h.run('/fewshot', 'list', MEMBER);
      expect(listed.told).toContain('How do I reset my password?');
      expect(listed.told).toContain('Use the self-service portal.');
      // Command replies are Markdown in a markdown block, with a plain-text fallback.
      const reply = ctx.h.slack.responses.at(-1)!.body;
      expect(reply['blocks']).toEqual([{ type: 'markdown', text: listed.told }]);
      expect(typeof reply['text'] === 'string' && reply['text'].includes('Use the self-service portal.')).toBe(true);
      expect((await ctx.h.app.profiles.resolve(scope(ctx.h))).fewshot.value).toHaveLength(1);
    });

    it('announces route changes and answers /route with the route and model', async () => {
      await ctx.h.run('/route', 'rag', ADMIN);
      expect(ctx.h.slack.callsTo('chat.postMessage').map((c) => c.params['text'])).toEqual(["alice set this channel's route to rag."]);
      const shown = await ctx.h.run('/route', '', MEMBER);
      expect(shown.told).toContain('rag');
      expect(shown.told).toContain('gpt-4o-mini');
    });

    it('asks users.info once per user within the cache time', async () => {
      await ctx.h.run('/persona', 'set One.', ADMIN);
      await ctx.h.run('/persona', 'set Two.', ADMIN);
      expect(ctx.h.slack.callsTo('users.info')).toHaveLength(1);
    });

    it('treats ADMIN_USER_IDS as admins without asking Slack', async () => {
      await ctx.restart({ adminUserIds: [MEMBER.id] });
      expect((await ctx.h.run('/persona', 'set Granted.', MEMBER)).told).toBe('Persona set (v1).');
      expect(ctx.h.slack.callsTo('users.info')).toHaveLength(0);
    });
  });

  describe('chat', () => {
    it('answers a mention in its thread, once, with the persona and the examples in the model request', async () => {
      await ctx.h.run('/persona', 'set You are a terse librarian.', ADMIN);
      await ctx.h.run('/fewshot', 'add Hi => Hello, reader.', ADMIN);
      ctx.openai.enqueue('chat', { text: 'We open at nine.' });
      const { ts, results } = await ctx.h.mention('When do you open?');
      expect(results.map((r) => r.status)).toEqual([200, 200]);
      await ctx.h.idle();

      expect(ctx.openai.chatBodies()).toHaveLength(1); // app_mention and message: one answer
      expect(ctx.openai.chatBodies()[0]?.messages).toEqual([
        { role: 'system', content: 'You are a terse librarian.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello, reader.' },
        { role: 'user', content: 'When do you open?' },
      ]);
      const replies = ctx.h.slack.botMessages(CHANNEL, ts);
      expect(replies.map(shownText)).toEqual(['We open at nine.']);
    });

    it('ignores malformed events (no timestamp, text of the wrong type) and answers the next good one', async () => {
      const base = { type: 'app_mention', user: MEMBER.id, channel: CHANNEL, event_ts: '1.0' };
      for (const event of [
        { ...base, text: `<@${ctx.h.slack.botUserId}> hi` },
        { ...base, ts: ctx.h.slack.nextTs(), text: { not: 'text' } },
        { ...base, ts: 42, text: 'x' },
      ]) {
        const result = await postEvent(ctx.h.url, envelope(event, { team: ctx.h.slack.team, botUserId: ctx.h.slack.botUserId }));
        expect(result.status).toBe(200);
      }
      await ctx.h.idle();
      expect(ctx.openai.requestsTo('chat')).toHaveLength(0);
      ctx.openai.enqueue('chat', { text: 'Still here.' });
      const { ts } = await ctx.h.mention('are you still there?');
      await ctx.h.idle();
      expect(ctx.h.slack.botTexts(CHANNEL, ts)).toEqual(['Still here.']);
    });

    it('answers a redelivered event once (x-slack-retry-num)', async () => {
      const event = ctx.h.message({ text: `<@${ctx.h.slack.botUserId}> ping` }, 'app_mention');
      await event.send();
      await event.send({ headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } });
      await event.send({ headers: { 'x-slack-retry-num': '2', 'x-slack-retry-reason': 'http_timeout' } });
      await ctx.h.idle();
      expect(ctx.openai.requestsTo('chat')).toHaveLength(1);
      expect(ctx.h.slack.botMessages(CHANNEL)).toHaveLength(1);
    });

    it('answers once across two processes sharing one store', async () => {
      const second = await SlackHarness.start({ openai: ctx.openai, app: ctx.h.app, slack: ctx.h.slack });
      try {
        const event = ctx.h.message({ text: `<@${ctx.h.slack.botUserId}> ping` }, 'app_mention');
        await event.send();
        await postEvent(second.url, event.body, { headers: { 'x-slack-retry-num': '1' } });
        // The same message as a `message` event, at the other process.
        await postEvent(second.url, envelope(messageEvent(event.fields), { team: ctx.h.slack.team }));
        await Promise.all([ctx.h.idle(), second.idle()]);
        expect(ctx.openai.requestsTo('chat')).toHaveLength(1);
      } finally {
        await second.stop();
      }
    });

    it('still knows an answered event after a restart', async () => {
      const slack = await FakeSlack.start();
      const firstApp = await SlackHarness.makeApp(ctx.openai);
      const first = await SlackHarness.start({ openai: ctx.openai, slack, app: firstApp });
      const event = first.message({ text: `<@${slack.botUserId}> ping` }, 'app_mention');
      await event.send();
      await first.idle();
      await first.stop();
      await firstApp.close(); // the file stays, as after a crash or deploy

      const reopened = await SlackHarness.makeApp(ctx.openai, { dir: firstApp.dir });
      const restarted = await SlackHarness.start({ openai: ctx.openai, slack, app: reopened });
      try {
        await postEvent(restarted.url, event.body, { headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } });
        await restarted.idle();
        expect(ctx.openai.requestsTo('chat')).toHaveLength(1);
        // …while a new message is answered as usual.
        await restarted.message({ text: `<@${slack.botUserId}> another` }, 'app_mention').send();
        await restarted.idle();
        expect(ctx.openai.requestsTo('chat')).toHaveLength(2);
        slack.assertNoViolations();
      } finally {
        await restarted.stop();
        await reopened.dispose();
        await slack.close();
      }
    });

    it('ignores its own messages and other bots', async () => {
      await ctx.h.message({ text: `<@${ctx.h.slack.botUserId}> from a bot`, user: 'U0OTHERBOT', bot_id: 'B0OTHER01' }).send();
      await ctx.h.message({ text: `<@${ctx.h.slack.botUserId}> bot message`, subtype: 'bot_message', bot_id: 'B0OTHER01' }).send();
      await ctx.h.message({ text: 'my own words', user: ctx.h.slack.botUserId, bot_id: ctx.h.slack.botId }).send();
      await ctx.h.idle();
      expect(ctx.openai.requestsTo('chat')).toHaveLength(0);
      expect(ctx.h.slack.calls.filter((c) => c.method.startsWith('chat.'))).toHaveLength(0);
    });

    it('stays quiet in a channel without a mention, but answers every message where the trigger is `always`', async () => {
      await ctx.h.message({ text: 'just chatting' }).send();
      await ctx.h.idle();
      expect(ctx.openai.requestsTo('chat')).toHaveLength(0);

      await ctx.h.app.profiles.setTrigger(scope(ctx.h), { id: ADMIN.id }, 'always');
      const { fields } = ctx.h.message({ text: 'anyone there?' });
      await ctx.h.message(fields).send();
      await ctx.h.idle();
      expect(ctx.openai.requestsTo('chat')).toHaveLength(1);
      expect(ctx.h.slack.botTexts(CHANNEL, fields.ts)).toEqual(['You said: anyone there?']);
    });

    it('answers a DM in place, not in a thread', async () => {
      await ctx.h.message({ channel: DM_CHANNEL, text: 'hello in private', channel_type: 'im' }).send();
      await ctx.h.idle();
      const posted = ctx.h.slack.callsTo('chat.postMessage');
      expect(posted).toHaveLength(1);
      expect(posted[0]?.params['thread_ts']).toBeUndefined();
      expect(ctx.h.slack.callsTo('chat.startStream')).toHaveLength(0); // native streams are for threads
      expect(ctx.h.slack.botTexts(DM_CHANNEL)).toEqual(['You said: hello in private']);
    });

    it('answers a follow-up in its thread without a mention, with the thread history', async () => {
      ctx.openai.enqueue('chat', { text: 'Nine o’clock.' });
      const { ts } = await ctx.h.mention('When do you open?');
      await ctx.h.idle();
      await ctx.h.message({ text: 'And on Sundays?', thread_ts: ts }).send();
      await ctx.h.idle();

      const bodies = ctx.openai.chatBodies();
      expect(bodies).toHaveLength(2);
      expect(bodies[1]?.messages.slice(-3)).toEqual([
        { role: 'user', content: 'When do you open?' },
        { role: 'assistant', content: 'Nine o’clock.' },
        { role: 'user', content: 'And on Sundays?' },
      ]);
      expect(ctx.h.slack.botMessages(CHANNEL, ts)).toHaveLength(2);
      expect(ctx.h.slack.callsTo('conversations.replies')).toHaveLength(1);
    });

    it('does not answer in a thread the bot is not part of', async () => {
      const root = ctx.h.message({ text: 'a thread between people' });
      await root.send();
      await ctx.h.message({ text: 'a reply between people', thread_ts: root.fields.ts }).send();
      await ctx.h.idle();
      expect(ctx.openai.requestsTo('chat')).toHaveLength(0);
      expect(ctx.h.slack.callsTo('conversations.replies')).toHaveLength(0);
    });
  });
});
