/**
 * The core's message pipeline, the one path every platform's messages take: which messages are
 * answered, once, in which thread memory, with which history, and what is counted.
 */
import type { ReplyEvent } from '../../../src/core/assistant';
import type { CommandReply } from '../../../src/core/commands/reply';
import type { Replier } from '../../../src/core/conversation/pipeline';
import type { MessageMeasure, Telemetry } from '../../../src/core/ports';
import type { Attachment, InboundMessage } from '../../../src/core/types';
import { OpenAIChatModel } from '../../../src/providers/openai/chat-model';
import { admin, makeTestApp, member, scopeA, testPermissions, type TestApp } from '../../helpers/app';
import { FakeOpenAI } from '../../helpers/fake-openai';
import { silentLogger } from '../../helpers/logger';

class RecordingReplier implements Replier {
  readonly answers: string[] = [];
  readonly told: CommandReply[] = [];
  deltas = 0;
  async answer(events: AsyncIterable<ReplyEvent>): Promise<void> {
    for await (const event of events) {
      if (event.type === 'delta') this.deltas += 1;
      else this.answers.push(event.reply.text);
    }
  }
  async tellSender(reply: CommandReply): Promise<void> {
    this.told.push(reply);
  }
}

class RecordingTelemetry implements Telemetry {
  readonly messages: MessageMeasure[] = [];
  message(measure: MessageMeasure): void {
    this.messages.push(measure);
  }
  command(): void {}
}

let counter = 0;
function message(text: string, extra: Partial<InboundMessage> = {}): InboundMessage {
  counter += 1;
  return {
    scope: scopeA,
    user: { ...member, isBot: false },
    text,
    messageId: `m${counter}`,
    mentioned: true,
    isDirect: false,
    ...extra,
  };
}

describe('MessagePipeline', () => {
  let app: TestApp;
  let telemetry: RecordingTelemetry;
  beforeEach(async () => {
    telemetry = new RecordingTelemetry();
    app = await makeTestApp({ telemetry });
  });
  afterEach(async () => {
    await app.dispose();
  });
  const pipeline = () => app.messages(app.commands(testPermissions));

  it('counts an answer in flight from its start to its end, one count for every platform', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const slow: RecordingReplier = Object.assign(new RecordingReplier(), {
      async answer(events: AsyncIterable<ReplyEvent>): Promise<void> {
        for await (const _ of events) await held;
      },
    });
    const answering = [pipeline().handle(message('first'), slow), pipeline().handle(message('second'), slow)];
    await new Promise((resolve) => setImmediate(resolve));
    expect(app.inFlight.size).toBe(2);
    let idle = false;
    const waiting = app.inFlight.idle().then(() => (idle = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(idle).toBe(false);
    release();
    expect(await Promise.all(answering)).toEqual(['offline', 'offline']);
    await waiting;
    expect(app.inFlight.size).toBe(0);
  });

  it('answers a mention once, however often the platform delivers it', async () => {
    const replier = new RecordingReplier();
    const mention = message('what time is it?', { replyThreadId: 'T1' });
    expect(await pipeline().handle(mention, replier)).toBe('offline');
    expect(await pipeline().handle(mention, replier)).toBe('duplicate');
    expect(await pipeline().handle({ ...mention, text: 'what time is it? (edited copy)' }, replier)).toBe('duplicate');
    expect(replier.answers).toHaveLength(1);
    expect(replier.answers[0]).toContain('what time is it?');
    expect(telemetry.messages.map((m) => m.outcome)).toEqual(['offline', 'duplicate', 'duplicate']);
    expect(telemetry.messages[0]).toMatchObject({ platform: 'console', route: 'prompt' });
  });

  it('answers each message once across two processes sharing one store', async () => {
    // A second app on the same store file stands for a second process.
    const other = await makeTestApp({ store: app.store });
    try {
      const a = new RecordingReplier();
      const b = new RecordingReplier();
      const mentions = Array.from({ length: 20 }, (_, i) => message(`question ${i}`));
      const outcomes = await Promise.all(mentions.flatMap((m) => [pipeline().handle(m, a), other.messages(other.commands(testPermissions)).handle(m, b)]));
      expect(outcomes.filter((o) => o === 'offline')).toHaveLength(20);
      expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(20);
      expect(a.answers.length + b.answers.length).toBe(20);
    } finally {
      await other.dispose(); // closing a closed store again is a no-op for `app`
    }
  });

  it('ignores bots and empty messages, and other messages unless the trigger is always', async () => {
    const replier = new RecordingReplier();
    expect(await pipeline().handle(message('hi', { user: { id: 'B1', isBot: true } }), replier)).toBe('ignored');
    expect(await pipeline().handle(message('   '), replier)).toBe('ignored');
    expect(await pipeline().handle(message('just chatting', { mentioned: false }), replier)).toBe('ignored');
    expect(await pipeline().handle(message('a direct message', { mentioned: false, isDirect: true }), replier)).toBe('offline');
    await app.profiles.setTrigger(scopeA, admin, 'always');
    expect(await pipeline().handle(message('now every message', { mentioned: false }), replier)).toBe('offline');
    expect(replier.answers).toHaveLength(2);
  });

  it('remembers the thread it answered in, so follow-ups there need no mention', async () => {
    const replier = new RecordingReplier();
    expect(await pipeline().handle(message('a follow-up', { mentioned: false, threadId: 'TH1' }), replier)).toBe('ignored');
    await pipeline().handle(message('start a thread', { replyThreadId: 'TH1' }), replier);
    expect(await pipeline().handle(message('a follow-up', { mentioned: false, threadId: 'TH1' }), replier)).toBe('offline');
    // Another channel's thread with the same id is not this one.
    expect(await pipeline().handle(message('elsewhere', { mentioned: false, threadId: 'TH1', scope: { ...scopeA, channel: 'C9' } }), replier)).toBe('ignored');
    // The same holds for a thread the bot joined further down (its reply went in that thread).
    await pipeline().handle(message('joining', { threadId: 'TH3', replyThreadId: 'TH3' }), replier);
    expect(await pipeline().handle(message('after joining', { mentioned: false, threadId: 'TH3' }), replier)).toBe('offline');
    // A mention that ran a command started no thread of answers.
    const file: Attachment = { name: 'a.txt', download: async () => new TextEncoder().encode('text') };
    await pipeline().handle(message('kb add', { messageId: 'CMD1', replyThreadId: 'CMD1', attachments: [file], user: { ...admin, isBot: false } }), replier);
    expect(await pipeline().handle(message('under the command', { mentioned: false, threadId: 'CMD1' }), replier)).toBe('ignored');
    // DMs are answered anyway; their threads are not remembered.
    await pipeline().handle(message('dm', { isDirect: true, replyThreadId: 'TH2' }), replier);
    expect(await pipeline().handle(message('dm follow-up', { mentioned: false, threadId: 'TH2' }), replier)).toBe('ignored');
  });

  it('reads the history only for messages it answers, and answers without it when reading fails', async () => {
    let loads = 0;
    const loadHistory = async () => {
      loads += 1;
      return [
        { role: 'user' as const, content: 'the earlier question' },
        { role: 'assistant' as const, content: 'the earlier answer' },
      ];
    };
    const replier = new RecordingReplier();
    await pipeline().handle(message('not for me', { mentioned: false, loadHistory }), replier);
    expect(loads).toBe(0);
    await pipeline().handle(message('for me', { loadHistory }), replier);
    expect(loads).toBe(1);
    expect(replier.answers[0]).toContain('the earlier answer');
    const failing = await pipeline().handle(message('history fails', { loadHistory: async () => Promise.reject(new Error('HTTP 500')) }), replier);
    expect(failing).toBe('offline');
    expect(replier.answers[1]).toContain('history fails');
  });

  it('runs `kb add` from a mention that shares files, for admins only, once, and tells the sender', async () => {
    const file: Attachment = {
      name: 'handbook.txt',
      contentType: 'text/plain',
      download: async () => new TextEncoder().encode('The VPN gateway is vpn.example.com.'),
    };
    const replier = new RecordingReplier();
    const byMember = message('kb add', { attachments: [file] });
    expect(await pipeline().handle(byMember, replier)).toBe('ok');
    expect(replier.told[0]?.text).toMatch(/only admins/i);
    expect(await app.knowledge.list('console:W1:C1')).toEqual([]);

    const byAdmin = message('kb add', { attachments: [file], user: { ...admin, isBot: false } });
    expect(await pipeline().handle(byAdmin, replier)).toBe('ok');
    expect(await pipeline().handle(byAdmin, replier)).toBe('duplicate');
    expect(replier.told).toHaveLength(2);
    expect(replier.told[1]?.text).toMatch(/^Added .* it is searchable now\.$/);
    expect((await app.knowledge.list('console:W1:C1')).map((d) => d.source)).toEqual(['file:handbook.txt']);
    expect(replier.answers).toEqual([]); // a command, not a question for the model
    // Files shared without the exact command are a question like any other.
    expect(await pipeline().handle(message('what is in this file?', { attachments: [file] }), replier)).toBe('offline');
  });

  it('keeps going when the replier fails, and counts the failure', async () => {
    const broken: Replier = {
      answer: async () => Promise.reject(new Error('chat.postMessage: channel_not_found')),
      tellSender: async () => undefined,
    };
    expect(await pipeline().handle(message('hello'), broken)).toBe('error');
    expect(telemetry.messages.at(-1)).toMatchObject({ outcome: 'error' });
  });
});

describe('MessagePipeline with a model', () => {
  it('counts route, latency and tokens of a model answer', async () => {
    const fake = await FakeOpenAI.start();
    const telemetry = new RecordingTelemetry();
    const app = await makeTestApp({
      telemetry,
      model: new OpenAIChatModel({ baseUrl: fake.baseUrl, timeoutMs: 5000, maxRetries: 0, logger: silentLogger, maxRetryWaitMs: 100 }),
    });
    try {
      fake.enqueue('chat', { deltas: ['Nine ', 'o’clock.'] });
      const replier = new RecordingReplier();
      expect(await app.messages(app.commands(testPermissions)).handle(message('when?'), replier)).toBe('ok');
      expect(replier.answers).toEqual(['Nine o’clock.']);
      expect(replier.deltas).toBe(2);
      const [measure] = telemetry.messages;
      expect(measure).toMatchObject({ platform: 'console', outcome: 'ok', route: 'prompt' });
      expect(measure?.usage?.promptTokens).toBeGreaterThan(0);
      expect(measure?.latencyMs).toBeGreaterThanOrEqual(0);
      fake.assertNoViolations();
    } finally {
      await app.dispose();
      await fake.close();
    }
  });
});
