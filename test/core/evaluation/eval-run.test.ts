/**
 * `/eval` end to end against the fake OpenAI server, which answers a case right only when the
 * request holds what a lever adds (few-shot pairs, the passage, a fine-tuned model id): the report
 * ranks the levers as the answers actually returned make them; cases never travel as examples;
 * held-out examples stay out of the run's prompts; members are refused; the budget stops a run.
 * /advise then reads the last report (and the votes): a lever measured clear above the tree's next
 * one is recommended with both scores, a run that is not conclusive keeps the tree's order.
 */
import type { ChatRequestBody } from '../../helpers/fake-openai';
import { OpenAIChatModel } from '../../../src/providers/openai/chat-model';
import { RUN_IN_PROGRESS_SENTENCE } from '../../../src/core/evaluation/runner';
import { channelKnowledgeBase } from '../../../src/core/profiles/resolve';
import { admin, makeTestApp, member, scopeA, testConfig, testPermissions, type TestApp } from '../../helpers/app';
import { FakeOpenAI } from '../../helpers/fake-openai';
import { evalAnswers, seedEvaluation, styleCases, type FakeCase } from '../../helpers/fake-eval-answers';
import { silentLogger } from '../../helpers/logger';
import { ask, command } from '../../helpers/usage';

const FACTS: FakeCase[] = [
  ['What is the office wifi password?', 'tulip42'],
  ['Which floor is the canteen on?', 'the third floor'],
  ['Who approves travel requests?', 'Dana Okafor'],
  ['When is the payroll cut-off?', 'the 20th of each month'],
  ['Where are spare laptops kept?', 'locker B7'],
  ['What is the support hotline extension?', 'extension 4410'],
].map(([input, expected]) => ({ input: input as string, expected: expected as string, needs: 'passage' as const }));
const STYLE: FakeCase[] = [
  ['Say hello', 'Ahoy there'],
  ['Say goodbye', 'Fair winds'],
  ['Say thanks', 'Much obliged, matey'],
  ['Say sorry', 'Beg pardon, matey'],
  ['Say yes', 'Aye aye'],
  ['Say no', 'Nay, matey'],
].map(([input, expected]) => ({ input: input as string, expected: expected as string, needs: 'examples' as const }));
const NOT_ADMIN = "Only admins can change this channel's setup; nothing was changed.";
const CASES = [...FACTS, ...STYLE];
const HANDBOOK = FACTS.map((c) => `${c.input.replace('?', '')}: ${c.expected}.`).join('\n\n');

describe('/eval', () => {
  let fake: FakeOpenAI;
  let app: TestApp;
  const run = (text: string, user: typeof admin | typeof member = admin, target: TestApp = app) =>
    target.commands(testPermissions).run({ scope: scopeA, user, name: 'eval', text });
  const admin_ = (name: string, text: string) => app.commands(testPermissions).run({ scope: scopeA, user: admin, name, text });
  const chatBodies = () => fake.requests.filter((r) => r.endpoint === 'chat').map((r) => r.body as ChatRequestBody);

  beforeAll(async () => {
    fake = await FakeOpenAI.start();
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(async () => {
    fake.reset();
    fake.chatReply = evalAnswers(CASES);
    app = await makeTestApp({
      model: new OpenAIChatModel({ baseUrl: fake.baseUrl, timeoutMs: 5000, maxRetries: 0, logger: silentLogger, maxRetryWaitMs: 100 }),
    });
  });
  afterEach(async () => {
    await app.dispose();
    fake.assertNoViolations();
  });

  async function setUpChannel(withCases = true): Promise<void> {
    await admin_('fewshot', 'add Say hi => Ahoy, matey');
    await admin_('fewshot', 'add Say bye => Fair winds, matey');
    await app.knowledge.add(channelKnowledgeBase(scopeA), { kind: 'text', text: HANDBOOK }, admin.id, scopeA);
    // Style requests find no passage; the live RAG route then answers without sources.
    await admin_('kb', 'strict off');
    if (withCases) for (const c of CASES) expect((await run(`add ${c.input} => ${c.expected}`)).text).toMatch(/^Added evaluation case \d+/);
  }

  it('ranks the levers as the answers they got make them, with intervals, cost and latency', async () => {
    await setUpChannel();
    const text = (await run('run prompt fewshot rag')).text;
    const rows = text.split('\n').filter((line) => / · \d+ cases · /.test(line));
    expect(rows.map((row) => row.split(' · ')[0])).toEqual(['prompt', 'fewshot', 'rag']);
    const score = (lever: string) => Number(/score (\d\.\d\d)/.exec(rows.find((r) => r.startsWith(`${lever} `)) ?? '')?.[1]);
    // The fake answers facts only from a passage and style only from examples.
    expect(score('prompt')).toBe(0);
    expect(score('fewshot')).toBe(0.5);
    expect(score('rag')).toBe(1);
    expect(rows[0]).toMatch(/^prompt · 12 cases · score 0\.00 \(95% 0\.00–0\.00\) · \$[\d.]+ per answer · p50 \d+ ms$/);
    expect(text).toContain('Best: rag');
    expect(text).not.toContain('not conclusive');
    expect(text).toMatch(/estimated cost \$[\d.]+ before starting/);
    // 12 cases × 3 levers, each a real request counted as the channel's `eval` usage.
    expect(chatBodies()).toHaveLength(36);
    const usage = await app.usage.report(scopeA, 7);
    expect(usage.lines.find((l) => l.line === 'eval')?.totals.requests).toBe(36);
    expect((await run('report', member)).text).toContain('Best: rag');
  });

  it('never sends a case as an example, and breaks a tie by cost', async () => {
    await setUpChannel();
    await admin_('fewshot', `add ${STYLE[0]?.input} => ${STYLE[0]?.expected}`); // the same input as a case
    await admin_('route', 'finetune ft:gpt-4o-mini:acme::abc123');
    const text = (await run('run')).text;
    for (const body of chatBodies()) {
      const examples = body.messages.slice(1, -1);
      for (const c of CASES) expect(examples.filter((m) => m.role === 'assistant').map((m) => m.content)).not.toContain(c.expected);
      for (const c of CASES) expect(examples.map((m) => m.content)).not.toContain(c.input);
    }
    expect((await app.training.examples(scopeA, await app.evaluation.cases.evaluationInputs(scopeA))).map((e) => e.input)).not.toContain(STYLE[0]?.input);
    // rag and finetune both score 1; the fine-tuned model's short prompt is the cheaper one.
    expect(text).toContain('Best: finetune (not conclusive: the intervals of finetune and rag overlap)');
  });

  it('holds out one in five examples when there are no cases, and keeps them out of the prompts', async () => {
    for (let i = 1; i <= 10; i += 1) await admin_('fewshot', `add Question ${i} => Answer ${i}`);
    const text = (await run('run prompt fewshot')).text;
    expect(text).toContain('This channel has no evaluation cases, so 2 of its few-shot examples (one in five) were held out');
    expect(text).toContain('not conclusive: fewer than 10 cases');
    const asked = new Set(chatBodies().map((b) => String(b.messages[b.messages.length - 1]?.content)));
    expect(asked.size).toBe(2);
    for (const body of chatBodies()) for (const m of body.messages.slice(1, -1)) expect(asked.has(String(m.content))).toBe(false);
    // The same two every run: stable by id.
    fake.reset();
    fake.chatReply = evalAnswers(CASES);
    await run('run prompt');
    expect(new Set(chatBodies().map((b) => String(b.messages[b.messages.length - 1]?.content)))).toEqual(asked);
  });

  it('judges answers against the expected ones, pairwise in a recorded random order', async () => {
    await setUpChannel();
    const text = (await run('run fewshot rag --judge')).text;
    expect(text).toMatch(/^rag · 12 cases · score 1\.00 .* · judge 1\.00 /m);
    expect(text).toMatch(/^fewshot · 12 cases · score 0\.50 .* · judge 0\.60 /m);
    expect(text).toMatch(/Judge, pairwise \(order drawn at random, seed \d+; \d+ of 12 shown swapped\): rag 6 · fewshot 0 · ties 6/);
    const judge = (await app.usage.report(scopeA, 7)).lines.find((l) => l.line === 'judge');
    expect(judge?.totals.requests).toBe(24 + 12);
  });

  it('tells the caller its start and its progress (every progressEvery answers) before the report', async () => {
    await setUpChannel();
    const notes: { text: string; done?: number; total?: number }[] = [];
    const reply = await app
      .commands(testPermissions)
      .run({ scope: scopeA, user: admin, name: 'eval', text: 'run prompt fewshot rag' }, { progress: async (note) => void notes.push(note) });
    // 12 cases through 3 levers: 36 answers, progress at 20 (config/default.json's progressEvery).
    expect(notes).toEqual([
      { text: expect.stringMatching(/^Evaluating 12 case\(s\) through prompt, fewshot, rag, estimated cost \$[\d.]+; the report follows when it is done\.$/) },
      { text: 'Evaluating 12 case(s) through prompt, fewshot, rag: 20 of 36 answers so far.', done: 20, total: 36 },
    ]);
    expect(reply.text).toMatch(/^Evaluated 12 case\(s\) through prompt, fewshot, rag \(estimated cost/);
  });

  it('runs one evaluation per channel at a time: a second /eval run meanwhile is refused and sends nothing', async () => {
    await setUpChannel();
    let second: Promise<{ text: string }> | undefined;
    const first = app.commands(testPermissions).run(
      { scope: scopeA, user: admin, name: 'eval', text: 'run prompt' },
      {
        progress: async () => {
          second ??= run('run prompt fewshot');
        },
      },
    );
    expect((await first).text).toMatch(/^Evaluated 12 case\(s\) through prompt/);
    expect((await second!).text).toBe(RUN_IN_PROGRESS_SENTENCE);
    // Only the first run's answers reached the model: 12 cases through one lever.
    expect(chatBodies()).toHaveLength(12);
    // Once it is done, the channel can run again.
    expect((await run('run prompt')).text).toMatch(/^Evaluated 12 case\(s\)/);
  });

  it('tells nothing before refusing a run it cannot make', async () => {
    const notes: unknown[] = [];
    const reply = await app
      .commands(testPermissions)
      .run({ scope: scopeA, user: admin, name: 'eval', text: 'run' }, { progress: async (note) => void notes.push(note) });
    expect(reply.text).toMatch(/^This channel has no evaluation cases and no few-shot examples to hold out/);
    expect(notes).toEqual([]);
  });

  it("refuses a member's /eval add and /eval run and changes nothing", async () => {
    await setUpChannel(false);
    expect((await run('add 2+2? => 4', member)).text).toBe(NOT_ADMIN);
    expect((await run('remove 1', member)).text).toBe(NOT_ADMIN);
    expect((await run('run', member)).text).toBe(NOT_ADMIN);
    expect((await run('list', member)).text).toBe('This channel has no evaluation cases yet; add one with /eval add <input> => <expected>.');
    expect(chatBodies()).toHaveLength(0);
    expect((await run('report', member)).text).toMatch(/^No evaluation has run/);
  });

  it('lists, removes and limits cases; bad input changes nothing', async () => {
    const small = await makeTestApp({ config: testConfig({}, { evaluation: { ...testConfig().evaluation, maxCases: 2, caseChars: 20 } }) });
    try {
      expect((await run('add a? => b', admin, small)).text).toBe('Added evaluation case 1; it is never used as an example or for training.');
      expect((await run('add a? => c', admin, small)).text).toBe('This channel already has an evaluation case with that input.');
      expect((await run(`add ${'x'.repeat(21)} => y`, admin, small)).text).toBe('That input is 21 characters; the limit is 20.');
      await run('add c? => d', admin, small);
      expect((await run('add e? => f', admin, small)).text).toMatch(/already has 2 evaluation cases, the limit/);
      expect((await run('remove 3', admin, small)).text).toBe('There is no case 3; /eval list shows 1 to 2.');
      expect((await run('remove 1', admin, small)).text).toBe('Removed evaluation case 1: a?');
      expect((await run('list', member, small)).text).toBe('1. c? => d');
    } finally {
      await small.dispose();
    }
  });

  it('stops a run at the channel budget with one clear sentence', async () => {
    const pricey = await makeTestApp({
      config: testConfig({}, { prices: { ...testConfig().prices, 'gpt-4o-mini': { input: 200, cachedInput: 100, output: 200 } } }),
      model: new OpenAIChatModel({ baseUrl: fake.baseUrl, timeoutMs: 5000, maxRetries: 0, logger: silentLogger, maxRetryWaitMs: 100 }),
    });
    try {
      for (const c of CASES) await run(`add ${c.input} => ${c.expected}`, admin, pricey);
      await pricey.commands(testPermissions).run({ scope: scopeA, user: admin, name: 'budget', text: 'set 0.05' });
      const text = (await run('run prompt', admin, pricey)).text;
      expect(text).toMatch(/^The evaluation stopped after \d+ of 12 answers: .*\$0\.05/);
      expect(text.split('\n')).toHaveLength(1);
      expect(chatBodies().length).toBeLessThan(12);
      expect((await run('report', admin, pricey)).text).toMatch(/^No evaluation has run/);
    } finally {
      await pricey.dispose();
    }
  });

  it('offline: says evaluation needs a model and shows the cases and the prompt tokens per lever', async () => {
    const offline = await makeTestApp();
    try {
      await run('add Say hello => Ahoy there', admin, offline);
      await offline.commands(testPermissions).run({ scope: scopeA, user: admin, name: 'fewshot', text: 'add Say hi => Ahoy, matey' });
      const text = (await run('run', admin, offline)).text;
      expect(text.split('\n')[0]).toBe('Evaluation needs a model, and none is configured (offline mode); this is what a run would send.');
      expect(text).toContain('1. Say hello => Ahoy there');
      const tokens = (lever: string) => Number(new RegExp(`^${lever}: (\\d+) prompt tokens`, 'm').exec(text)?.[1]);
      expect(tokens('fewshot')).toBeGreaterThan(tokens('prompt'));
    } finally {
      await offline.dispose();
    }
  });

  describe('/advise with the last evaluation and the votes', () => {
    const recommendation = (text: string) => /^Recommendation: (\S+)$/m.exec(text)?.[1];

    it('suggests /eval run with 10 cases, then recommends the lever the run measured clear above the next one', async () => {
      fake.chatReply = evalAnswers(styleCases(12));
      await seedEvaluation(app, scopeA, admin, styleCases(12));
      const before = (await command(app, scopeA, '/advise', member)).text;
      expect(recommendation(before)).toBe('prompt');
      expect(before).toContain('This channel has 12 evaluation cases: /eval run scores the levers side by side on them');
      expect(before).toContain('• last evaluation: none run; 12 cases (measured)');

      expect((await command(app, scopeA, '/eval run prompt fewshot')).text).toContain('Best: fewshot');
      const after = (await command(app, scopeA, '/advise', member)).text;
      expect(recommendation(after)).toBe('few-shot');
      expect(after).toContain('fewshot scored 1.00 [1.00–1.00] vs prompt 0.00 [0.00–0.00] on 12 cases (measured), intervals apart');
      expect(after).toMatch(
        /^• last evaluation \(12 cases, \d{4}-\d\d-\d\d\): fewshot 1\.00 \[1\.00–1\.00\] · prompt 0\.00 \[0\.00–0\.00\]; best fewshot \(measured\)$/m,
      );
    });

    it('says a run under 10 cases was not conclusive and keeps the tree’s order', async () => {
      fake.chatReply = evalAnswers(styleCases(6));
      await seedEvaluation(app, scopeA, admin, styleCases(6));
      expect((await command(app, scopeA, '/advise', member)).text).not.toContain('/eval run');
      await command(app, scopeA, '/eval run prompt fewshot');
      const text = (await command(app, scopeA, '/advise', member)).text;
      expect(recommendation(text)).toBe('prompt');
      expect(text).toContain(
        'The last evaluation (6 cases) was not conclusive (fewer than 10 cases), so the usual order prompt → few-shot → RAG → fine-tune stands.',
      );
    });

    it('shows the votes on the channel’s answers by route', async () => {
      const answer = await ask(app, scopeA, 'What is the refund policy?');
      await app.feedback.vote({ scope: scopeA, answerId: answer.answerId ?? '', user: member, value: 'down', isAdmin: false });
      await app.feedback.vote({ scope: scopeA, answerId: answer.answerId ?? '', user: admin, value: 'up', isAdmin: false });
      const text = (await command(app, scopeA, '/advise', member)).text;
      expect(text).toContain('• votes by route: prompt 👍 1 · 👎 1 (measured)');
      expect(text).toContain('• 👎 on answers to knowledge questions: 1, 1 of them with no source (measured)');
    });
  });
});
