/** The fake Discord itself: strict where Discord is, so the adapter's tests mean something. */
import { WebSocket } from 'ws';
import { FakeDiscord, INTENTS, pingsOf } from './fake-discord';

let discord: FakeDiscord;
beforeEach(async () => {
  discord = await FakeDiscord.start({ heartbeatIntervalMs: 100 });
});
afterEach(async () => {
  await discord.close();
});

const rest = (method: string, path: string, body?: unknown, auth = true) =>
  fetch(`${discord.apiUrl}/v10${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bot ${discord.token}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

describe('REST', () => {
  it('records a violation for a path Discord does not have, a body the spec refuses, and a missing token', async () => {
    const channel = discord.addGuild('G', discord.addUser('o')).channel;
    expect((await rest('GET', '/no/such/route')).status).toBe(404);
    expect((await rest('POST', `/channels/${channel.id}/messages`, { content: 'hi', allowed_mentions: { parse: ['nobody'] } })).status).toBe(400);
    expect((await rest('POST', `/channels/${channel.id}/messages`, { content: 'hi' }, false)).status).toBe(401);
    expect((await rest('POST', `/channels/${channel.id}/messages`, { content: 'x'.repeat(2001) })).status).toBe(400);
    expect(discord.violations.map((v) => v.where)).toEqual([
      'GET /no/such/route',
      'POST /channels/{channel_id}/messages',
      'POST /channels/{channel_id}/messages',
      'POST /channels/{channel_id}/messages',
    ]);
    discord.violations.length = 0;
    expect((await rest('POST', `/channels/${channel.id}/messages`, { content: 'fine', allowed_mentions: { parse: [] } })).status).toBe(200);
    discord.assertNoViolations();
  });

  it('checks message components against the spec: a valid row of buttons is stored and shown, a broken one refused', async () => {
    const channel = discord.addGuild('G', discord.addUser('o')).channel;
    const row = { type: 1, components: [{ type: 2, style: 2, custom_id: 'b1', emoji: { name: '👍' } }] };
    expect((await rest('POST', `/channels/${channel.id}/messages`, { content: 'fine', components: [row] })).status).toBe(200);
    expect(discord.botMessages(channel.id)[0]?.components).toEqual([row]);
    discord.assertNoViolations();
    // A component type the spec does not have, and a row's children that are not a list.
    expect(
      (await rest('POST', `/channels/${channel.id}/messages`, { content: 'x', components: [{ type: 1, components: [{ type: 99, custom_id: 'b' }] }] })).status,
    ).toBe(400);
    expect((await rest('POST', `/channels/${channel.id}/messages`, { content: 'x', components: [{ type: 1, components: 'nope' }] })).status).toBe(400);
    expect(discord.violations).toHaveLength(2);
    discord.violations.length = 0;
  });

  it('works out who a message pings from allowed_mentions', () => {
    expect(pingsOf('@everyone <@1> <@&2>', undefined, undefined)).toEqual(['everyone', 'user:1', 'role:2']);
    expect(pingsOf('@everyone <@1> <@&2>', { parse: [] }, undefined)).toEqual([]);
  });
});

describe('gateway', () => {
  const connect = () =>
    new Promise<{ socket: WebSocket; frames: Record<string, unknown>[]; closed: Promise<number> }>((resolve) => {
      const socket = new WebSocket(`${discord.gatewayUrl}?v=10&encoding=json`);
      const frames: Record<string, unknown>[] = [];
      const closed = new Promise<number>((done) => socket.on('close', (code) => done(code)));
      socket.on('message', (data) => frames.push(JSON.parse(String(data)) as Record<string, unknown>));
      socket.on('open', () => resolve({ socket, frames, closed }));
    });
  const until = async (check: () => boolean) => {
    while (!check()) await new Promise((r) => setTimeout(r, 5));
  };

  it('says HELLO, acknowledges heartbeats and answers IDENTIFY with READY and GUILD_CREATE', async () => {
    discord.addGuild('G', discord.addUser('o'));
    const { socket, frames } = await connect();
    await until(() => frames.length > 0);
    expect(frames[0]).toEqual({ op: 10, d: { heartbeat_interval: 100 }, s: null, t: null });
    socket.send(JSON.stringify({ op: 1, d: null }));
    await until(() => frames.some((f) => f['op'] === 11));
    socket.send(JSON.stringify({ op: 2, d: { token: discord.token, intents: INTENTS.Guilds, properties: {} } }));
    await until(() => frames.some((f) => f['t'] === 'GUILD_CREATE'));
    expect(frames.filter((f) => f['op'] === 0).map((f) => [f['t'], f['s']])).toEqual([
      ['READY', 1],
      ['GUILD_CREATE', 2],
    ]);
    socket.close();
  });

  it('closes with 4004 for a bad token and 4014 for a privileged intent the app may not use', async () => {
    const bad = await connect();
    bad.socket.send(JSON.stringify({ op: 2, d: { token: 'nope', intents: 0, properties: {} } }));
    expect(await bad.closed).toBe(4004);
    discord.allowedPrivilegedIntents = 0;
    const disallowed = await connect();
    disallowed.socket.send(JSON.stringify({ op: 2, d: { token: discord.token, intents: INTENTS.MessageContent, properties: {} } }));
    expect(await disallowed.closed).toBe(4014);
  });
});
