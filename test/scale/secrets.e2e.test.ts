/**
 * Secrets never reach the logs (issue #12): a full session through a real `npm start` process at
 * LOG_LEVEL=debug — Slack over HTTP and Discord at once, a model, Together as the fine-tuning
 * provider, PostgreSQL with a password in STORE_URL — chat on both platforms, commands, a failing
 * model call, a failing fine-tuning call, a stop; and a start-up against an unreachable store.
 * Every line either process wrote is then scanned for each secret and its obvious encodings.
 */
import { randomBytes } from 'node:crypto';
import { startBotProcess, type BotProcess } from '../helpers/bot-process';
import { FakeDiscord, type FakeChannel, type FakeUser } from '../helpers/fake-discord';
import { FakeOpenAI } from '../helpers/fake-openai';
import { FakeSlack, shownText } from '../helpers/fake-slack';
import { FakeTogether } from '../helpers/fake-together';
import { DATABASE_URL } from '../helpers/env';
import { freePort, waitFor } from '../helpers/processes';
import { describeWithService } from '../helpers/services';
import { appMentionEvent, envelope, postCommand, postEvent } from '../helpers/slack-requests';

jest.setTimeout(180_000);

/** A secret whose random part is long enough that any 12 characters of it appear nowhere by chance. */
const secret = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;
const SECRETS = {
  SLACK_BOT_TOKEN: secret('xoxb-cwsecret-'),
  SLACK_SIGNING_SECRET: secret('signsecret'),
  DISCORD_TOKEN: '', // the fake Discord makes its own token; filled in below
  OPENAI_API_KEY: secret('sk-cwsecret-'),
  FINETUNE_API_KEY: secret('together-cwsecret-'),
  STORE_PASSWORD: secret('pgpw'),
};

/** The forms a secret could take in a log line: itself, encoded, in a header, and any 12-character piece. */
function secretForms(value: string): string[] {
  const forms = [
    value,
    Buffer.from(value).toString('base64'),
    Buffer.from(value).toString('base64url'),
    Buffer.from(value).toString('hex'),
    encodeURIComponent(value),
    `Bearer ${value}`,
    `Bot ${value}`,
  ];
  // Masked or truncated keys ("sk-…abcd" style) still give pieces away: no 12 characters in a row.
  for (let i = 0; i + 12 <= value.length; i += 1) forms.push(value.slice(i, i + 12));
  return [...new Set(forms)];
}

/** Every (secret, form) found in the text, for a readable failure. */
function leaks(text: string, secrets: Readonly<Record<string, string>>): string[] {
  const found: string[] = [];
  for (const [name, value] of Object.entries(secrets)) {
    for (const form of secretForms(value)) {
      const at = text.indexOf(form);
      if (at >= 0) found.push(`${name} as "${form}": …${text.slice(Math.max(0, at - 120), at + form.length + 40)}…`);
    }
  }
  return found;
}

describe('secret scan helper', () => {
  it('finds a secret, its base64, a Bearer header and a masked piece, and nothing in clean text', () => {
    const key = 'sk-cwsecret-0123456789abcdef0123456789abcdef';
    expect(leaks('clean log line', { key })).toEqual([]);
    for (const line of [key, Buffer.from(key).toString('base64'), `authorization: Bearer ${key}`, 'key sk-...9abcdef0123456']) {
      expect(leaks(line, { key })).not.toEqual([]);
    }
  });
});

const suite = describeWithService('PostgreSQL', 'DATABASE_URL', DATABASE_URL, 5432);

suite.describe('a full session through npm start at LOG_LEVEL=debug', () => {
  let slack: FakeSlack;
  let discord: FakeDiscord;
  let openai: FakeOpenAI;
  let together: FakeTogether;
  let bot: BotProcess;
  let discordChannel: FakeChannel;
  let discordAdmin: FakeUser;
  let unreachableStoreOutput = '';
  const slackChannel = 'C0SECRETS1';
  const slackAdmin = 'U0SECADMIN';

  const withPassword = (url: string) => {
    const parsed = new URL(url);
    parsed.password = SECRETS.STORE_PASSWORD;
    return parsed.toString();
  };

  beforeAll(async () => {
    slack = await FakeSlack.start({ botToken: SECRETS.SLACK_BOT_TOKEN, team: `T${randomBytes(5).toString('hex').toUpperCase()}` });
    openai = await FakeOpenAI.start({ apiKey: SECRETS.OPENAI_API_KEY });
    together = await FakeTogether.start(SECRETS.FINETUNE_API_KEY);
    discord = await FakeDiscord.start();
    SECRETS.DISCORD_TOKEN = discord.token;
    const owner = discord.addUser('olga');
    discordAdmin = discord.addUser('alice');
    const guild = discord.addGuild('Secrets guild', owner);
    discord.makeAdmin(guild.guild, discordAdmin);
    discordChannel = guild.channel;
    bot = await startBotProcess({
      via: 'npm',
      env: {
        LOG_LEVEL: 'debug',
        STORE_URL: withPassword(suite.url),
        SLACK_BOT_TOKEN: SECRETS.SLACK_BOT_TOKEN,
        SLACK_SIGNING_SECRET: SECRETS.SLACK_SIGNING_SECRET,
        SLACK_API_URL: slack.apiUrl,
        DISCORD_TOKEN: discord.token,
        DISCORD_APPLICATION_ID: discord.applicationId,
        DISCORD_API_URL: discord.apiUrl,
        DISCORD_REGISTER_ON_START: 'true',
        OPENAI_API_KEY: SECRETS.OPENAI_API_KEY,
        OPENAI_BASE_URL: openai.baseUrl,
        FINETUNE_PROVIDER: 'together',
        FINETUNE_BASE_URL: together.baseUrl,
        FINETUNE_API_KEY: SECRETS.FINETUNE_API_KEY,
        FINETUNE_POLL_SECONDS: '1',
        ADMIN_USER_IDS: slackAdmin,
      },
    });
    // Start-ups whose store does not answer, or whose URL is malformed: what they print on the way out is scanned too.
    const closedPort = await freePort();
    for (const url of [
      `postgresql://postgres:${SECRETS.STORE_PASSWORD}@127.0.0.1:${closedPort}/test`,
      `postgresql://postgres:${SECRETS.STORE_PASSWORD}@[bad/test`,
    ]) {
      const failing = await startBotProcess({ via: 'tsx', waitHealthy: false, env: { LOG_LEVEL: 'debug', STORE_URL: url } });
      expect(await failing.exited).not.toBe(0);
      unreachableStoreOutput += failing.logs();
    }
  });
  afterAll(async () => {
    await bot?.kill();
    await Promise.all([slack?.close(), discord?.close(), openai?.close(), together?.close()]);
  });

  const signed = { secret: SECRETS.SLACK_SIGNING_SECRET };
  const slackUrl = () => `${bot.baseUrl}/slack/events`;

  async function slackCommand(command: string, text: string): Promise<string> {
    const responseUrl = slack.newResponseUrl();
    const id = responseUrl.split('/').pop() ?? '';
    const fields = { command, text, team: slack.team, channel: slackChannel, user: slackAdmin, userName: 'admin', responseUrl };
    expect((await postCommand(slackUrl(), fields, signed)).status).toBe(200);
    return waitFor(() => {
      const told = slack.responses.filter((r) => r.id === id).map((r) => shownText(r.body));
      return told.length ? told.join('\n') : undefined;
    }, `the answer to ${command} ${text}`);
  }

  async function slackMention(text: string): Promise<string> {
    const ts = slack.nextTs();
    const event = appMentionEvent({ channel: slackChannel, user: 'U0PERSON1', ts, team: slack.team, text: `<@${slack.botUserId}> ${text}` });
    expect((await postEvent(slackUrl(), envelope(event, { team: slack.team, botUserId: slack.botUserId }), signed)).status).toBe(200);
    return waitFor(() => {
      const done = slack.botMessages(slackChannel, ts).filter((m) => m.streaming !== 'in_progress');
      return done.length ? done.map(shownText).join('\n') : undefined;
    }, `the answer to "${text}"`);
  }

  it('runs chat, commands, a failing model call and a failing fine-tuning call on Slack and Discord, and stops', async () => {
    // Slack: commands, chat, a model failure.
    expect(await slackCommand('/persona', 'set You are terse.')).toBe('Persona set (v1).');
    expect(await slackCommand('/kb', 'add Vault policy: the door opens at nine.')).toMatch(/^Added "Vault policy/);
    for (let i = 1; i <= 10; i++) await slackCommand('/fewshot', `add Question ${i}? => Answer ${i}.`);
    expect(await slackMention('what is the capital of France?')).toContain('capital of France');
    openai.enqueue('chat', ...Array.from({ length: 5 }, () => ({ error: { status: 500, message: 'The server had an error while processing your request.' } })));
    expect(await slackMention('this one fails')).toMatch(/model|try again/i);
    openai.reset();

    // Fine-tuning on Together: the job starts, then the provider loses it: status checks and the cancel fail.
    expect(await slackCommand('/finetune', 'start')).toMatch(/^Started fine-tuning job/);
    together.jobs.jobs.clear();
    expect(await slackCommand('/finetune', 'cancel')).not.toMatch(/^Cancelled/);
    await waitFor(() => (/could not check the fine-tuning job/.test(bot.logs()) ? true : undefined), 'a failed job check in the logs');
    expect(await slackCommand('/usage', '7d')).toMatch(/prompt/);

    // Discord: chat and a command.
    discord.mention(discord.addUser('bob'), discordChannel, 'hello from discord');
    await waitFor(() => discord.botMessages(discordChannel.id).find((m) => m.content.includes('hello from discord')), 'the Discord answer');
    await waitFor(() => (discord.commands.size ? true : undefined), 'command registration');
    const record = discord.slashCommand(discordAdmin, discordChannel, 'persona', 'show');
    await waitFor(() => (record.callbacks.length ? true : undefined), 'the /persona show answer');

    bot.signal('SIGTERM');
    await bot.exited; // the exit code on SIGTERM is test/scale's shutdown suite's concern
    // The session really logged at debug level (so the scan had something to read).
    expect(bot.logs()).toMatch(/"level":20/);
  });

  it('no secret, nor its base64, hex, URL encoding, auth header or any 12-character piece, is in any log line', () => {
    const output = `${bot.logs()}\n${unreachableStoreOutput}`;
    expect(output.split('\n').length).toBeGreaterThan(20);
    expect(unreachableStoreOutput).not.toBe('');
    expect(leaks(output, SECRETS)).toEqual([]);
  });
});
