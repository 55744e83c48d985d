/**
 * What an admin sees before money is spent: the export (chat JSONL, valid line by line against the
 * spec's message schemas), each bad training set's sentence with no upload and no job, the cost
 * estimate, and the provider's end of new jobs.
 */
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { ConsoleAdapter, CONSOLE_SCOPE } from '../../../src/adapters/console/console-adapter';
import { buildApp } from '../../../src/app';
import { messageTokens, REPLY_PRIMING_TOKENS } from '../../../src/core/prompt/assemble';
import { formatUsd } from '../../../src/core/prompt/cost';
import { shortPersona } from '../../../src/core/routes/finetune-route';
import { preferenceLines } from '../../../src/core/finetune/training-file';
import { admin, makeTestApp, scopeA, testConfig, testPermissions, testTokenizer, type TestApp } from '../../helpers/app';
import { checkChatTrainingFile } from '../../helpers/fake-openai';
import { seedExamples, startProvider, testClock, type ProviderHarness } from './harness';

describe.each(['openai', 'together'] as const)('training set checks on %s', (providerName) => {
  let provider: ProviderHarness;
  let app: TestApp;
  const clock = testClock();
  const start = (text = 'start') => app.commands(testPermissions).run({ scope: scopeA, user: admin, name: 'finetune', text });
  const expectNothingCreated = () => {
    expect(provider.book.files.size).toBe(0);
    expect(provider.book.jobs.size).toBe(0);
  };

  beforeEach(async () => {
    provider = await startProvider(providerName);
  });
  afterEach(async () => {
    await app.dispose();
    provider.assertNoViolations();
    await provider.close();
  });
  const open = async (config = testConfig()) => {
    app = await makeTestApp({ model: provider.model, finetuner: provider.finetuner, clock, config });
  };

  it('refuses too few examples in one sentence and creates nothing', async () => {
    await open();
    await seedExamples(app, scopeA, 9);
    expect((await start()).text).toBe('The training set has 9 examples; fine-tuning needs at least 10 (add few-shot examples or approve answers).');
    expectNothingCreated();
  });

  it('names the example with an empty turn and creates nothing', async () => {
    await open();
    await seedExamples(app, scopeA, 10);
    await app.training.approve(scopeA, { input: 'Where is the VPN?', output: '   ', approvedBy: admin.id, source: 'vote', answerId: 'a1' });
    expect((await start()).text).toBe('The answer of training example 11 (an approved exchange) is empty.');
    expectNothingCreated();
  });

  it("names the example over the model's training token limit and creates nothing", async () => {
    const config = testConfig();
    await open({ ...config, modelInfo: { ...config.modelInfo, 'gpt-4o-mini': { ...config.modelInfo['gpt-4o-mini']!, trainingTokenLimit: 200 } } });
    await seedExamples(app, scopeA, 10);
    await app.profiles.addExample(scopeA, admin, 'Tell me everything.', 'word '.repeat(400).trim());
    const text = (await start()).text;
    expect(text).toMatch(/^Few-shot example 11 has (\d+) tokens, over the model's limit of 200 per training example\.$/);
    expect(Number(/has (\d+) tokens/.exec(text)?.[1])).toBeGreaterThan(400);
    expectNothingCreated();
  });

  it('states the cost estimate: training tokens × epochs × the provider training price', async () => {
    await open();
    await seedExamples(app, scopeA, 10);
    const exported = (await app.commands(testPermissions).run({ scope: scopeA, user: admin, name: 'finetune', text: 'export' })).file?.content ?? '';
    const tokenizer = testTokenizer();
    const tokens = exported
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { messages: Array<{ role: 'system' | 'user' | 'assistant'; content: string }> })
      .reduce((sum, line) => sum + REPLY_PRIMING_TOKENS + line.messages.reduce((s, m) => s + messageTokens(tokenizer, m), 0), 0);
    const price = providerName === 'openai' ? app.config.modelInfo['gpt-4o-mini']?.training : app.config.finetune.providers.together?.trainingPerMillion;
    expect(price).toBeGreaterThan(0);
    const text = (await start('start --epochs 4')).text;
    expect(text).toContain(
      `estimated cost ${formatUsd((tokens * 4 * (price ?? 0)) / 1_000_000)} (${tokens.toLocaleString('en-US')} tokens × 4 epochs × ${formatUsd(price ?? 0)} per 1M tokens)`,
    );
    expect(provider.book.only().epochs).toBe(4);
  });
});

describe('the export', () => {
  let app: TestApp;
  afterEach(async () => {
    await app.dispose();
  });

  it('is chat JSONL, valid line by line, system = the persona, evaluation inputs left out', async () => {
    const config = testConfig();
    const base = await makeTestApp();
    // The evaluation feature hands its cases' inputs in; here one of the examples is a case.
    app = {
      ...base,
      ...buildApp(config, {
        store: base.store,
        tokenizer: testTokenizer(),
        knowledge: base.knowledge,
        logger: base.logger,
        evaluationInputs: async () => new Set(['question 2?']),
      }),
    };
    await seedExamples(app, scopeA, 3);
    await app.training.approve(scopeA, {
      input: 'Where is the VPN?',
      output: 'vpn.example.com, said the crab.',
      approvedBy: admin.id,
      source: 'vote',
      answerId: 'a1',
    });
    const reply = await app.commands(testPermissions).run({ scope: scopeA, user: admin, name: 'finetune', text: 'export' });
    expect(reply.text).toBe(`The training set: 3 examples as chat fine-tuning JSONL (training-C1.jsonl).`);
    expect(reply.file).toMatchObject({ name: 'training-C1.jsonl', mimeType: 'application/jsonl' });
    const content = reply.file?.content ?? '';
    expect(checkChatTrainingFile(content)).toEqual([]);
    const lines = content
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { messages: Array<{ role: string; content: string }> });
    expect(lines.map((l) => l.messages.map((m) => m.role))).toEqual([
      ['system', 'user', 'assistant'],
      ['system', 'user', 'assistant'],
      ['system', 'user', 'assistant'],
    ]);
    const persona = (await app.profiles.resolve(scopeA)).persona.value;
    expect(new Set(lines.map((l) => l.messages[0]?.content))).toEqual(new Set([shortPersona(persona)]));
    expect(lines.map((l) => l.messages[1]?.content)).toEqual(['question 1?', 'question 3?', 'Where is the VPN?']);
  });

  it('is refused to a member', async () => {
    app = await makeTestApp();
    const reply = await app.commands(testPermissions).run({ scope: scopeA, user: { id: 'U_MEMBER', name: 'bob' }, name: 'finetune', text: 'export' });
    expect(reply.file).toBeUndefined();
  });

  it('is written to a file by the console, which prints the path', async () => {
    app = await makeTestApp();
    await seedExamples(app, CONSOLE_SCOPE, 2);
    const dir = mkdtempSync(path.join(tmpdir(), 'channelwise-export-'));
    try {
      const output = new PassThrough();
      let printed = '';
      output.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
      const commands = app.commands({ isAdmin: async () => true });
      const adapter = new ConsoleAdapter({
        input: new PassThrough(),
        output,
        messages: app.messages(commands),
        commands,
        interactive: false,
        offline: true,
        fileDir: dir,
      });
      await adapter.handleLine('/finetune export');
      const file = path.join(dir, 'training-local.jsonl');
      expect(printed).toContain(`Wrote ${file}\n`);
      expect(checkChatTrainingFile(readFileSync(file, 'utf8'))).toEqual([]);
      // Background posts appear marked as such.
      app.posters.register('console', adapter.poster());
      await app.posters.post(CONSOLE_SCOPE, 'Fine-tuning job x is now running.');
      expect(printed).toContain('[posted in the channel] Fine-tuning job x is now running.\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes preference pairs in the DPO format', () => {
    const [line] = preferenceLines('Be brief.', [{ input: 'Hi?', preferred: 'Hello.', rejected: 'Greetings, dear user, how may I...' }]);
    expect(line).toEqual({
      input: {
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hi?' },
        ],
      },
      preferred_output: [{ role: 'assistant', content: 'Hello.' }],
      non_preferred_output: [{ role: 'assistant', content: 'Greetings, dear user, how may I...' }],
    });
  });
});

describe('when the provider takes no new jobs', () => {
  it('says so in one sentence at /finetune start, names the alternatives, and creates nothing', async () => {
    const provider = await startProvider('openai');
    const clock = testClock('2027-02-01T09:00:00Z');
    const app = await makeTestApp({ model: provider.model, finetuner: provider.finetuner, clock });
    try {
      await seedExamples(app, scopeA, 10);
      const text = (await app.commands(testPermissions).run({ scope: scopeA, user: admin, name: 'finetune', text: 'start' })).text;
      const cutoff = app.config.finetune.providers.openai?.newJobsUntil;
      expect(cutoff).toBe('2027-01-06');
      expect(text).toBe(
        `openai takes no new fine-tuning jobs since ${cutoff}, so gpt-4o-mini cannot be fine-tuned there; use ${app.config.finetune.providers.openai?.alternatives} instead.`,
      );
      expect(provider.book.jobs.size).toBe(0);
    } finally {
      await app.dispose();
      provider.assertNoViolations();
      await provider.close();
    }
  });
});
