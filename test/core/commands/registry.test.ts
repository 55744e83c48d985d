import { NO_PROVIDER_SENTENCE } from '../../../src/core/finetune/jobs';
import { NOT_ADMIN_SENTENCE } from '../../../src/core/commands/permissions';
import type { CommandRunner } from '../../../src/core/commands/registry';
import { admin, makeTestApp, member, scopeA, testPermissions, type TestApp } from '../../helpers/app';
import { storeSnapshot } from './store-snapshot';

function line(runner: CommandRunner, user: { id: string; name?: string }, text: string) {
  const match = /^\/(\S+)\s*([\s\S]*)$/.exec(text)!;
  return runner.run({ scope: scopeA, user, name: match[1]!, text: match[2]! });
}

describe('CommandRunner', () => {
  let app: TestApp;
  let runner: CommandRunner;
  beforeEach(async () => {
    app = await makeTestApp();
    runner = app.commands(testPermissions);
  });
  afterEach(async () => {
    await app.dispose();
  });

  /** Everything a command could change, read straight from the store. */
  const snapshot = () => storeSnapshot(app.store, scopeA);

  describe('a member is refused every command that changes state, and nothing changes', () => {
    const mutating = [
      '/persona set You are a pirate.',
      '/persona edit',
      '/persona reset',
      '/persona rollback 1',
      '/persona save pirate',
      '/persona use pirate',
      '/fewshot add Hi => Hello.',
      '/fewshot add',
      '/fewshot remove 1',
      '/fewshot clear',
      '/fewshot mode auto 3',
      '/route prompt',
      '/route rag',
      '/route auto',
      '/route finetune ft:gpt-4o-mini:org::abc',
      '/model gpt-4o',
      '/kb add Some knowledge text',
      '/kb remove d1',
      '/kb add --workspace Shared text',
      '/kb remove --workspace d1',
      '/kb attach',
      '/kb detach',
      '/kb strict off',
      '/finetune export',
      '/finetune start',
      '/finetune cancel',
    ];

    beforeEach(async () => {
      // Give the channel some state that each refused command would otherwise change.
      await line(runner, admin, '/persona set Original persona.');
      await line(runner, admin, '/persona save pirate');
      await line(runner, admin, '/fewshot add Q => A');
      await line(runner, admin, '/kb add Original knowledge.');
    });

    it.each(mutating)('%s', async (command) => {
      const before = await snapshot();
      const reply = await line(runner, member, command);
      expect(reply.text).toBe(NOT_ADMIN_SENTENCE);
      expect(reply.announce).toBeUndefined();
      expect(reply.form).toBeUndefined();
      expect(await snapshot()).toBe(before);
    });
  });

  it('lets members run the read-only commands', async () => {
    await line(runner, admin, '/persona set Be kind.');
    for (const command of ['/persona', '/persona history', '/persona list', '/fewshot', '/route', '/model', '/kb', '/kb search kind']) {
      const reply = await line(runner, member, command);
      expect(reply.text).not.toBe(NOT_ADMIN_SENTENCE);
    }
  });

  it('/persona show prints the whole persona, its version and where it comes from', async () => {
    expect((await line(runner, member, '/persona')).text).toBe(`Persona (the default from config):\n${app.config.defaults.persona}`);
    await line(runner, admin, '/persona set Line one.\nLine two.');
    const set = await line(runner, admin, '/persona set Line one.\nLine two, edited.');
    expect(set.text).toBe('Persona set (v2).');
    expect(set.announce).toBe("alice changed this channel's persona (now v2).");
    expect((await line(runner, member, '/persona show')).text).toBe('Persona v2 (set in this channel):\nLine one.\nLine two, edited.');
  });

  it('/persona history and rollback', async () => {
    await line(runner, admin, '/persona set First.');
    await line(runner, admin, '/persona set Second.');
    const rollback = await line(runner, admin, '/persona rollback v1');
    expect(rollback.text).toBe('Rolled back to v1; it is now current as v3.');
    const history = (await line(runner, member, '/persona history')).text.split('\n');
    expect(history[0]).toBe('Persona versions, newest first:');
    expect(history[1]).toMatch(/^v3 — alice \(U_ADMIN\) — \d{4}-\d\d-\d\d \d\d:\d\d UTC — First\. \(current, rollback to v1\)$/);
    expect(history[3]).toMatch(/^v1 — alice \(U_ADMIN\) — .* — First\.$/);
    expect((await line(runner, admin, '/persona rollback 9')).text).toBe('There is no persona version v9 here; versions are v1 to v3.');
  });

  it('/fewshot list prints each example number, input and output', async () => {
    await line(runner, admin, '/fewshot add Hi => Hello.');
    await line(runner, admin, '/fewshot add How are you? => Fine, thanks.');
    expect((await line(runner, member, '/fewshot list')).text).toBe(
      'Few-shot examples: 2 (set in this channel), mode all.\n1. Input: Hi\n   Output: Hello.\n2. Input: How are you?\n   Output: Fine, thanks.',
    );
    expect((await line(runner, admin, '/fewshot remove 3')).text).toBe("There is no example 3; this channel's examples are numbered 1 to 2.");
  });

  it('/route names the effective route and model, and explains auto', async () => {
    expect((await line(runner, member, '/route')).text).toMatch(
      /^Route: prompt \(the default from config\) · model: gpt-4o-mini \(the default from config\)\./,
    );
    const set = await line(runner, admin, '/route auto');
    expect(set.announce).toBe("alice set this channel's route to auto.");
    expect((await line(runner, member, '/route')).text).toMatch(
      /Route: auto \(set in this channel\)[\s\S]*Why: auto answers with RAG when the message is a question/,
    );
    expect((await line(runner, admin, '/route finetune')).text).toBe('This channel has no fine-tuned model yet; name one with /route finetune <model-id>.');
    expect((await app.profiles.resolve(scopeA)).route.value).toBe('auto');
    await line(runner, admin, '/route finetune ft:gpt-4o-mini:org::abc');
    expect((await line(runner, member, '/route')).text).toMatch(/^Route: finetune \(set in this channel\) · model: ft:gpt-4o-mini:org::abc/);
  });

  it('answers a parse error with the typed error sentence and changes nothing', async () => {
    const before = await snapshot();
    const reply = await line(runner, admin, '/fewshot add no arrow here');
    expect(reply.text.length).toBeGreaterThan(0);
    expect(reply.text).not.toMatch(/\n/);
    expect(await snapshot()).toBe(before);
  });

  it('answers /finetune without a fine-tuning provider: status for members, one sentence and no change for start', async () => {
    const before = await snapshot();
    expect((await line(runner, member, '/finetune')).text).toBe(
      'Training set: 0 examples · provider: none configured.\nNo fine-tuning job yet; start one with /finetune start.',
    );
    expect((await line(runner, admin, '/finetune start --epochs 3')).text).toBe(NO_PROVIDER_SENTENCE);
    expect(await snapshot()).toBe(before);
  });

  it('loses no update when 100 /fewshot add commands run at once', async () => {
    const replies = await Promise.all(Array.from({ length: 100 }, (_, i) => line(runner, admin, `/fewshot add question ${i} => answer ${i}`)));
    expect(replies.every((r) => /^Added example \d+\.$/.test(r.text))).toBe(true);
    const numbers = replies.map((r) => Number(/\d+/.exec(r.text)![0])).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect((await app.profiles.resolve(scopeA)).fewshot.value).toHaveLength(100);
  });

  it('gives ADMIN_USER_IDS admin rights on top of the platform rule', async () => {
    const config = { ...app.config, adminUserIds: ['U_MEMBER'] };
    const other = await makeTestApp({ config });
    try {
      const reply = await other.commands(testPermissions).run({ scope: scopeA, user: member, name: 'route', text: 'rag' });
      expect(reply.text).toMatch(/^Route set to rag\./);
    } finally {
      await other.dispose();
    }
  });
});
