/**
 * The fine-tuning lifecycle on both providers, through the real command path and the real SDK /
 * fetch clients against the fakes: start (admins only), the job watched through validating →
 * queued → running → succeeded, progress and result posted once, the switch to the fine-tuned
 * model, failure and cancel, status, a restart mid-job.
 */
import { NOT_ADMIN_SENTENCE } from '../../../src/core/commands/permissions';
import { shortPersona } from '../../../src/core/routes/finetune-route';
import { admin, makeTestApp, member, scopeA, testPermissions, type TestApp } from '../../helpers/app';
import { collect, PERSONA, recordPosts, seedExamples, startProvider, testClock, type ProviderHarness } from './harness';

describe.each(['openai', 'together'] as const)('fine-tuning on %s', (providerName) => {
  let provider: ProviderHarness;
  let app: TestApp;
  let posts: string[];
  const clock = testClock();
  const run = (who: typeof admin | typeof member, text: string) => app.commands(testPermissions).run({ scope: scopeA, user: who, name: 'finetune', text });
  /** Past the poll interval, then one round of the background work. */
  const step = async (target: TestApp = app) => {
    clock.tick();
    await target.background.runAll();
  };

  beforeEach(async () => {
    provider = await startProvider(providerName);
    app = await makeTestApp({
      model: provider.model,
      finetuner: provider.finetuner,
      ...(provider.finetuneModel ? { finetuneModel: provider.finetuneModel } : {}),
      clock,
    });
    posts = recordPosts(app);
    await seedExamples(app, scopeA, 12);
  });
  afterEach(async () => {
    await app.dispose();
    provider.assertNoViolations();
    await provider.close();
  });

  it("refuses a member's /finetune start and creates no job", async () => {
    const reply = await run(member, 'start --switch');
    expect(reply.text).toBe(NOT_ADMIN_SENTENCE);
    expect(provider.book.files.size).toBe(0);
    expect(provider.book.jobs.size).toBe(0);
  });

  it('goes validating → queued → running → succeeded, posts each step once, switches, and answers with the fine-tuned model without examples', async () => {
    const started = await run(admin, 'start --switch --epochs 2');
    expect(started.text).toMatch(new RegExp(`^Started fine-tuning job \\S+ on ${providerName}: gpt-4o-mini, 12 examples`));
    const job = provider.book.only();
    expect(started.text).toContain(job.id);
    expect(job).toMatchObject({ model: 'gpt-4o-mini', epochs: 2, suffix: 'cw-c1' });
    if (providerName === 'openai') expect(job.metadata).toEqual({ platform: 'console', workspace: 'W1', channel: 'C1' });
    // Under 50 examples: it still trains, with a warning.
    expect(started.text).toContain('under 50 a fine-tuned model often learns little');

    await step();
    expect(posts).toEqual([]); // nothing changed yet
    for (const phase of ['queued', 'running'] as const) {
      provider.book.advance(job.id, phase);
      await step();
      expect(posts.at(-1)).toBe(`Fine-tuning job ${job.id} is now ${phase}.`);
    }
    provider.book.advance(job.id, 'succeeded');
    await step();
    const model = provider.book.only().fineTunedModel ?? '';
    expect(model).not.toBe('');
    expect(posts.at(-1)).toBe(
      `Fine-tuning job ${job.id} succeeded: the channel's fine-tuned model is now ${model} and the channel answers with it (route finetune).`,
    );
    const polls = provider.book.retrievals.length;
    await step();
    await step();
    expect(posts).toHaveLength(3); // queued, running, succeeded: each once
    expect(provider.book.retrievals).toHaveLength(polls); // a finished job is not polled again

    const profile = await app.profiles.resolve(scopeA);
    expect(profile.route.value).toBe('finetune');
    expect(profile.fineTunedModel.value).toBe(model);

    const reply = await collect(app.assistant.respond({ scope: scopeA, user: member, text: 'question 3?', messageId: 'm1', history: [] }));
    expect(reply.route).toBe('finetune');
    expect(reply.text).toBe('Answer 3, said the crab.'); // the trained style, from the fine-tuned model
    const chats = provider.fineTunedChats(model);
    expect(chats).toHaveLength(1);
    expect(chats[0]?.messages).toEqual([
      { role: 'system', content: shortPersona(PERSONA) },
      { role: 'user', content: 'question 3?' },
    ]);
    // The usage is still counted, on the finetune route.
    const usage = await app.usage.report(scopeA, 7);
    expect(usage.lines.map((l) => l.line)).toContain('finetune');
  });

  it('reports a failed job and changes nothing', async () => {
    await run(admin, 'start --switch');
    const job = provider.book.only();
    provider.book.advance(job.id, 'failed', 'The training file has too many examples over the token limit.');
    await step();
    expect(posts.at(-1)).toMatch(new RegExp(`^Fine-tuning job ${job.id} failed: .+\\. Nothing changed\\.$`));
    if (providerName === 'openai') expect(posts.at(-1)).toContain('The training file has too many examples');
    const profile = await app.profiles.resolve(scopeA);
    expect(profile.route.value).toBe('prompt');
    expect(profile.fineTunedModel.value).toBeUndefined();
    // The channel can start again once the job is over.
    expect((await run(admin, 'start')).text).toMatch(/^Started fine-tuning job/);
  });

  it('cancels the running job, says so once, and polls it no more', async () => {
    await run(admin, 'start --switch');
    const job = provider.book.only();
    provider.book.advance(job.id, 'running');
    await step();
    const cancel = await run(admin, 'cancel');
    expect(cancel.text).toBe(`Cancelled fine-tuning job ${job.id}; the channel's model and route are unchanged.`);
    expect(provider.book.only().phase).toBe('cancelled');
    const polls = provider.book.retrievals.length;
    await step();
    expect(provider.book.retrievals).toHaveLength(polls);
    expect(posts.filter((p) => p.includes('cancelled'))).toEqual([`Fine-tuning job ${job.id} was cancelled; nothing changed.`]);
    expect((await app.profiles.resolve(scopeA)).route.value).toBe('prompt');
    expect((await run(admin, 'cancel')).text).toBe('This channel has no running fine-tuning job to cancel.');
  });

  it('shows the job, its latest events and (where reported) checkpoint losses in /finetune status', async () => {
    expect((await run(member, 'status')).text).toBe(
      `Training set: 12 examples · provider: ${providerName}.\nNo fine-tuning job yet; start one with /finetune start.`,
    );
    await run(admin, 'start');
    const job = provider.book.only();
    provider.book.advance(job.id, 'running');
    await step();
    const status = (await run(member, 'status')).text;
    expect(status).toContain(`Job ${job.id}: running · base model gpt-4o-mini · 3 epochs`);
    expect(status).toMatch(/Latest events:\n• .+Created fine-tuning job/);
    expect(status).toContain('Job is running');
    if (providerName === 'openai')
      expect(status).toMatch(/Checkpoints:\n• step 10: training loss 0\.5000 · validation loss 0\.6000\n• step 20: training loss 0\.3333/);
  });

  it('leaves a job to the processes that can post on its platform', async () => {
    const elsewhere = await makeTestApp({ model: provider.model, finetuner: provider.finetuner, clock }); // runs no console
    try {
      await seedExamples(elsewhere, scopeA, 10);
      await elsewhere.commands(testPermissions).run({ scope: scopeA, user: admin, name: 'finetune', text: 'start' });
      provider.book.advance(provider.book.only().id, 'running');
      clock.tick();
      await elsewhere.background.runAll();
      expect(provider.book.retrievals).toHaveLength(0); // its news would have nowhere to go
      const posted = recordPosts(elsewhere);
      clock.tick();
      await elsewhere.background.runAll();
      expect(provider.book.retrievals).toHaveLength(1);
      expect(posted).toEqual([`Fine-tuning job ${provider.book.only().id} is now running.`]);
    } finally {
      await elsewhere.dispose();
    }
  });

  it('resumes watching after a restart mid-job and posts the result from the new process', async () => {
    await run(admin, 'start --switch');
    const job = provider.book.only();
    provider.book.advance(job.id, 'running');
    await step();
    expect(posts).toEqual([`Fine-tuning job ${job.id} is now running.`]);
    await app.close();

    const restarted = await makeTestApp({
      dir: app.dir,
      model: provider.model,
      finetuner: provider.finetuner,
      ...(provider.finetuneModel ? { finetuneModel: provider.finetuneModel } : {}),
      clock,
    });
    try {
      const after = recordPosts(restarted);
      provider.book.advance(job.id, 'succeeded');
      await step(restarted);
      expect(after).toEqual([expect.stringMatching(new RegExp(`^Fine-tuning job ${job.id} succeeded`))]);
      expect((await restarted.profiles.resolve(scopeA)).route.value).toBe('finetune');
    } finally {
      await restarted.close();
    }
  });
});
