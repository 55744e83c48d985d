/**
 * /eval on Discord through discord.js over the fake's gateway and REST: the `/eval add` modal, the
 * "Add as evaluation case" context-menu command on a 👍'd answer, and a long `/eval run`: the
 * deferred reply edited with the start and the progress, the report as a follow-up below — or, once
 * the interaction's 15 minutes are up, in the channel.
 */
import { EVAL_MENU } from '../../../src/adapters/discord/commands';
import { discordScope } from '../../../src/adapters/discord/inbound';
import { EVAL_MODAL } from '../../../src/adapters/discord/modals';
import { NEEDS_UPVOTE_SENTENCE } from '../../../src/core/commands/families/eval';
import { NOT_ADMIN_SENTENCE } from '../../../src/core/commands/permissions';
import { testConfig } from '../../helpers/app';
import { VegaChartRenderer } from '../../../src/providers/charts/usage-chart';
import { silentLogger } from '../../helpers/logger';
import { allEphemeral, told, useDiscordHarness } from '../../helpers/discord-harness';
import type { FakeMessage, InteractionRecord } from '../../helpers/fake-discord';

type Row = { components: { type: number; custom_id: string; emoji?: { name?: string }; max_length?: number }[] };

const EVALUATION = { ...testConfig().evaluation, progressEvery: 1 };
const CASES = 12;
/** How far the adapter's clock is ahead of the real one (a test moves it past the 15 minutes). */
let clockAheadMs = 0;

const charts = new VegaChartRenderer(silentLogger);
afterAll(() => charts.close());
const ctx = useDiscordHarness({ config: { evaluation: EVALUATION }, editIntervalMs: 20, now: () => Date.now() + clockAheadMs, charts });

beforeEach(() => {
  clockAheadMs = 0;
});

const scope = () => discordScope(ctx.h.guild.id, ctx.h.channel.id);
const cases = async () => (await ctx.h.app.evaluation.cases.list(scope())).map((c) => [c.input, c.expected]);

describe('/eval add with no options', () => {
  it('opens the case modal; an admin submission adds the case', async () => {
    const { h } = ctx;
    const opened = await h.slash(h.admin, 'eval', 'add');
    const modal = opened.callbacks[0] as { type: number; data: { custom_id: string; components: Row[] } };
    expect(modal.type).toBe(9);
    expect(modal.data.custom_id).toBe(EVAL_MODAL);
    expect(modal.data.components.map((row) => [row.components[0]?.custom_id, row.components[0]?.max_length])).toEqual([
      ['input', 2000],
      ['expected', 2000],
    ]);
    const submitted = h.discord.submitModal(h.admin, h.channel, EVAL_MODAL, { input: 'Which floor is the canteen on?', expected: 'The third floor.' });
    await h.settle();
    expect(told(submitted)).toBe('Added evaluation case 1; it is never used as an example or for training.');
    expect(allEphemeral(submitted)).toBe(true);
    expect(await cases()).toEqual([['Which floor is the canteen on?', 'The third floor.']]);
  });

  it('a member can neither open it nor add a case by submitting one', async () => {
    const { h } = ctx;
    const opened = await h.slash(h.member, 'eval', 'add');
    expect(opened.callbacks.map((c) => c['type'])).toEqual([4]);
    expect(told(opened)).toBe(NOT_ADMIN_SENTENCE);
    const submitted = h.discord.submitModal(h.member, h.channel, EVAL_MODAL, { input: 'q', expected: 'a' });
    await h.settle();
    expect(told(submitted)).toBe(NOT_ADMIN_SENTENCE);
    expect(await cases()).toEqual([]);
  });

  it('an empty or oversized field gets the typed command’s sentence and adds nothing', async () => {
    const { h } = ctx;
    const empty = h.discord.submitModal(h.admin, h.channel, EVAL_MODAL, { input: 'What is 2+2?', expected: '  ' });
    await h.settle();
    expect(told(empty)).toBe("The case's expected answer is empty — usage: /eval add <input> => <expected>.");
    const long = 'x'.repeat(2001);
    const oversized = h.discord.submitModal(h.admin, h.channel, EVAL_MODAL, { input: long, expected: '4' });
    await h.settle();
    const typed = await h.slash(h.admin, 'eval', 'add', { input: long, expected: '4' });
    expect(told(oversized)).toBe(told(typed));
    expect(told(typed)).toBe("The case's input is 2,001 characters; the limit is 2,000.");
    expect(await cases()).toEqual([]);
  });
});

describe('"Add as evaluation case"', () => {
  async function answered(): Promise<FakeMessage> {
    ctx.openai.enqueue('chat', { text: 'We open at nine.' });
    ctx.h.discord.mention(ctx.h.member, ctx.h.channel, 'when do you open?');
    await ctx.h.settle();
    return ctx.h.discord.botMessages(ctx.h.channel.id).at(-1)!;
  }

  async function thumbsUp(message: FakeMessage, user = ctx.h.member): Promise<void> {
    const button = ((message.components ?? []) as Row[]).flatMap((row) => row.components).find((b) => b.emoji?.name === '👍')!;
    ctx.h.discord.clickButton(user, ctx.h.channel, message, button.custom_id);
    await ctx.h.settle();
  }

  async function menu(user: typeof ctx.h.admin, message: FakeMessage): Promise<InteractionRecord> {
    const record = ctx.h.discord.messageCommand(user, ctx.h.channel, EVAL_MENU, message);
    await ctx.h.settle();
    return record;
  }

  it('turns an answer someone gave a 👍 into a case: the question it answered => the answer (admin)', async () => {
    const answer = await answered();
    await thumbsUp(answer);
    const record = await menu(ctx.h.admin, answer);
    expect(told(record)).toBe('Added evaluation case 1; it is never used as an example or for training.');
    expect(allEphemeral(record)).toBe(true);
    expect(await cases()).toEqual([['when do you open?', 'We open at nine.']]);
  });

  it('says an answer without a 👍 needs one first, and adds nothing', async () => {
    const answer = await answered();
    expect(told(await menu(ctx.h.admin, answer))).toBe(NEEDS_UPVOTE_SENTENCE);
    expect(await cases()).toEqual([]);
  });

  it('refuses a member, even on an approved answer, and adds nothing', async () => {
    const answer = await answered();
    await thumbsUp(answer, ctx.h.admin);
    expect(told(await menu(ctx.h.member, answer))).toBe(NOT_ADMIN_SENTENCE);
    expect(await cases()).toEqual([]);
  });

  it('works on the bot’s answers only', async () => {
    await answered();
    const question = (ctx.h.discord.messages.get(ctx.h.channel.id) ?? []).find((m) => m.author.id === ctx.h.member.id)!;
    expect(told(await menu(ctx.h.admin, question))).toBe('This works on my own replies only: pick one of my answers.');
  });
});

describe('/eval run', () => {
  async function withCases(): Promise<void> {
    // The fake OpenAI echoes "You said: <question>", so every answer is right.
    for (let i = 1; i <= CASES; i += 1) await ctx.h.app.evaluation.cases.add(scope(), `Question ${i}?`, `You said: Question ${i}?`, ctx.h.admin.id);
  }

  /** The interaction's webhook calls in the order the fake received them. */
  const webhookCalls = (record: InteractionRecord) =>
    ctx.h.discord.requests
      .filter((r) => r.route?.startsWith('/webhooks/') && r.path.includes(record.token) && r.status < 300)
      .map((r) => ({ kind: r.method === 'PATCH' ? 'edit' : 'followup', content: String((r.body as { content?: unknown }).content ?? '') }));

  it('edits the deferred reply with the start and the progress, then follows up with the report', async () => {
    await withCases();
    const record = await ctx.h.slash(ctx.h.admin, 'eval', 'run', { levers: 'prompt' });
    expect(record.callbacks).toEqual([{ type: 5, data: { flags: 64 } }]);
    const calls = webhookCalls(record);
    const edits = calls.filter((c) => c.kind === 'edit');
    const followups = calls.filter((c) => c.kind === 'followup');
    // Every progress edit comes before the report, which is the follow-up.
    expect(calls.map((c) => c.kind)).toEqual([...edits.map(() => 'edit'), ...followups.map(() => 'followup')]);
    expect(edits[0]?.content).toMatch(/^Evaluating 12 case\(s\) through prompt, estimated cost \$[\d.]+; the report follows when it is done\.$/);
    const done = edits.slice(1).map((e) => Number(/\n.*: (\d+) of 12 answers so far\.$/.exec(e.content)?.[1]));
    expect(done.length).toBeGreaterThan(0);
    expect(done.every((n, i) => n > 0 && n < CASES && (i === 0 || n > done[i - 1]!))).toBe(true);
    expect(followups).toHaveLength(1);
    expect(followups[0]?.content).toMatch(/^Evaluated 12 case\(s\) through prompt \(estimated cost \$[\d.]+ before starting\)\.\n/);
    expect(followups[0]?.content).toContain('prompt · 12 cases · score 1.00');
    expect(allEphemeral(record)).toBe(true);
    expect(ctx.h.discord.botMessages(ctx.h.channel.id)).toEqual([]);
  });

  it('past the 15 minutes of the interaction token, posts the report in the channel instead', async () => {
    await withCases();
    let answers = 0;
    ctx.openai.chatReply = (body) => {
      answers += 1;
      if (answers === 6) clockAheadMs = 16 * 60_000;
      return `You said: ${String(body.messages.at(-1)?.content)}`;
    };
    const record = await ctx.h.slash(ctx.h.admin, 'eval', 'run', { levers: 'prompt' });
    expect(record.followups).toEqual([]);
    const posted = ctx.h.discord.botMessages(ctx.h.channel.id).map((m) => m.content);
    expect(posted).toHaveLength(1);
    expect(posted[0]).toMatch(/^alice's \/eval run took longer than the 15 minutes Discord allows a private reply, so here it is:\nEvaluated 12 case\(s\)/);
    const [message] = ctx.h.discord.botMessages(ctx.h.channel.id);
    expect(message?.pings).toEqual([]);
    // The chart comes along, as it would have with the private reply.
    expect(message?.uploads?.map((u) => u.file.name)).toEqual([expect.stringMatching(/^eval-\d{4}-\d\d-\d\d\.png$/)]);
    expect(Buffer.from(message!.uploads![0]!.file.bytes ?? []).subarray(0, 4)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    expect(message?.uploads?.[0]?.description).toMatch(/: prompt 1\.00 \[1\.00–1\.00\]; best prompt\.$/);
  });

  it('when Discord says the token expired first (clocks differ), the report goes to the channel too', async () => {
    await withCases();
    let answers = 0;
    let record: InteractionRecord | undefined;
    ctx.openai.chatReply = (body) => {
      answers += 1;
      if (answers === 6 && record) ctx.h.discord.expireInteraction(record);
      return `You said: ${String(body.messages.at(-1)?.content)}`;
    };
    record = ctx.h.discord.slashCommand(ctx.h.admin, ctx.h.channel, 'eval', 'run', { levers: 'prompt' });
    await ctx.h.settle();
    expect(record.followups).toEqual([]);
    const posted = ctx.h.discord.botMessages(ctx.h.channel.id).map((m) => m.content);
    expect(posted).toHaveLength(1);
    expect(posted[0]).toContain('Evaluated 12 case(s) through prompt');
  });
});
