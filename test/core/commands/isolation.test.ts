/**
 * Tenant isolation (issue #12, SPEC §1): a workspace or guild never reads or changes another's
 * profiles, knowledge, usage, evaluation cases, jobs or answers. Workspace A is seeded with state
 * under the ids a command names (document d1, persona "pirate", persona v1/v2, case 1, example 1,
 * a running fine-tuning job, a fine-tuned model, an answer); workspace B — same channel id, its own
 * admin — names those ids, and gets what a brand-new workspace gets: a clear "not found" sentence,
 * never A's data, while every row of A's stays byte for byte as it was.
 */
import Database from 'better-sqlite3';
import path from 'node:path';
import type { FinalReply, ReplyEvent } from '../../../src/core/assistant';
import type { CommandRunner } from '../../../src/core/commands/registry';
import { NOT_ADMIN_SENTENCE } from '../../../src/core/commands/permissions';
import type { Replier } from '../../../src/core/conversation/pipeline';
import { UserError } from '../../../src/core/errors';
import { workspaceKey, type ChannelScope, type UserRef } from '../../../src/core/types';
import { SQLITE_TABLE } from '../../../src/providers/store/sqlite-store';
import { OpenAIChatModel } from '../../../src/providers/openai/chat-model';
import { OpenAIFineTuner } from '../../../src/providers/finetune/openai-finetuner';
import { makeTestApp, type TestApp } from '../../helpers/app';
import { FakeOpenAI } from '../../helpers/fake-openai';
import { silentLogger } from '../../helpers/logger';
import { testClock } from '../finetune/harness';

/** The same channel id in both workspaces: only the workspace tells them apart. */
const A: ChannelScope = { platform: 'slack', workspace: 'T0TENANTA', channel: 'C0SHARED' };
const B: ChannelScope = { platform: 'slack', workspace: 'T0TENANTB', channel: 'C0SHARED' };
/** Never touched before the reads: what any new workspace sees. */
const PRISTINE: ChannelScope = { platform: 'slack', workspace: 'T0PRISTINE', channel: 'C0SHARED' };
const adminOf = (scope: ChannelScope): UserRef => ({ id: `U_ADMIN_${scope.workspace}`, name: `admin of ${scope.workspace}` });
/** Each workspace's admin is an admin there only. */
const permissions = { isAdmin: async (user: UserRef, scope: ChannelScope) => user.id === adminOf(scope).id };
/** Words only A's state contains: none may appear in anything B is told. */
const A_MARKERS = ['Zebrafish', 'zebrafish', 'Quokka', 'A-only persona', 'Marmoset', 'Narwhal'];

/**
 * Every row of the workspace's, straight from the SQLite files: the key-value rows whose key names
 * it (`slack:T0TENANTA…`: profiles, history, library, catalogues, cases, jobs, usage, votes), its
 * answers (keyed by id, holding their scope) and its knowledge chunks.
 */
function tenantRows(app: TestApp, scope: ChannelScope): string {
  const store = new Database(app.file, { readonly: true });
  const knowledge = new Database(path.join(app.dir, 'knowledge.sqlite'), { readonly: true });
  try {
    const named = `%${workspaceKey(scope)}%`;
    const answers = `%${JSON.stringify({ platform: scope.platform, workspace: scope.workspace }).slice(1, -1)}%`;
    const rows = store
      .prepare(`SELECT key, value FROM ${SQLITE_TABLE} WHERE key LIKE ? OR (key LIKE 'channelwise:answer:%' AND value LIKE ?) ORDER BY key`)
      .all(named, answers);
    const chunks = knowledge.prepare('SELECT kb_id, doc_id, chunk_id, title, text FROM lexical_chunks WHERE kb_id LIKE ? ORDER BY row_id').all(named);
    expect(rows.length).toBeGreaterThan(10); // the seeded state is there to compare
    return JSON.stringify({ rows, chunks });
  } finally {
    store.close();
    knowledge.close();
  }
}

class FinalReplier implements Replier {
  readonly finals: FinalReply[] = [];
  async answer(events: AsyncIterable<ReplyEvent>): Promise<void> {
    for await (const event of events) if (event.type === 'done') this.finals.push(event.reply);
  }
  async tellSender(): Promise<void> {}
}

describe('tenant isolation through the core command runner', () => {
  let fake: FakeOpenAI;
  let app: TestApp;
  let runner: CommandRunner;
  let fineTunedModel: string;
  let answerId: string;
  const clock = testClock();
  const run = (scope: ChannelScope, line: string) => {
    const [name = '', ...rest] = line.replace(/^\//, '').split(' ');
    return runner.run({ scope, user: adminOf(scope), name, text: rest.join(' ') });
  };

  beforeAll(async () => {
    fake = await FakeOpenAI.start();
    const client = { baseUrl: fake.baseUrl, timeoutMs: 5000, maxRetries: 0, logger: silentLogger, maxRetryWaitMs: 100 };
    app = await makeTestApp({ model: new OpenAIChatModel(client), finetuner: new OpenAIFineTuner(client), clock });
    runner = app.commands(permissions);
    app.posters.register('slack', { post: async () => undefined });
    // A: two persona versions and a saved one, 12 examples, channel and workspace documents, an
    // evaluation case, a budget, a finished fine-tuning job (its model) and a running one, an answer.
    const seed = [
      '/persona set A-only persona v1: you are Zebrafish.',
      '/persona set A-only persona v2: you are Quokka.',
      '/persona save pirate',
      '/kb add Zebrafish handbook. The Zebrafish vault code is 4417.',
      '/kb add --workspace Quokka policy. Quokkas get every Friday off.',
      '/eval add What is the Marmoset code? => 4417',
      '/eval run prompt',
      '/budget set 25 warn 50',
      ...Array.from({ length: 12 }, (_, i) => `/fewshot add Narwhal question ${i + 1}? => Narwhal answer ${i + 1}.`),
      '/finetune start',
    ];
    for (const line of seed) expect((await run(A, line)).text).not.toMatch(/^There is no|not an admin/);
    const first = fake.fineTuning.only();
    fake.fineTuning.advance(first.id, 'succeeded');
    clock.tick();
    await app.finetune.pollDue();
    fineTunedModel = (await app.profiles.resolve(A)).fineTunedModel.value ?? '';
    expect(fineTunedModel).toMatch(/^ft:/);
    expect((await run(A, '/finetune start')).text).toMatch(/^Started fine-tuning job/);

    const replier = new FinalReplier();
    const message = { scope: A, user: { id: 'U_MEMBER_A', name: 'member of A', isBot: false }, text: 'Zebrafish?', messageId: 'm-a-1', mentioned: true };
    await app.messages(runner).handle({ ...message, isDirect: false }, replier);
    answerId = replier.finals[0]?.answerId ?? '';
    expect(answerId).not.toBe('');
    await run(A, '/route prompt'); // the job's --switch-less success left the route alone; make it explicit
  });
  afterAll(async () => {
    await app?.dispose();
    fake?.assertNoViolations();
    await fake?.close();
  });

  /** Every command that names something by id: B names A's ids. */
  const BY_ID: ReadonlyArray<readonly [string, RegExp]> = [
    ['/kb remove d1', /^There is no document d1 here/],
    ['/kb remove --workspace d1', /^There is no document d1 here/],
    ['/persona use pirate', /^There is no saved persona named "pirate"/],
    ['/persona rollback 1', /^There is no persona version v1 here|has no persona versions/],
    ['/persona rollback 2', /^There is no persona version v2 here|has no persona versions/],
    ['/fewshot remove 1', /^There is no example 1|has no examples/],
    ['/eval remove 1', /^There is no case 1/],
    ['/finetune cancel', /^This channel has no running fine-tuning job/],
    ['/route finetune', /^This channel has no fine-tuned model yet/],
    ['/feedback up', /^There is no answer to vote on yet/],
  ];

  describe.each([
    ['another Slack workspace', B],
    ['the Discord guild with the same id', { ...A, platform: 'discord' } as ChannelScope],
  ])('%s', (_name, other) => {
    it.each(BY_ID)('%s: a clear "not found", A unchanged', async (line, expected) => {
      const before = tenantRows(app, A);
      const reply = await run(other, line);
      expect(reply.text).toMatch(expected);
      expect(reply.text).not.toBe(NOT_ADMIN_SENTENCE);
      for (const marker of A_MARKERS) expect(reply.text).not.toContain(marker);
      expect(tenantRows(app, A)).toBe(before);
    });

    it("/route finetune and /model with A's fine-tuned model id are refused, A unchanged", async () => {
      const before = tenantRows(app, A);
      for (const line of [`/route finetune ${fineTunedModel}`, `/model ${fineTunedModel}`]) {
        expect((await run(other, line)).text).toBe(`There is no fine-tuned model ${fineTunedModel} in this workspace; /finetune status shows this channel's.`);
      }
      expect((await app.profiles.resolve(other)).fineTunedModel.value).toBeUndefined();
      expect((await app.profiles.resolve(other)).model.value).not.toBe(fineTunedModel);
      expect(tenantRows(app, A)).toBe(before);
    });

    it("a vote or ⭐ naming A's answer id is refused, A's votes and training set unchanged", async () => {
      const before = tenantRows(app, A);
      const user = adminOf(other);
      await expect(app.feedback.vote({ scope: other, answerId, user, value: 'up', isAdmin: true })).rejects.toThrow(UserError);
      await expect(app.feedback.star(other, answerId, user, true)).rejects.toThrow(UserError);
      expect(tenantRows(app, A)).toBe(before);
    });
  });

  it("another channel of A's own workspace may use A's fine-tuned model", async () => {
    const sibling: ChannelScope = { ...A, channel: 'C0SIBLING' };
    expect((await run(sibling, `/route finetune ${fineTunedModel}`)).text).toBe(`Route set to finetune with model ${fineTunedModel}.`);
    expect((await app.profiles.resolve(sibling)).fineTunedModel.value).toBe(fineTunedModel);
  });

  /** The reading commands: B sees what a workspace that was never used sees. */
  const READS = [
    '/kb list',
    '/kb list --workspace',
    '/kb search Zebrafish vault code',
    '/persona show',
    '/persona history',
    '/persona list',
    '/fewshot list',
    '/route show',
    '/model show',
    '/usage 7d',
    '/usage 30d',
    '/budget show',
    '/advise',
    '/eval list',
    '/eval report',
    '/finetune status',
  ];

  it.each(READS)("%s shows nothing of A's", async (line) => {
    const before = tenantRows(app, A);
    const seenByA = await run(A, line);
    const seenByB = await run(B, line);
    expect(seenByB.text).toBe((await run(PRISTINE, line)).text);
    expect(seenByB.image).toBeUndefined();
    for (const marker of A_MARKERS) expect(seenByB.text).not.toContain(marker);
    expect(seenByB.text).not.toContain(fineTunedModel);
    // The reads show A something of its own (so the comparison means something) and change nothing.
    expect(seenByA.text).not.toBe(seenByB.text);
    expect(tenantRows(app, A)).toBe(before);
  });

  it("B's own state under the same ids is B's: removing B's d1, case 1, example 1 and v1 leaves A's", async () => {
    const seed = [
      '/persona set B persona one.',
      '/persona set B persona two.',
      '/persona save pirate',
      '/kb add B handbook text.',
      '/kb add --workspace B shared text.',
      '/eval add B question => B answer',
      '/fewshot add B input => B output',
    ];
    for (const line of seed) await run(B, line);
    const before = tenantRows(app, A);
    expect((await run(B, '/kb remove d1')).text).toBe("Removed d1 from this channel's knowledge base.");
    expect((await run(B, '/kb remove --workspace d1')).text).toBe("Removed d1 from the workspace's knowledge base.");
    expect((await run(B, '/eval remove 1')).text).toBe('Removed evaluation case 1: B question');
    expect((await run(B, '/fewshot remove 1')).text).toBe('Removed example 1 (input: B input).');
    expect((await run(B, '/persona rollback 1')).text).toMatch(/^Rolled back to v1; it is now current as v3\./);
    expect((await run(B, '/persona use pirate')).text).toMatch(/^This channel now uses the library persona "pirate"/);
    expect((await app.profiles.resolve(B)).persona.value).toBe('B persona two.');
    expect(tenantRows(app, A)).toBe(before);
    expect((await run(A, '/kb list')).text).toContain('Zebrafish handbook');
    expect((await run(A, '/eval list')).text).toBe('1. What is the Marmoset code? => 4417');
    expect((await app.profiles.resolve(A)).persona.value).toBe('A-only persona v2: you are Quokka.');
  });
});
