/**
 * How answers reach Slack: native streams in threads, the chat.update fallback and its rate, long
 * answers in parts, neutralised mentions, model failures, and the ack that never waits for the model.
 */
import { fakeErrors } from '../../helpers/fake-openai';
import { shownText } from '../../helpers/fake-slack';
import { CHANNEL, DM_CHANNEL, useSlackHarness } from '../../helpers/slack-harness';

/** The recorded answer's 👍 / 👎 buttons end its final message (SPEC §8; their own tests: slack-feedback). */
const FEEDBACK_BLOCK = { type: 'context_actions', elements: [expect.objectContaining({ type: 'feedback_buttons' })] };

function openFences(text: string): number {
  return text.split('\n').filter((line) => /^\s*```/.test(line)).length % 2;
}

/** A 5,000-character answer with paragraphs and a code block in the middle. */
function longAnswer(): string {
  const paragraph = (i: number) => `Paragraph ${i}: ${'lorem ipsum dolor sit amet '.repeat(8).trim()}.`;
  const code = Array.from({ length: 40 }, (_, i) => `const value${i} = compute(${i}); // step ${i}`).join('\n');
  let text = [paragraph(1), paragraph(2), paragraph(3), paragraph(4), paragraph(5), paragraph(6), paragraph(7), paragraph(8)].join('\n\n');
  text += `\n\n\`\`\`ts\n${code}\n\`\`\`\n\n`;
  for (let i = 9; text.length < 5000; i++) text += `${paragraph(i)}\n\n`;
  return text.trim();
}

describe('Slack replies', () => {
  const ctx = useSlackHarness();

  it('streams natively in threads, to the asking user', async () => {
    ctx.openai.enqueue('chat', { deltas: ['The ', 'answer ', 'is ', '**42**.'] });
    const { ts } = await ctx.h.mention('What is the answer?');
    await ctx.h.idle();
    const starts = ctx.h.slack.callsTo('chat.startStream');
    expect(starts).toHaveLength(1);
    expect(starts[0]?.params).toMatchObject({ channel: CHANNEL, thread_ts: ts, recipient_team_id: ctx.h.slack.team, recipient_user_id: 'U0MEMBER01' });
    expect(ctx.h.slack.callsTo('chat.stopStream')).toHaveLength(1);
    expect(ctx.h.slack.callsTo('chat.update')).toHaveLength(0);
    expect(ctx.h.slack.botTexts(CHANNEL, ts)).toEqual(['The answer is **42**.']); // Markdown: Slack renders it
  });

  describe('an answer complete before streaming would begin (shortAnswerMs)', () => {
    it('is posted whole in one chat.postMessage: no stream, no placeholder', async () => {
      await ctx.restart({ shortAnswerMs: 300 });
      ctx.openai.enqueue('chat', { deltas: ['The ', 'answer ', 'is ', '**42**.'] });
      const { ts } = await ctx.h.mention('What is the answer?');
      await ctx.h.idle();
      expect(ctx.h.slack.callsTo('chat.startStream')).toHaveLength(0);
      expect(ctx.h.slack.callsTo('chat.update')).toHaveLength(0);
      const posts = ctx.h.slack.callsTo('chat.postMessage');
      expect(posts).toHaveLength(1);
      expect(posts[0]?.params).toMatchObject({
        channel: CHANNEL,
        thread_ts: ts,
        text: 'The answer is 42.',
        blocks: [{ type: 'markdown', text: 'The answer is **42**.' }, FEEDBACK_BLOCK],
      });
      expect(ctx.h.slack.botTexts(CHANNEL, ts)).toEqual(['The answer is **42**.']);
    });

    it('streams an answer still coming when the time is up, starting with what has arrived', async () => {
      await ctx.restart({ shortAnswerMs: 300 });
      ctx.openai.enqueue('chat', { deltas: ['One ', 'word ', 'at ', 'a ', 'time.'], tokenDelayMs: 150 });
      const { ts } = await ctx.h.mention('Slowly, please.');
      await ctx.h.idle();
      expect(ctx.h.slack.callsTo('chat.postMessage')).toHaveLength(0);
      const starts = ctx.h.slack.callsTo('chat.startStream');
      expect(starts).toHaveLength(1);
      expect(ctx.h.slack.callsTo('chat.stopStream')).toHaveLength(1);
      expect(ctx.h.slack.botTexts(CHANNEL, ts)).toEqual(['One word at a time.']);
    });

    it('streams a long answer at once, however fast it came', async () => {
      await ctx.restart({ shortAnswerMs: 5000 });
      ctx.openai.enqueue('chat', { text: longAnswer() });
      const { ts } = await ctx.h.mention('Write a lot.');
      await ctx.h.idle();
      expect(ctx.h.slack.callsTo('chat.startStream').length).toBeGreaterThanOrEqual(2);
      expect(ctx.h.slack.callsTo('chat.postMessage')).toHaveLength(0);
      expect(ctx.h.slack.botTexts(CHANNEL, ts).join('\n')).toContain('Paragraph 9:');
    });

    it('keeps the placeholder path for DMs answered in place', async () => {
      await ctx.restart({ shortAnswerMs: 300 });
      ctx.openai.enqueue('chat', { deltas: ['Hello ', 'there.'] });
      await ctx.h.message({ channel: DM_CHANNEL, text: 'hi', channel_type: 'im' }).send();
      await ctx.h.idle();
      const posts = ctx.h.slack.callsTo('chat.postMessage');
      expect(posts[0]?.params).toMatchObject({ channel: DM_CHANNEL, text: '_Thinking…_' });
    });
  });

  it('answers on the RAG route with numbered citations and a sources list, in Slack formatting', async () => {
    expect((await ctx.h.run('/route', 'rag')).told).toMatch(/^Route set to rag\./);
    expect((await ctx.h.run('/kb', 'add Opening hours\n\nThe library opens at nine and closes at six.')).told).toMatch(/^Added "Opening hours" as d1/);
    ctx.h.slack.refuseStreaming = true; // the chat.update path: a markdown block, rendered by Slack
    ctx.openai.enqueue('chat', { deltas: ['It opens ', 'at **nine** [1].'] });
    const { ts } = await ctx.h.mention('When does the library open?');
    await ctx.h.idle();
    expect(ctx.h.slack.botTexts(CHANNEL, ts)).toEqual(['It opens at **nine** [1].\n\n**Sources**\n[1] Opening hours']);
    // The notification fallback reads as plain text.
    expect(ctx.h.slack.botMessages(CHANNEL, ts).map((m) => m.text)).toEqual(['It opens at nine [1].\n\nSources\n[1] Opening hours']);
    const context = String(ctx.openai.chatBodies()[0]?.messages[1]?.content);
    expect(context).toMatch(/^<sources>[\s\S]*\[1\] Opening hours/);
  });

  it('says it has no source on the RAG route when nothing relevant is found, without calling the model', async () => {
    await ctx.h.run('/route', 'rag');
    const { ts } = await ctx.h.mention('What is the capital of Mongolia?');
    await ctx.h.idle();
    expect(ctx.h.slack.botTexts(CHANNEL, ts)).toEqual(["I couldn't find anything about that in this channel's knowledge base, so I won't guess."]);
    expect(ctx.openai.chatBodies()).toHaveLength(0);
  });

  it('falls back to a placeholder edited with chat.update when Slack refuses streaming, and remembers that', async () => {
    ctx.h.slack.refuseStreaming = true;
    ctx.openai.enqueue('chat', { deltas: ['The ', 'answer ', 'is ', '**42**.'] });
    const { ts } = await ctx.h.mention('What is the answer?');
    await ctx.h.idle();
    expect(ctx.h.slack.callsTo('chat.startStream')).toHaveLength(1);
    const posted = ctx.h.slack.callsTo('chat.postMessage');
    expect(posted).toHaveLength(1);
    expect(posted[0]?.params).toMatchObject({ channel: CHANNEL, thread_ts: ts, text: '_Thinking…_' });
    expect(ctx.h.slack.botTexts(CHANNEL, ts)).toEqual(['The answer is **42**.']); // the markdown block, as the model wrote it
    expect(ctx.h.slack.botMessages(CHANNEL, ts).map((m) => m.text)).toEqual(['The answer is 42.']); // the fallback
    const lastUpdate = ctx.h.slack.callsTo('chat.update').at(-1)!;
    expect(lastUpdate.params).toMatchObject({ text: 'The answer is 42.', blocks: [{ type: 'markdown', text: 'The answer is **42**.' }, FEEDBACK_BLOCK] });

    await ctx.h.mention('And again?');
    await ctx.h.idle();
    expect(ctx.h.slack.callsTo('chat.startStream')).toHaveLength(1); // not asked again for this workspace
    expect(ctx.h.slack.callsTo('chat.postMessage')).toHaveLength(2);
  });

  describe('Markdown reaches Slack as the model wrote it (chat.update path: a markdown block)', () => {
    beforeEach(() => {
      ctx.h.slack.refuseStreaming = true;
    });

    it('**bold *italic*** arrives with its ** intact', async () => {
      ctx.openai.enqueue('chat', { deltas: ['This is ', '**bold *italic***', ', really.'] });
      const { ts } = await ctx.h.mention('Emphasise it.');
      await ctx.h.idle();
      expect(ctx.h.slack.botTexts(CHANNEL, ts)).toEqual(['This is **bold *italic***, really.']);
      expect(ctx.h.slack.botMessages(CHANNEL, ts).map((m) => m.text)).toEqual(['This is bold italic, really.']);
    });

    it('backslash escapes arrive unchanged', async () => {
      const answer = '\\*not italic\\*, \\_not either\\_, 2 \\* 3 \\# no heading, a\\\\b and `\\*code\\*`';
      ctx.openai.enqueue('chat', { text: answer });
      const { ts } = await ctx.h.mention('Escape it.');
      await ctx.h.idle();
      expect(ctx.h.slack.botTexts(CHANNEL, ts)).toEqual([answer]);
      expect(ctx.h.slack.botMessages(CHANNEL, ts)[0]!.text).toMatch(/^\*not italic\*, _not either_, 2 \* 3 # no heading/);
    });

    it('a ```` block with an inner ``` line stays one block across parts', async () => {
      const inner = Array.from({ length: 10 }, (_, i) => `console.log(${i});`).join('\n');
      const outer = Array.from({ length: 150 }, (_, i) => `outer line ${i} ${'v'.repeat(30)}`).join('\n');
      ctx.openai.enqueue('chat', { text: `Example:\n\n\`\`\`\`md\n\`\`\`js\n${inner}\n\`\`\`\n${outer}\n\`\`\`\`\n\nDone.` });
      const { ts } = await ctx.h.mention('Show me nested fences.');
      await ctx.h.idle();
      const parts = ctx.h.slack.botTexts(CHANNEL, ts);
      expect(parts.length).toBeGreaterThanOrEqual(2);
      expect(parts[0]!.endsWith('\n````')).toBe(true);
      expect(parts[1]!.startsWith('````md\n')).toBe(true);
    });
  });

  it('edits each message at most once a second, the final edit included', async () => {
    await ctx.restart({ nativeStreaming: false });
    ctx.openai.enqueue('chat', { deltas: Array.from({ length: 16 }, (_, i) => `word${i} `), tokenDelayMs: 150 });
    await ctx.h.mention('Tell me a story.');
    await ctx.h.idle();
    const updates = ctx.h.slack.callsTo('chat.update');
    expect(updates.length).toBeGreaterThanOrEqual(2);
    expect(new Set(updates.map((u) => u.params['ts'])).size).toBe(1);
    const posted = ctx.h.slack.callsTo('chat.postMessage')[0]!;
    for (let i = 1; i < updates.length; i++) {
      expect(updates[i]!.at - updates[i - 1]!.at).toBeGreaterThanOrEqual(990); // timer tolerance
    }
    expect(updates[0]!.at).toBeGreaterThanOrEqual(posted.at);
    expect(String(updates.at(-1)?.params['text']).trim()).toBe(Array.from({ length: 16 }, (_, i) => `word${i}`).join(' '));
  });

  it('splits a 5,000-character answer into parts of at most 3,900 characters with code blocks closed (native stream)', async () => {
    const answer = longAnswer();
    expect(answer.length).toBeGreaterThanOrEqual(5000);
    ctx.openai.enqueue('chat', { text: answer });
    const { ts } = await ctx.h.mention('Write a lot.');
    await ctx.h.idle();
    const parts = ctx.h.slack.botTexts(CHANNEL, ts);
    expect(parts.length).toBeGreaterThanOrEqual(2);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(3900);
      expect(openFences(part)).toBe(0);
    }
    expect(ctx.h.slack.callsTo('chat.startStream')).toHaveLength(parts.length);
    const joined = parts.join('');
    for (const line of answer.split('\n').filter(Boolean)) expect(joined).toContain(line);
  });

  it('splits a 5,000-character answer in the chat.update fallback too', async () => {
    ctx.h.slack.refuseStreaming = true;
    ctx.openai.enqueue('chat', { text: longAnswer() });
    const { ts } = await ctx.h.mention('Write a lot.');
    await ctx.h.idle();
    const parts = ctx.h.slack.botTexts(CHANNEL, ts);
    expect(parts.length).toBeGreaterThanOrEqual(2);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(3900);
      expect(openFences(part)).toBe(0);
    }
    for (const call of [...ctx.h.slack.callsTo('chat.postMessage'), ...ctx.h.slack.callsTo('chat.update')]) {
      expect(String(call.params['text']).length).toBeLessThanOrEqual(3900);
      expect(shownText(call.params).length).toBeLessThanOrEqual(3900);
    }
  });

  it.each([
    ['native stream', false],
    ['chat.update fallback', true],
  ])('neutralises mentions the model writes (%s)', async (_name, refuse) => {
    ctx.h.slack.refuseStreaming = refuse;
    ctx.openai.enqueue('chat', { deltas: ['Attention <!chan', 'nel> <!here> <!everyone> ', '<!subteam^S1> and <@U1', '23>, please read.'] });
    const { ts } = await ctx.h.mention('Say hi to everyone.');
    await ctx.h.idle();
    const [text] = ctx.h.slack.botTexts(CHANNEL, ts);
    expect(text).toBeDefined();
    expect(text).not.toMatch(/<[!@]/);
    expect(text).not.toMatch(/@(channel|here|everyone)\b/);
    expect(text).toContain('please read');
    const sent = ctx.h.slack.calls.filter((c) => c.method.startsWith('chat.')).map((c) => JSON.stringify(c.params));
    for (const params of sent) expect(params).not.toMatch(/<[!@](channel|here|everyone|subteam|U123)/);
  });

  it('answers a model outage with one clear sentence', async () => {
    ctx.openai.enqueue('chat', { error: fakeErrors.serverError(503) });
    const { ts } = await ctx.h.mention('Are you there?');
    await ctx.h.idle();
    const texts = ctx.h.slack.botTexts(CHANNEL, ts);
    expect(texts).toHaveLength(1);
    expect(texts[0]).toMatch(/^[^.\n]+[.!]$/);
    expect(texts[0]).toMatch(/unavailable/i);
    expect(texts[0]).not.toMatch(/Error|at |503|stack/);
  });

  it('answers a DM outage in place too', async () => {
    ctx.openai.enqueue('chat', { error: fakeErrors.rateLimited() });
    await ctx.h.message({ channel: DM_CHANNEL, text: 'hello?', channel_type: 'im' }).send();
    await ctx.h.idle();
    const texts = ctx.h.slack.botTexts(DM_CHANNEL);
    expect(texts).toHaveLength(1);
    expect(texts[0]!.split(/(?<=[.!?])\s/)).toHaveLength(1);
  });

  it('acknowledges the event before the model answers, even when the model takes 10 s', async () => {
    ctx.openai.enqueue('chat', { text: 'Finally.', firstTokenDelayMs: 10_000 });
    const event = ctx.h.message({ text: `<@${ctx.h.slack.botUserId}> slow question` }, 'app_mention');
    const ack = await event.send();
    expect(ack.status).toBe(200);
    // At the moment Slack had its 200, nothing of the answer existed yet.
    expect(ctx.h.slack.calls.filter((c) => c.method.startsWith('chat.'))).toHaveLength(0);
    await ctx.h.idle();
    const answered = ctx.h.slack.callsTo('chat.startStream')[0]!;
    expect(ack.receivedAt).toBeLessThan(answered.at);
    expect(ctx.h.slack.botTexts(CHANNEL, event.fields.ts)).toEqual(['Finally.']);
  }, 30_000);
});
