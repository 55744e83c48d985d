/**
 * Feedback on answers (issue 11): every delivered answer is recorded with its route, model,
 * profile version and citations, and carries its id to the adapter; each user's latest vote per
 * answer counts; an admin's 👍 (or ⭐) adds the exchange to the training set, a member's nothing;
 * votes survive a restart; the console votes with /feedback; /usage shows the counts by route.
 */
import type { FinalReply, ReplyEvent } from '../../../src/core/assistant';
import type { Replier } from '../../../src/core/conversation/pipeline';
import { OpenAIChatModel } from '../../../src/providers/openai/chat-model';
import { admin, makeTestApp, member, scopeA, testPermissions, type TestApp } from '../../helpers/app';
import { FakeOpenAI } from '../../helpers/fake-openai';
import { silentLogger } from '../../helpers/logger';

class FinalReplier implements Replier {
  readonly finals: FinalReply[] = [];
  async answer(events: AsyncIterable<ReplyEvent>): Promise<void> {
    for await (const event of events) if (event.type === 'done') this.finals.push(event.reply);
  }
  async tellSender(): Promise<void> {}
}

let counter = 0;

describe('feedback on answers', () => {
  let fake: FakeOpenAI;
  let app: TestApp;
  const model = () => new OpenAIChatModel({ baseUrl: fake.baseUrl, timeoutMs: 5000, maxRetries: 0, logger: silentLogger, maxRetryWaitMs: 100 });

  beforeAll(async () => {
    fake = await FakeOpenAI.start();
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(async () => {
    app = await makeTestApp({ model: model() });
  });
  afterEach(async () => {
    await app.dispose();
    fake.assertNoViolations();
  });

  async function ask(text: string, target: TestApp = app): Promise<FinalReply> {
    counter += 1;
    const replier = new FinalReplier();
    const pipeline = target.messages(target.commands(testPermissions));
    await pipeline.handle({ scope: scopeA, user: { ...member, isBot: false }, text, messageId: `fb${counter}`, mentioned: true, isDirect: false }, replier);
    const final = replier.finals[0];
    if (!final) throw new Error('no answer');
    return final;
  }

  it('records each answer with what it was answered by, and hands its id to the replier', async () => {
    await app.commands(testPermissions).run({ scope: scopeA, user: admin, name: 'persona', text: 'set You are terse.' });
    const reply = await ask('hello there');
    expect(reply.answerId).toEqual(expect.any(String));
    const record = await app.feedback.answer(reply.answerId ?? '');
    expect(record).toMatchObject({
      question: 'hello there',
      answer: 'You said: hello there',
      route: 'prompt',
      model: 'gpt-4o-mini',
      profileVersion: 1,
      cited: false,
    });
  });

  it('keeps one latest vote per user and answer through toggles, changes and re-votes', async () => {
    const { answerId = '' } = await ask('what is the plan?');
    const vote = (user: { id: string; name: string }, value: 'up' | 'down' | 'none', reason?: string) =>
      app.feedback.vote({ scope: scopeA, answerId, user, value, isAdmin: false, ...(reason ? { reason } : {}) });
    await vote(member, 'up');
    await vote(member, 'none'); // the same button again takes the vote back
    expect(await app.feedback.votesOf(scopeA, answerId)).toEqual({});
    await vote(member, 'up');
    await vote(member, 'down', 'It guessed.');
    await vote({ id: 'U_OTHER', name: 'carol' }, 'up');
    const votes = await app.feedback.votesOf(scopeA, answerId);
    expect(Object.keys(votes).sort()).toEqual(['U_MEMBER', 'U_OTHER']);
    expect(votes['U_MEMBER']).toMatchObject({ value: 'down', reason: 'It guessed.' });
    expect(await app.feedback.counts(scopeA, 30)).toEqual({ up: 1, down: 1, downOnQuestions: 1, downUnsourced: 1, byRoute: { prompt: { up: 1, down: 1 } } });
  });

  it('counts 👎 on knowledge questions answered without a source apart from those that cited one (a sign for RAG)', async () => {
    const record = (cited: boolean) =>
      app.feedback.record({
        scope: scopeA,
        question: 'What is the refund window?',
        answer: cited ? 'Thirty days [1].' : 'I think 30 days.',
        route: 'rag',
        model: 'gpt-4o-mini',
        cited,
      });
    for (const answer of [await record(true), await record(false)])
      await app.feedback.vote({ scope: scopeA, answerId: answer.id, user: member, value: 'down', isAdmin: false });
    expect(await app.feedback.counts(scopeA, 30)).toMatchObject({ down: 2, downOnQuestions: 2, downUnsourced: 1 });
  });

  it('counts concurrent votes of many users on one answer, none lost', async () => {
    const { answerId = '' } = await ask('hi');
    const users = Array.from({ length: 12 }, (_, i) => ({ id: `U${i}`, name: `u${i}` }));
    await Promise.all(users.map((user, i) => app.feedback.vote({ scope: scopeA, answerId, user, value: i % 3 === 0 ? 'down' : 'up', isAdmin: false })));
    expect(await app.feedback.counts(scopeA, 30)).toMatchObject({ up: 8, down: 4 });
  });

  it("adds the exchange to the training set on an admin's 👍 or ⭐, never on a member's", async () => {
    const first = await ask('how do I reset my password?');
    await app.feedback.vote({ scope: scopeA, answerId: first.answerId ?? '', user: member, value: 'up', isAdmin: false });
    expect(await app.feedback.star(scopeA, first.answerId ?? '', member, false)).toBe(false);
    expect(await app.training.approved(scopeA)).toEqual([]);

    const result = await app.feedback.vote({ scope: scopeA, answerId: first.answerId ?? '', user: admin, value: 'up', isAdmin: true });
    expect(result.approved).toBe(true);
    const second = await ask('where is the office?');
    expect(await app.feedback.star(scopeA, second.answerId ?? '', admin, true)).toBe(true);
    const approved = await app.training.approved(scopeA);
    expect(approved.map((e) => [e.input, e.output, e.source])).toEqual([
      ['how do I reset my password?', 'You said: how do I reset my password?', 'vote'],
      ['where is the office?', 'You said: where is the office?', 'reaction'],
    ]);
  });

  it('refuses a vote on an answer it does not keep, or of another channel, and changes nothing', async () => {
    const { answerId = '' } = await ask('hi');
    await expect(app.feedback.vote({ scope: scopeA, answerId: 'nope', user: member, value: 'up', isAdmin: false })).rejects.toThrow('no longer kept');
    const other = { ...scopeA, channel: 'C9' };
    await expect(app.feedback.vote({ scope: other, answerId, user: member, value: 'up', isAdmin: true })).rejects.toThrow('no longer kept');
    await expect(app.feedback.vote({ scope: scopeA, answerId, user: member, value: 'down', reason: 'x'.repeat(501), isAdmin: false })).rejects.toThrow(
      'limit is 500',
    );
    expect(await app.feedback.counts(scopeA, 30)).toMatchObject({ up: 0, down: 0 });
    expect(await app.training.approved(other)).toEqual([]);
  });

  it('keeps votes across a restart', async () => {
    const { answerId = '' } = await ask('hi');
    await app.feedback.vote({ scope: scopeA, answerId, user: member, value: 'down', reason: 'Too short.', isAdmin: false });
    await app.close();
    const again = await makeTestApp({ model: model(), dir: app.dir });
    try {
      expect((await again.feedback.votesOf(scopeA, answerId))['U_MEMBER']).toMatchObject({ value: 'down', reason: 'Too short.' });
    } finally {
      await again.close();
    }
  });

  it('votes from the console with /feedback on the last answer, and /usage shows the counts by route', async () => {
    const runner = app.commands({ isAdmin: async () => true });
    expect((await runner.run({ scope: scopeA, user: admin, name: 'feedback', text: 'up' })).text).toBe(
      'There is no answer to vote on yet; ask me something first.',
    );
    await ask('first');
    const { answerId = '' } = await ask('second');
    expect((await runner.run({ scope: scopeA, user: admin, name: 'feedback', text: 'down It echoed me.' })).text).toBe('Recorded your 👎 on the last answer.');
    expect((await app.feedback.votesOf(scopeA, answerId))['U_ADMIN']).toMatchObject({ value: 'down', reason: 'It echoed me.' });
    expect((await runner.run({ scope: scopeA, user: admin, name: 'feedback', text: 'up' })).text).toBe(
      'Recorded your 👍 on the last answer; it was added to the training set.',
    );
    const usage = (await runner.run({ scope: scopeA, user: member, name: 'usage', text: '' })).text;
    expect(usage).toContain('feedback — prompt 👍 1 · 👎 0');
  });

  it("keeps only the console's answers as a channel's last (Slack and Discord vote by buttons naming the answer)", async () => {
    const record = (scope: typeof scopeA | { platform: 'slack'; workspace: string; channel: string }) =>
      app.feedback.record({ scope, question: 'q', answer: 'a', route: 'prompt', model: 'gpt-4o-mini', cited: false });
    const slack = { platform: 'slack', workspace: 'T1', channel: 'C1' } as const;
    const console = await record(scopeA);
    const onSlack = await record(slack);
    expect(await app.feedback.lastAnswerId(scopeA)).toBe(console.id);
    expect(await app.feedback.lastAnswerId(slack)).toBeUndefined();
    // The Slack answer itself is kept: its buttons name it.
    expect(await app.feedback.answer(onSlack.id)).toMatchObject({ scope: slack, answer: 'a' });
  });
});
