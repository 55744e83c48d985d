/**
 * The Socket Mode side of the fake Slack refuses what Slack would: these drive it with a bare
 * WebSocket client, so a fake that accepted anything would fail here.
 */
import WebSocket from 'ws';
import { FakeSlack } from './fake-slack';
import type { FakeSlackSocket } from './fake-slack-socket';

async function connectionsOpen(slack: FakeSlack, token: string): Promise<{ ok: boolean; url?: string; error?: string }> {
  const response = await fetch(`${slack.apiUrl}apps.connections.open`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
  });
  return (await response.json()) as { ok: boolean; url?: string; error?: string };
}

/** A bare client: connects, collects what the server sends. */
async function connect(url: string): Promise<{ ws: WebSocket; messages: Record<string, unknown>[]; closed: Promise<number> }> {
  const ws = new WebSocket(url);
  const messages: Record<string, unknown>[] = [];
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  const hello = new Promise<void>((resolve) => {
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as Record<string, unknown>;
      messages.push(message);
      if (message['type'] === 'hello') resolve();
    });
  });
  await Promise.race([hello, closed]);
  return { ws, messages, closed };
}

describe('fake Slack, Socket Mode', () => {
  let slack: FakeSlack;
  let socket: FakeSlackSocket;

  beforeEach(async () => {
    slack = await FakeSlack.start();
    socket = await slack.enableSocketMode({ ackTimeoutMs: 200 });
  });
  afterEach(async () => {
    await slack.close();
  });

  const problems = () => slack.takeViolations().flatMap((v) => v.problems);

  it('hands out a URL for the app-level token, says hello, and records acknowledgements', async () => {
    const opened = await connectionsOpen(slack, slack.appToken);
    expect(opened).toMatchObject({ ok: true, url: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=/) });
    const client = await connect(opened.url!);
    expect(client.messages[0]).toMatchObject({ type: 'hello', num_connections: 1, connection_info: { app_id: slack.appId } });

    client.ws.on('message', (data) => {
      const envelope = JSON.parse(String(data)) as { envelope_id?: string };
      if (envelope.envelope_id) client.ws.send(JSON.stringify({ envelope_id: envelope.envelope_id, payload: { text: 'Got it' } }));
    });
    const ack = await socket.deliver('slash_commands', { command: '/persona', text: '' });
    expect(ack).toMatchObject({ payload: { text: 'Got it' }, connection: 0 });
    expect(problems()).toEqual([]);
    client.ws.close();
  });

  it('refuses the bot token for apps.connections.open and the app-level token elsewhere', async () => {
    expect(await connectionsOpen(slack, slack.botToken)).toEqual({ ok: false, error: 'not_allowed_token_type' });
    const post = await fetch(`${slack.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${slack.appToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'C1', text: 'hi' }),
    });
    expect(await post.json()).toEqual({ ok: false, error: 'not_allowed_token_type' });
    expect(problems()).toHaveLength(2);
  });

  it('refuses a URL used twice, and records stray, repeated and payload-carrying acknowledgements', async () => {
    const { url } = await connectionsOpen(slack, slack.appToken);
    const client = await connect(url!);
    const again = await connect(url!);
    expect(await again.closed).toBe(1008);
    expect(problems()).toEqual([expect.stringContaining('already used')]);

    const delivered = socket.deliver('events_api', { type: 'event_callback' });
    const envelopeId = socket.delivered[0]!.envelope_id;
    client.ws.send(JSON.stringify({ envelope_id: envelopeId, payload: { text: 'not wanted' } }));
    await delivered;
    client.ws.send(JSON.stringify({ envelope_id: envelopeId }));
    client.ws.send(JSON.stringify({ envelope_id: 'never-sent' }));
    client.ws.send(JSON.stringify({ type: 'ping' }));
    await new Promise<void>((resolve) => {
      const check = () => (socket.received.length >= 4 ? resolve() : setTimeout(check, 10));
      check();
    });
    expect(problems()).toEqual([
      expect.stringContaining('accepts no response payload'),
      expect.stringContaining('acknowledged twice'),
      expect.stringContaining('unknown envelope never-sent'),
      expect.stringContaining('not an acknowledgement'),
    ]);
    client.ws.close();
  });

  it('fails a delivery nobody acknowledges', async () => {
    const { url } = await connectionsOpen(slack, slack.appToken);
    const client = await connect(url!);
    await expect(socket.deliver('events_api', { type: 'event_callback' })).rejects.toThrow(/not acknowledged/);
    expect(problems()).toEqual([expect.stringContaining('not acknowledged')]);
    client.ws.close();
  });
});
