/**
 * The real Slack adapter in Socket Mode: the real Bolt SocketModeReceiver and @slack/socket-mode
 * client against a fake Slack that speaks the Socket Mode protocol (apps.connections.open with the
 * app-level token, a WebSocket with hello / envelopes / acknowledgements / disconnect), the fake Web
 * API and the fake OpenAI server. Nothing is posted to /slack/events here.
 */
import { createServer } from 'node:net';
import { slackScope } from '../../../src/adapters/slack/inbound';
import { SlackAdapter } from '../../../src/adapters/slack/slack-adapter';
import { healthRoutes } from '../../../src/http/endpoints';
import { Metrics } from '../../../src/http/metrics';
import { FakeOpenAI } from '../../helpers/fake-openai';
import { FakeSlack, shownText } from '../../helpers/fake-slack';
import type { FakeSlackSocket } from '../../helpers/fake-slack-socket';
import { recordingLogger, type LogEntry } from '../../helpers/logger';
import { ADMIN, CHANNEL, MEMBER, SlackHarness } from '../../helpers/slack-harness';
import { appMentionEvent, envelope, messageEvent, slashCommandBody, type MessageFields } from '../../helpers/slack-requests';
import type { TestApp } from '../../helpers/app';

/** A port free right now: Bolt's Socket Mode receiver listens on a fixed port and does not report it. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

interface SocketSetup {
  readonly slack: FakeSlack;
  readonly socket: FakeSlackSocket;
  readonly app: TestApp;
  readonly adapter: SlackAdapter;
  readonly healthUrl: string;
  /** What the adapter (and Bolt, and the Socket Mode client) logged. */
  readonly logs: LogEntry[];
  stop(): Promise<void>;
}

async function startSocketMode(openai: FakeOpenAI): Promise<SocketSetup> {
  const slack = await FakeSlack.start();
  const socket = await slack.enableSocketMode();
  slack.addUser({ id: ADMIN.id, name: ADMIN.name, is_admin: true });
  slack.addUser({ id: MEMBER.id, name: MEMBER.name });
  const app = await SlackHarness.makeApp(openai);
  const port = await freePort();
  const logs: LogEntry[] = [];
  const adapter = await SlackAdapter.create({
    app,
    botToken: slack.botToken,
    appToken: slack.appToken,
    apiUrl: slack.apiUrl,
    port,
    customRoutes: healthRoutes(app, new Metrics()),
    logger: recordingLogger(logs),
    editIntervalMs: 1000,
    retryConfig: { retries: 0 },
  });
  await adapter.start();
  let stopped = false;
  return {
    slack,
    socket,
    app,
    adapter,
    healthUrl: `http://127.0.0.1:${port}/healthz`,
    logs,
    async stop() {
      if (stopped) return;
      stopped = true;
      await adapter.stop();
    },
  };
}

describe('Slack in Socket Mode', () => {
  let openai: FakeOpenAI;
  let s: SocketSetup;

  beforeAll(async () => {
    openai = await FakeOpenAI.start();
  });
  afterAll(async () => {
    await openai.close();
  });
  beforeEach(async () => {
    openai.reset();
    s = await startSocketMode(openai);
  });
  afterEach(async () => {
    await s.adapter.idle();
    s.slack.assertNoViolations();
    openai.assertNoViolations();
    await s.stop();
    // Stopping asks the client to close; let it finish the close handshake before the fake goes.
    await s.socket.waitUntilAllClosed();
    // Failures the adapter swallows (an answer that could not be posted) show up only here.
    expect(s.logs.filter((e) => e.level === 'error' || e.level === 'warn')).toEqual([]);
    await s.app.dispose();
    await s.slack.close();
  });

  /** A person's message at the fake (so thread reads see it) and its Events API envelope payloads. */
  function mentionPayloads(text: string, eventId?: string) {
    const fields: MessageFields = { channel: CHANNEL, user: MEMBER.id, team: s.slack.team, ts: s.slack.nextTs(), text: `<@${s.slack.botUserId}> ${text}` };
    s.slack.addMessage(CHANNEL, { ts: fields.ts, text: fields.text, user: fields.user });
    const options = { team: s.slack.team, botUserId: s.slack.botUserId };
    return {
      ts: fields.ts,
      appMention: envelope(appMentionEvent(fields), { ...options, ...(eventId ? { eventId } : {}) }),
      message: envelope(messageEvent(fields), options),
    };
  }

  function slashPayload(command: string, text: string, user: { id: string; name: string }) {
    const responseUrl = s.slack.newResponseUrl();
    const fields = { command, text, team: s.slack.team, channel: CHANNEL, user: user.id, userName: user.name, responseUrl };
    // Socket Mode carries the same fields Slack would post as a form, as a JSON object.
    return { responseId: responseUrl.split('/').pop() ?? '', payload: Object.fromEntries(new URLSearchParams(slashCommandBody(fields))) };
  }

  const told = (responseId: string) => s.slack.responses.filter((r) => r.id === responseId).map((r) => r.body);

  it('connects with the app-level token and answers a mention in its thread, acknowledging each envelope', async () => {
    expect(s.slack.callsTo('apps.connections.open')).toHaveLength(1);
    expect(s.socket.openConnections()).toHaveLength(1);

    openai.enqueue('chat', { text: 'We open at nine.' });
    const { ts, appMention, message } = mentionPayloads('When do you open?');
    const acks = [await s.socket.deliver('events_api', appMention), await s.socket.deliver('events_api', message)];
    expect(acks.map((a) => a.payload ?? {})).toEqual([{}, {}]);
    await s.adapter.idle();

    expect(openai.chatBodies()).toHaveLength(1); // app_mention and message: one answer
    expect(openai.chatBodies()[0]?.messages.at(-1)).toEqual({ role: 'user', content: 'When do you open?' });
    expect(s.slack.botTexts(CHANNEL, ts)).toEqual(['We open at nine.']);
  });

  it('runs /persona set for an admin: acknowledged at once, answered privately through response_url, announced', async () => {
    const { responseId, payload } = slashPayload('/persona', 'set You are a terse pirate.', ADMIN);
    const ack = await s.socket.deliver('slash_commands', payload);
    // The adapter acknowledges with nothing to show; what the admin sees comes via response_url.
    expect(ack.payload ?? {}).toEqual({});
    await s.adapter.idle();

    expect(told(responseId)).toEqual([{ response_type: 'ephemeral', text: 'Persona set (v1).', blocks: [{ type: 'markdown', text: 'Persona set (v1).' }] }]);
    expect(s.slack.callsTo('users.info').map((c) => c.params['user'])).toEqual([ADMIN.id]);
    expect(s.slack.callsTo('chat.postMessage').map((c) => [c.params['text'], shownText(c.params)])).toEqual([
      ["alice changed this channel's persona (now v1).", "alice changed this channel's persona (now v1)."],
    ]);
    expect((await s.app.profiles.resolve(slackScope(s.slack.team, CHANNEL))).persona.value).toBe('You are a terse pirate.');
  });

  it('answers a redelivered envelope (retry_attempt 1, same event) once', async () => {
    const { ts, appMention } = mentionPayloads('ping', 'Ev0SOCKET01');
    await s.socket.deliver('events_api', appMention);
    await s.socket.deliver('events_api', appMention, { retryAttempt: 1, retryReason: 'timeout' });
    await s.adapter.idle();

    expect(s.socket.acks).toHaveLength(2); // both deliveries acknowledged, so Slack stops retrying
    expect(openai.requestsTo('chat')).toHaveLength(1);
    expect(s.slack.botMessages(CHANNEL, ts)).toHaveLength(1);
  });

  it('reconnects after Slack asks it to (disconnect: refresh_requested) with a fresh URL, and still answers', async () => {
    s.socket.requestDisconnect('refresh_requested');
    await s.socket.waitForConnections(2);

    expect(s.socket.connections[0]).toMatchObject({ open: false, closeCode: 1000 });
    expect(s.socket.openConnections().map((c) => c.index)).toEqual([1]);
    expect(s.slack.callsTo('apps.connections.open')).toHaveLength(2);

    openai.enqueue('chat', { text: 'Still here.' });
    const { ts, appMention } = mentionPayloads('are you there?');
    const ack = await s.socket.deliver('events_api', appMention);
    expect(ack.connection).toBe(1);
    await s.adapter.idle();
    expect(s.slack.botTexts(CHANNEL, ts)).toEqual(['Still here.']);
  });

  it('serves /healthz on PORT alongside the socket, and closes both when stopped', async () => {
    const health = await fetch(s.healthUrl);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', store: { up: true } });

    await s.stop();
    await s.socket.waitUntilAllClosed();
    expect(s.socket.connections).toEqual([expect.objectContaining({ open: false, closeCode: 1000 })]);
    await expect(fetch(s.healthUrl)).rejects.toThrow();
  });

  it('refuses to start, with a clear error, when PORT is taken', async () => {
    const port = Number(new URL(s.healthUrl).port); // still held by the running adapter
    const second = await SlackAdapter.create({
      app: s.app,
      botToken: s.slack.botToken,
      appToken: s.slack.appToken,
      apiUrl: s.slack.apiUrl,
      port,
      customRoutes: healthRoutes(s.app, new Metrics()),
      logger: recordingLogger([]),
      editIntervalMs: 1000,
      retryConfig: { retries: 0 },
    });
    await expect(second.start()).rejects.toThrow(`port ${port} is already in use (PORT)`);
    expect((await fetch(s.healthUrl)).status).toBe(200); // the first one is unharmed
  });
});
