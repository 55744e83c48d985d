/**
 * `/finetune export preferences`: each answer people turned down (more 👎 than 👍), paired with an
 * approved answer to the same question, in the preference (DPO) format; nothing else becomes a pair.
 */
import { shortPersona } from '../../../src/core/routes/finetune-route';
import type { ChannelScope } from '../../../src/core/types';
import { admin, makeTestApp, member, scopeA, scopeB, testPermissions, type TestApp } from '../../helpers/app';

describe('/finetune export preferences', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await makeTestApp();
  });
  afterEach(async () => {
    await app.dispose();
  });

  const run = (text: string, user: { id: string; name: string } = admin) => app.commands(testPermissions).run({ scope: scopeA, user, name: 'finetune', text });
  const answer = (question: string, text: string, scope: ChannelScope = scopeA) =>
    app.feedback.record({ scope, question, answer: text, route: 'prompt', model: 'gpt-4o-mini', cited: false });

  it('pairs a turned-down answer with the approved one to the same question', async () => {
    await app.profiles.setPersona(scopeA, admin, 'You are the IT desk.\n\nLonger rules follow.');
    const good = await answer('Where is the VPN?', 'vpn.example.com, port 443.');
    const bad = await answer('Where is the VPN?', 'I do not know.');
    const liked = await answer('Who runs payroll?', 'Dana in finance.');
    await app.feedback.vote({ scope: scopeA, answerId: good.id, user: admin, value: 'up', isAdmin: true }); // approved
    await app.feedback.vote({ scope: scopeA, answerId: bad.id, user: member, value: 'down', isAdmin: false });
    await app.feedback.vote({ scope: scopeA, answerId: bad.id, user: { id: 'U3' }, value: 'down', isAdmin: false });
    await app.feedback.vote({ scope: scopeA, answerId: bad.id, user: { id: 'U4' }, value: 'up', isAdmin: false });
    await app.feedback.vote({ scope: scopeA, answerId: liked.id, user: member, value: 'down', isAdmin: false }); // no approved twin
    // Another channel's turned-down answer to the same question is not this channel's.
    const elsewhere = await answer('Where is the VPN?', 'Ask someone else.', scopeB);
    await app.feedback.vote({ scope: scopeB, answerId: elsewhere.id, user: member, value: 'down', isAdmin: false });

    const reply = await run('export preferences');
    expect(reply.text).toBe('1 preference pair in the preference (DPO) format (preferences-C1.jsonl).');
    const lines = (reply.file?.content ?? '')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown);
    expect(lines).toEqual([
      {
        input: {
          messages: [
            { role: 'system', content: shortPersona('You are the IT desk.\n\nLonger rules follow.') },
            { role: 'user', content: 'Where is the VPN?' },
          ],
        },
        preferred_output: [{ role: 'assistant', content: 'vpn.example.com, port 443.' }],
        non_preferred_output: [{ role: 'assistant', content: 'I do not know.' }],
      },
    ]);
    // The chat export is unchanged by it, and says how many examples it holds.
    expect((await run('export')).text).toMatch(/^The training set: 1 example as chat fine-tuning JSONL/);
  });

  it('says when there is no pair yet, refuses other formats, and is for admins only', async () => {
    expect((await run('export preferences')).text).toMatch(/^No preference pairs yet/);
    expect((await run('export csv')).text).toBe('Unexpected “csv” after /finetune export — usage: /finetune export [preferences].');
    expect((await run('export preferences', member)).text).toMatch(/only admins/i);
  });
});
