import { admin, makeTestApp, scopeA, scopeB, type TestApp } from '../../helpers/app';

describe('TrainingSet', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await makeTestApp();
  });
  afterEach(async () => {
    await app.dispose();
  });

  it('is the few-shot examples then the approved exchanges, each once, never an evaluation input', async () => {
    await app.profiles.addExample(scopeA, admin, 'Hi', 'Hello.');
    await app.profiles.addExample(scopeA, admin, 'What is 2+2?', '4');
    const first = await app.training.approve(scopeA, {
      input: 'Where is the VPN?',
      output: 'vpn.example.com',
      approvedBy: admin.id,
      source: 'vote',
      answerId: 'a1',
    });
    expect(first.added).toBe(true);
    // The same answer approved again (a ⭐ after a 👍), or the same pair from elsewhere: once.
    expect(
      (await app.training.approve(scopeA, { input: 'Where is the VPN?', output: 'other', approvedBy: admin.id, source: 'reaction', answerId: 'a1' })).added,
    ).toBe(false);
    expect((await app.training.approve(scopeA, { input: 'Hi', output: 'Hello.', approvedBy: admin.id, source: 'shortcut' })).added).toBe(true);
    const examples = await app.training.examples(scopeA);
    expect(examples.map((e) => [e.input, e.output, e.origin.kind])).toEqual([
      ['Hi', 'Hello.', 'fewshot'],
      ['What is 2+2?', '4', 'fewshot'],
      ['Where is the VPN?', 'vpn.example.com', 'approved'],
    ]);
    const withoutEval = await app.training.examples(scopeA, new Set(['What is 2+2?']));
    expect(withoutEval.map((e) => e.input)).toEqual(['Hi', 'Where is the VPN?']);
    // Another channel's set is its own.
    expect(await app.training.examples(scopeB)).toEqual([]);
  });

  it('keeps approvals across a restart and when two approve at once', async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        app.training.approve(scopeA, { input: `q${i}`, output: `a${i}`, approvedBy: admin.id, source: 'vote', answerId: `ans${i}` }),
      ),
    );
    await app.close();
    const reopened = await makeTestApp({ dir: app.dir });
    try {
      expect((await reopened.training.approved(scopeA)).map((e) => e.answerId).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `ans${i}`).sort());
    } finally {
      await reopened.close();
    }
  });
});
