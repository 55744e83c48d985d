import { ErrorCode, UserError } from '../../../src/core/errors';
import { admin, makeTestApp, member, scopeA, scopeB, type TestApp } from '../../helpers/app';

describe('ProfileService', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await makeTestApp();
  });
  afterEach(async () => {
    await app.dispose();
  });

  describe('inheritance: config → workspace → channel', () => {
    it('starts from the config defaults and says so', async () => {
      const p = await app.profiles.resolve(scopeA);
      expect(p.persona).toEqual({ value: app.config.defaults.persona, source: 'config' });
      expect(p.route).toEqual({ value: 'prompt', source: 'config' });
      expect(p.model).toEqual({ value: app.config.models.chat, source: 'config' });
      expect(p.fewshot).toEqual({ value: [], source: 'config' });
      expect(p.trigger).toEqual({ value: 'mention', source: 'config' });
    });

    it('a workspace value applies to every channel that has not set its own', async () => {
      await app.profiles.setPersona(scopeA, admin, 'Workspace voice.', 'workspace');
      await app.profiles.setRoute(scopeA, admin, 'auto', 'workspace');
      await app.profiles.setPersona(scopeB, admin, 'Channel B voice.');

      const a = await app.profiles.resolve(scopeA);
      expect(a.persona).toMatchObject({ value: 'Workspace voice.', source: 'workspace', version: 1 });
      expect(a.route).toEqual({ value: 'auto', source: 'workspace' });

      const b = await app.profiles.resolve(scopeB);
      expect(b.persona).toMatchObject({ value: 'Channel B voice.', source: 'channel' });
      expect(b.route).toEqual({ value: 'auto', source: 'workspace' });
      expect(b.model.source).toBe('config');
    });

    it('a field not set at a level is inherited; reset drops back to the level above', async () => {
      await app.profiles.setPersona(scopeA, admin, 'Workspace voice.', 'workspace');
      await app.profiles.setPersona(scopeA, admin, 'Channel voice.');
      expect((await app.profiles.resolve(scopeA)).persona.source).toBe('channel');
      expect(await app.profiles.resetPersona(scopeA, admin)).toBe(true);
      expect((await app.profiles.resolve(scopeA)).persona).toMatchObject({ value: 'Workspace voice.', source: 'workspace' });
      expect(await app.profiles.resetPersona(scopeA, admin)).toBe(false);
    });

    it('channels of another workspace or platform are not affected', async () => {
      await app.profiles.setPersona(scopeA, admin, 'W1 voice.', 'workspace');
      const other = await app.profiles.resolve({ platform: 'console', workspace: 'W2', channel: 'C1' });
      expect(other.persona.source).toBe('config');
      const slack = await app.profiles.resolve({ platform: 'slack', workspace: 'W1', channel: 'C1' });
      expect(slack.persona.source).toBe('config');
    });
  });

  describe('persona versions', () => {
    it('numbers versions, keeps the history with authors, and rolls back as a new version', async () => {
      expect(await app.profiles.setPersona(scopeA, admin, 'First.\nSecond line.')).toBe(1);
      expect(await app.profiles.setPersona(scopeA, member, 'Second.')).toBe(2);
      expect(await app.profiles.rollbackPersona(scopeA, admin, 1)).toBe(3);

      const p = await app.profiles.resolve(scopeA);
      expect(p.persona).toMatchObject({ value: 'First.\nSecond line.', version: 3 });
      const history = await app.profiles.personaHistory(scopeA);
      expect(history.map((v) => [v.version, v.text, v.author])).toEqual([
        [1, 'First.\nSecond line.', 'alice (U_ADMIN)'],
        [2, 'Second.', 'bob (U_MEMBER)'],
        [3, 'First.\nSecond line.', 'alice (U_ADMIN)'],
      ]);
      expect(history[2]?.note).toBe('rollback to v1');
    });

    it('versions keep counting after a reset, so numbers are never reused', async () => {
      await app.profiles.setPersona(scopeA, admin, 'One.');
      await app.profiles.resetPersona(scopeA, admin);
      expect(await app.profiles.setPersona(scopeA, admin, 'Two.')).toBe(2);
    });

    it('rolling back to a version that does not exist is a clear error and changes nothing', async () => {
      await app.profiles.setPersona(scopeA, admin, 'Only.');
      const err = await app.profiles.rollbackPersona(scopeA, admin, 7).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UserError);
      expect((err as UserError).code).toBe(ErrorCode.NotFound);
      expect((err as UserError).message).toBe('There is no persona version v7 here; versions are v1 to v1.');
      expect((await app.profiles.personaHistory(scopeA)).length).toBe(1);
    });

    it('refuses an oversized persona, naming the limit, and keeps the old one', async () => {
      await app.profiles.setPersona(scopeA, admin, 'Keep me.');
      const big = 'x'.repeat(app.config.limits.personaChars + 1);
      await expect(app.profiles.setPersona(scopeA, admin, big)).rejects.toThrow(
        `The persona is ${(app.config.limits.personaChars + 1).toLocaleString('en-US')} characters; the limit is ${app.config.limits.personaChars.toLocaleString('en-US')}.`,
      );
      expect((await app.profiles.resolve(scopeA)).persona.value).toBe('Keep me.');
    });
  });

  describe('bounded history (limits.personaHistory, limits.auditEntries)', () => {
    async function withLimits(limits: Partial<TestApp['config']['limits']>, run: (small: TestApp) => Promise<void>): Promise<void> {
      const small = await makeTestApp({ config: { ...app.config, limits: { ...app.config.limits, ...limits } } });
      try {
        await run(small);
      } finally {
        await small.dispose();
      }
    }

    it('keeps only the newest persona versions; numbers keep counting and are never reused', async () => {
      await withLimits({ personaHistory: 3 }, async (small) => {
        for (const text of ['One.', 'Two.', 'Three.', 'Four.', 'Five.']) await small.profiles.setPersona(scopeA, admin, text);
        const history = await small.profiles.personaHistory(scopeA);
        expect(history.map((v) => [v.version, v.text])).toEqual([
          [3, 'Three.'],
          [4, 'Four.'],
          [5, 'Five.'],
        ]);
        await small.profiles.resetPersona(scopeA, admin);
        expect(await small.profiles.setPersona(scopeA, admin, 'Six.')).toBe(6);
        expect((await small.profiles.personaHistory(scopeA)).map((v) => v.version)).toEqual([4, 5, 6]);
      });
    });

    it('rolling back to a dropped version names the limit and changes nothing; a kept one still works', async () => {
      await withLimits({ personaHistory: 2 }, async (small) => {
        for (const text of ['One.', 'Two.', 'Three.']) await small.profiles.setPersona(scopeA, admin, text);
        const err = await small.profiles.rollbackPersona(scopeA, admin, 1).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(UserError);
        expect((err as UserError).code).toBe(ErrorCode.NotFound);
        expect((err as UserError).message).toBe('Persona version v1 is no longer kept: only the last 2 versions are (here v2 to v3).');
        expect((await small.profiles.resolve(scopeA)).persona).toMatchObject({ value: 'Three.', version: 3 });
        expect((await small.profiles.personaHistory(scopeA)).map((v) => v.version)).toEqual([2, 3]);
        // A version that never existed still gets the plain answer, with the range that is kept.
        await expect(small.profiles.rollbackPersona(scopeA, admin, 9)).rejects.toThrow('There is no persona version v9 here; versions are v2 to v3.');
        expect(await small.profiles.rollbackPersona(scopeA, admin, 2)).toBe(4);
        expect((await small.profiles.resolve(scopeA)).persona).toMatchObject({ value: 'Two.', version: 4 });
      });
    });

    it('keeps only the newest audit entries, on the channel and on the workspace', async () => {
      await withLimits({ auditEntries: 3 }, async (small) => {
        for (const route of ['rag', 'auto', 'prompt', 'rag', 'auto'] as const) await small.profiles.setRoute(scopeA, admin, route);
        const audit = await small.profiles.audit(scopeA);
        expect(audit.map((e) => [e.old, e.new])).toEqual([
          ['auto', 'prompt'],
          ['prompt', 'rag'],
          ['rag', 'auto'],
        ]);
        // Saving to the library writes the workspace's log, which is bounded the same way.
        await small.profiles.setPersona(scopeA, admin, 'Library voice.');
        for (const name of ['a', 'b', 'c', 'd']) await small.profiles.savePersona(scopeA, admin, name);
        expect((await small.profiles.audit(scopeA, 'workspace')).map((e) => [e.field, e.new])).toEqual([
          ['library', 'b'],
          ['library', 'c'],
          ['library', 'd'],
        ]);
      });
    });
  });

  describe('persona library', () => {
    it('saves the current persona for the workspace and applies it in another channel', async () => {
      await app.profiles.setPersona(scopeA, admin, 'Pirate voice, arr.');
      await app.profiles.savePersona(scopeA, admin, 'Pirate');
      const { version, from } = await app.profiles.usePersona(scopeB, admin, 'pirate');
      expect(from).toBe('library');
      expect(version).toBe(1);
      expect((await app.profiles.resolve(scopeB)).persona.value).toBe('Pirate voice, arr.');
      const list = await app.profiles.listPersonas(scopeB);
      expect(list.saved.map((p) => p.name)).toEqual(['Pirate']);
      expect(list.presets.length).toBeGreaterThan(0);
    });

    it('refuses a new name past the library limit, but still overwrites a saved one', async () => {
      const small = await makeTestApp({ config: { ...app.config, limits: { ...app.config.limits, libraryPersonas: 2 } } });
      try {
        await small.profiles.setPersona(scopeA, admin, 'Voice.');
        await small.profiles.savePersona(scopeA, admin, 'one');
        await small.profiles.savePersona(scopeA, admin, 'two');
        const err = await small.profiles.savePersona(scopeA, admin, 'three').catch((e: unknown) => e);
        expect(err).toMatchObject({ code: ErrorCode.TooLarge, message: 'The persona library already holds 2 personas, its limit.' });
        await small.profiles.setPersona(scopeA, admin, 'Newer voice.');
        await small.profiles.savePersona(scopeA, admin, 'TWO');
        const { saved } = await small.profiles.listPersonas(scopeA);
        expect(saved.map((p) => [p.name, p.text])).toEqual([
          ['one', 'Voice.'],
          ['TWO', 'Newer voice.'],
        ]);
      } finally {
        await small.dispose();
      }
    });

    it('refuses a persona name past its limit, whatever path it came by, and saves nothing', async () => {
      const name = 'n'.repeat(app.config.limits.personaNameChars + 1);
      await expect(app.profiles.savePersona(scopeA, admin, name)).rejects.toThrow(
        `The persona name is ${name.length} characters; the limit is ${app.config.limits.personaNameChars}.`,
      );
      expect((await app.profiles.listPersonas(scopeA)).saved).toEqual([]);
    });

    it('offers the config presets and refuses unknown names', async () => {
      const used = await app.profiles.usePersona(scopeA, admin, 'librarian');
      expect(used.from).toBe('preset');
      expect((await app.profiles.resolve(scopeA)).persona.value).toBe(app.config.presets['librarian']);
      await expect(app.profiles.usePersona(scopeA, admin, 'nope')).rejects.toThrow('There is no saved persona named "nope"');
    });
  });

  describe('few-shot examples', () => {
    it('gives examples stable ids that survive removals', async () => {
      await app.profiles.addExample(scopeA, admin, 'a', '1');
      await app.profiles.addExample(scopeA, admin, 'b', '2');
      await app.profiles.addExample(scopeA, admin, 'c', '3');
      const removed = await app.profiles.removeExample(scopeA, admin, 2);
      expect(removed.input).toBe('b');
      const { example } = await app.profiles.addExample(scopeA, admin, 'd', '4');
      const list = (await app.profiles.resolve(scopeA)).fewshot.value;
      expect(list.map((e) => [e.id, e.input])).toEqual([
        ['e1', 'a'],
        ['e3', 'c'],
        ['e4', 'd'],
      ]);
      expect(example.id).toBe('e4');
    });

    it('refuses removing a number that does not exist, naming the range', async () => {
      await app.profiles.addExample(scopeA, admin, 'a', '1');
      await expect(app.profiles.removeExample(scopeA, admin, 5)).rejects.toThrow("There is no example 5; this channel's examples are numbered 1 to 1.");
    });

    it('refuses an example past the count limit and keeps the others', async () => {
      const small = await makeTestApp({ config: { ...app.config, limits: { ...app.config.limits, fewshotExamples: 2 } } });
      try {
        await small.profiles.addExample(scopeA, admin, 'a', '1');
        await small.profiles.addExample(scopeA, admin, 'b', '2');
        await expect(small.profiles.addExample(scopeA, admin, 'c', '3')).rejects.toThrow('already has 2 examples, the limit');
        expect((await small.profiles.resolve(scopeA)).fewshot.value).toHaveLength(2);
      } finally {
        await small.dispose();
      }
    });
  });

  describe('audit', () => {
    it('records who changed what, when, with the old and new value', async () => {
      await app.profiles.setRoute(scopeA, admin, 'rag');
      await app.profiles.setRoute(scopeA, member, 'auto');
      await app.profiles.setRoute(scopeA, member, 'auto'); // no change: no entry
      await app.profiles.addExample(scopeA, admin, 'hi', 'hello');
      const audit = await app.profiles.audit(scopeA);
      expect(audit.map((e) => [e.actor, e.field, e.action, e.old, e.new])).toEqual([
        ['alice (U_ADMIN)', 'route', 'set', null, 'rag'],
        ['bob (U_MEMBER)', 'route', 'set', 'rag', 'auto'],
        ['alice (U_ADMIN)', 'fewshot', 'add', null, expect.objectContaining({ input: 'hi', output: 'hello' })],
      ]);
      for (const entry of audit) expect(new Date(entry.at).getTime()).not.toBeNaN();
    });
  });

  describe('durability', () => {
    it('keeps everything across a restart', async () => {
      await app.profiles.setPersona(scopeA, admin, 'Persistent.');
      await app.profiles.addExample(scopeA, admin, 'q', 'a');
      await app.profiles.setFewshotMode(scopeA, admin, { kind: 'auto', k: 3 });
      await app.close();

      const reopened = await makeTestApp({ dir: app.dir });
      try {
        const p = await reopened.profiles.resolve(scopeA);
        expect(p.persona).toMatchObject({ value: 'Persistent.', version: 1, source: 'channel' });
        expect(p.fewshot.value.map((e) => e.input)).toEqual(['q']);
        expect(p.fewshotMode.value).toEqual({ kind: 'auto', k: 3 });
        expect(await reopened.profiles.personaHistory(scopeA)).toHaveLength(1);
      } finally {
        await reopened.close();
      }
    });

    it('loses no update when 100 examples are added at once', async () => {
      await Promise.all(Array.from({ length: 100 }, (_, i) => app.profiles.addExample(scopeA, admin, `input ${i}`, `output ${i}`)));
      const list = (await app.profiles.resolve(scopeA)).fewshot.value;
      expect(list).toHaveLength(100);
      expect(new Set(list.map((e) => e.id)).size).toBe(100);
      expect(new Set(list.map((e) => e.input)).size).toBe(100);
      expect(await app.profiles.audit(scopeA)).toHaveLength(100);
    });
  });
});
