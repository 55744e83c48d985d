/**
 * `npm start` with only Discord credentials, as a deployment runs it (Procfile `worker:`): the real
 * entry point in a child process, REST and gateway at DISCORD_API_URL (the fake), /healthz and
 * /metrics on PORT. Stops cleanly on SIGTERM. Also what start-up says when Discord refuses the token
 * or the Message Content intent.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FakeDiscord, INTENTS } from '../../helpers/fake-discord';
import { freePort, waitFor } from '../../helpers/processes';

const ROOT = path.resolve(__dirname, '../../..');

interface Started {
  readonly child: ChildProcess;
  readonly port: number;
  readonly dir: string;
  output(): string;
  exited: Promise<number | null>;
}

async function start(discord: FakeDiscord, env: Record<string, string> = {}): Promise<Started> {
  const dir = mkdtempSync(path.join(tmpdir(), 'channelwise-discord-e2e-'));
  const port = await freePort();
  const child = spawn(path.join(ROOT, 'node_modules', '.bin', 'tsx'), [path.join(ROOT, 'src', 'index.ts')], {
    cwd: dir,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: dir,
      DISCORD_TOKEN: discord.token,
      DISCORD_APPLICATION_ID: discord.applicationId,
      DISCORD_API_URL: discord.apiUrl,
      DISCORD_REGISTER_ON_START: 'true',
      PORT: String(port),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, port, dir, output: () => output, exited };
}

describe('npm start with Discord only', () => {
  let discord: FakeDiscord;
  let started: Started;

  beforeAll(async () => {
    discord = await FakeDiscord.start();
    const owner = discord.addUser('olga');
    discord.addGuild('Guild', owner);
    started = await start(discord);
  });
  afterAll(async () => {
    if (started.child.exitCode === null) started.child.kill('SIGKILL');
    await discord.close();
    rmSync(started.dir, { recursive: true, force: true });
  });

  it('serves /healthz and /metrics on PORT, registers the commands and answers a mention (offline)', async () => {
    const health = await waitFor(async () => {
      const res = await fetch(`http://127.0.0.1:${started.port}/healthz`);
      return res.ok ? ((await res.json()) as Record<string, unknown>) : undefined;
    }, '/healthz');
    expect(health).toMatchObject({ status: 'ok', store: { kind: 'sqlite', up: true }, model: { state: 'offline' } });
    const guild = [...discord.guilds.values()][0]!;
    await waitFor(() => (discord.commands.get(guild.id)?.length ? true : undefined), 'command registration');
    const channel = [...discord.channels.values()][0]!;
    const person = discord.addUser('bob');
    discord.mention(person, channel, 'hello from a worker');
    const answer = await waitFor(() => discord.botMessages(channel.id).find((m) => m.content.startsWith('_Offline mode')), 'the offline answer');
    expect(answer.content).toContain('hello from a worker');
    const metrics = await (await fetch(`http://127.0.0.1:${started.port}/metrics`)).text();
    expect(metrics).toMatch(/platform="discord"/);
    discord.assertNoViolations();
  });

  it('stops on SIGTERM with exit code 0', async () => {
    started.child.kill('SIGTERM');
    expect(await started.exited).toBe(0);
  });
});

describe('start-up problems', () => {
  let discord: FakeDiscord;
  beforeEach(async () => {
    discord = await FakeDiscord.start();
    discord.addGuild('Guild', discord.addUser('olga'));
  });
  afterEach(async () => {
    await discord.close();
  });

  it('a rejected token stops start-up with one clear sentence and exit code 1', async () => {
    const started = await start(discord, { DISCORD_TOKEN: 'not-the-token' });
    try {
      expect(await started.exited).toBe(1);
      expect(started.output()).toContain('channelwise: Discord refused DISCORD_TOKEN: copy the bot token from Developer Portal');
    } finally {
      rmSync(started.dir, { recursive: true, force: true });
      discord.violations.length = 0; // the refused token's requests are the point of this test
    }
  });

  it('without the Message Content intent it says how to enable it, and still answers mentions', async () => {
    discord.allowedPrivilegedIntents = 0;
    const started = await start(discord);
    try {
      const channel = [...discord.channels.values()][0]!;
      await waitFor(
        () => (discord.identifies.some((i) => (Number(i['intents']) & INTENTS.MessageContent) === 0) ? true : undefined),
        'an identify without Message Content',
      );
      await waitFor(() => (discord.commands.size ? true : undefined), 'ready');
      const person = discord.addUser('bob');
      discord.userMessage(person, channel, 'chatter without a mention');
      discord.mention(person, channel, 'a mention still works');
      const answer = await waitFor(() => discord.botMessages(channel.id).find((m) => m.content.startsWith('_Offline mode')), 'the offline answer');
      expect(answer.content).toContain('a mention still works');
      expect(discord.botMessages(channel.id).filter((m) => m.content.startsWith('_Offline mode'))).toHaveLength(1);
      expect(started.output()).toContain('Privileged Gateway Intents → Message Content Intent');
      expect(started.output()).toContain('trigger always need the intent');
      started.child.kill('SIGTERM');
      expect(await started.exited).toBe(0);
      discord.assertNoViolations();
    } finally {
      if (started.child.exitCode === null) started.child.kill('SIGKILL');
      rmSync(started.dir, { recursive: true, force: true });
    }
  });
});

describe('npm run discord:register', () => {
  const run = (discord: FakeDiscord, args: string[]) =>
    new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(path.join(ROOT, 'node_modules', '.bin', 'tsx'), [path.join(ROOT, 'src', 'adapters', 'discord', 'register.ts'), ...args], {
        cwd: ROOT,
        env: { PATH: process.env['PATH'] ?? '', DISCORD_TOKEN: discord.token, DISCORD_APPLICATION_ID: discord.applicationId, DISCORD_API_URL: discord.apiUrl },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('exit', (code) => resolve({ code, output }));
    });

  it('registers the same definitions globally, or in one guild with --guild', async () => {
    const discord = await FakeDiscord.start();
    try {
      const global = await run(discord, []);
      expect(global).toEqual({ code: 0, output: 'Registered 13 commands globally.\n' });
      const guild = discord.addGuild('Guild', discord.addUser('olga')).guild;
      expect((await run(discord, ['--guild', guild.id])).output).toBe(`Registered 13 commands in guild ${guild.id}.\n`);
      const names = (list: Record<string, unknown>[] | undefined) => (list ?? []).map((c) => c['name']);
      expect(names(discord.commands.get(guild.id))).toEqual(names(discord.commands.get('')));
      expect(await run(discord, ['--guild', 'general'])).toEqual({
        code: 1,
        output: "discord:register: --guild needs a guild id (a number, from the server's context menu → Copy Server ID).\n",
      });
      discord.assertNoViolations();
    } finally {
      await discord.close();
    }
  });
});
