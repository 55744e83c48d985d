import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig, parseStoreUrl } from '../src/config';
import { ErrorCode, isCodedError } from '../src/core/errors';

const CONFIG_DIR = path.resolve(__dirname, '../config');

describe('loadConfig', () => {
  it('with an empty environment: offline, SQLite under data/, console-only', () => {
    const config = loadConfig({}, { configDir: CONFIG_DIR, cwd: '/srv/app' });
    expect(config.openai).toBeUndefined();
    expect(config.slack).toBeUndefined();
    expect(config.discord).toBeUndefined();
    expect(config.store).toEqual({ kind: 'sqlite', path: '/srv/app/data/channelwise.sqlite' });
    expect(config.port).toBe(3000);
    expect(config.prices['default']).toBeDefined();
  });

  it('trims values and treats blank ones as unset', () => {
    const config = loadConfig({ OPENAI_API_KEY: '   ', OPENAI_MODEL: '  gpt-4o  ', ADMIN_USER_IDS: ' U1, ,U2 ' }, { configDir: CONFIG_DIR });
    expect(config.openai).toBeUndefined();
    expect(config.models.chat).toBe('gpt-4o');
    expect(config.adminUserIds).toEqual(['U1', 'U2']);
  });

  it('a model counts as configured with only a base URL (local servers need no key)', () => {
    const config = loadConfig({ OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' }, { configDir: CONFIG_DIR });
    expect(config.openai).toEqual({ baseUrl: 'http://127.0.0.1:11434/v1' });
  });

  it('normalises SLACK_API_URL with or without a trailing slash', () => {
    const env = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' };
    expect(loadConfig({ ...env, SLACK_API_URL: 'http://127.0.0.1:9/api' }, { configDir: CONFIG_DIR }).slack?.apiUrl).toBe('http://127.0.0.1:9/api/');
    expect(loadConfig({ ...env, SLACK_API_URL: 'http://127.0.0.1:9/api/' }, { configDir: CONFIG_DIR }).slack?.apiUrl).toBe('http://127.0.0.1:9/api/');
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT: expected a whole number from 0 to 65535, got "eighty"'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL: expected debug, info, warn or error, got "loud"'],
    [{ OPENAI_BASE_URL: 'not a url' }, 'OPENAI_BASE_URL: expected an http(s) URL, got "not a url"'],
    [{ SLACK_BOT_TOKEN: 'xoxb-1' }, 'SLACK_BOT_TOKEN is set but neither SLACK_SIGNING_SECRET (HTTP) nor SLACK_APP_TOKEN (Socket Mode) is'],
    [{ DISCORD_TOKEN: 't' }, 'DISCORD_TOKEN is set but DISCORD_APPLICATION_ID is not'],
    [{ STORE_URL: 'mysql://x' }, 'STORE_URL: unsupported scheme in "mysql://…"; use sqlite://, redis:// or postgresql://'],
  ])('refuses bad environment %p with a message naming the variable', (env, message) => {
    expect(() => loadConfig(env, { configDir: CONFIG_DIR })).toThrow(new ConfigError(message));
    let err: unknown;
    try {
      loadConfig(env, { configDir: CONFIG_DIR });
    } catch (e) {
      err = e;
    }
    // A coded error like every other failure, so logs and metrics can count it by code.
    expect(err).toBeInstanceOf(ConfigError);
    expect(isCodedError(err)).toBe(true);
    expect(err).toMatchObject({ code: ErrorCode.ConfigError, message });
  });

  describe('bad config files', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'channelwise-config-'));
      cpSync(CONFIG_DIR, dir, { recursive: true });
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    // biome-ignore lint/suspicious/noExplicitAny: the test edits arbitrary nested config JSON
    function edit(file: string, change: (json: Record<string, any>) => void): void {
      const json = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
      change(json);
      writeFileSync(path.join(dir, file), JSON.stringify(json));
    }

    it('reads the folder CONFIG_DIR names, and names it when a file there is wrong', () => {
      edit('default.json', (json) => (json.profiles.cacheMs = 30_000));
      expect(loadConfig({ CONFIG_DIR: dir }).profiles.cacheMs).toBe(30_000);
      edit('default.json', (json) => (json.profiles.cacheMs = -1));
      expect(() => loadConfig({ CONFIG_DIR: dir })).toThrow(`${path.join(dir, 'default.json')}: profiles.cacheMs`);
    });

    it('names the file, the key and what is wrong', () => {
      edit('default.json', (json) => (json.defaults.route = 'telepathy'));
      expect(() => loadConfig({}, { configDir: dir })).toThrow(/default\.json: defaults\.route: /);
      expect(() => loadConfig({}, { configDir: dir })).toThrow(expect.objectContaining({ code: ErrorCode.ConfigError }));
    });

    it('refuses unknown keys (typos) instead of ignoring them', () => {
      edit('default.json', (json) => (json.tokens.promptBugdet = 100));
      expect(() => loadConfig({}, { configDir: dir })).toThrow(/default\.json: tokens: .*promptBugdet/);
    });

    it('checks the price table', () => {
      edit('prices.json', (json) => (json['gpt-4o'] = { input: -1, cachedInput: 0, output: 1 }));
      expect(() => loadConfig({}, { configDir: dir })).toThrow(/prices\.json: gpt-4o: /);
    });

    it('checks the model table /advise reads (config/models.json)', () => {
      expect(loadConfig({}, { configDir: dir }).modelInfo['gpt-4o-mini']).toMatchObject({ fineTunable: true, training: expect.any(Number) });
      edit('models.json', (json) => (json['gpt-4o'] = { fineTunable: true }));
      expect(() => loadConfig({}, { configDir: dir })).toThrow(/models\.json: gpt-4o: training: a fine-tunable model needs its training price/);
      edit('models.json', (json) => (json['gpt-4o'] = { fineTunable: false, shutdownDate: 'soon' }));
      expect(() => loadConfig({}, { configDir: dir })).toThrow(/models\.json: gpt-4o: shutdownDate: expected a date as YYYY-MM-DD/);
    });

    it('checks the usage, budget and advice keys', () => {
      edit('default.json', (json) => (json.budgets.defaultUsd = -5));
      expect(() => loadConfig({}, { configDir: dir })).toThrow(/default\.json: budgets\.defaultUsd: /);
      edit('default.json', (json) => {
        delete json.budgets.defaultUsd;
        json.usage.retentionDays = 3;
      });
      expect(() => loadConfig({}, { configDir: dir })).toThrow(/default\.json: usage\.retentionDays: /);
    });

    it('reports unreadable JSON with the file name', () => {
      writeFileSync(path.join(dir, 'presets.json'), '{ not json');
      expect(() => loadConfig({}, { configDir: dir })).toThrow(/presets\.json: cannot read JSON/);
    });
  });
});

describe('parseStoreUrl', () => {
  it('reads relative and absolute SQLite paths, Redis and PostgreSQL URLs', () => {
    expect(parseStoreUrl('sqlite://data/x.sqlite', '/app')).toEqual({ kind: 'sqlite', path: '/app/data/x.sqlite' });
    expect(parseStoreUrl('sqlite:///var/lib/x.sqlite', '/app')).toEqual({ kind: 'sqlite', path: '/var/lib/x.sqlite' });
    expect(parseStoreUrl('redis://127.0.0.1:6379', '/app')).toEqual({ kind: 'redis', url: 'redis://127.0.0.1:6379' });
    expect(parseStoreUrl('postgresql://u@h/db', '/app')).toEqual({ kind: 'postgres', url: 'postgresql://u@h/db' });
    expect(parseStoreUrl('postgres://u@h/db', '/app').kind).toBe('postgres');
  });
});

describe('loadConfig: FINETUNE_*', () => {
  it('defaults to the openai provider with the chat model key and URL, not separate', () => {
    const config = loadConfig({ OPENAI_API_KEY: 'sk-chat', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' }, { configDir: CONFIG_DIR });
    expect(config.finetuneProvider).toEqual({ kind: 'openai', apiKey: 'sk-chat', baseUrl: 'http://127.0.0.1:9/v1', separate: false });
    expect(config.finetune.pollSeconds).toBe(60);
  });

  it('takes its own provider, URL, key and poll interval', () => {
    const config = loadConfig(
      {
        OPENAI_API_KEY: 'sk-chat',
        FINETUNE_PROVIDER: 'together',
        FINETUNE_BASE_URL: 'http://127.0.0.1:8/v1',
        FINETUNE_API_KEY: 'tg-key',
        FINETUNE_POLL_SECONDS: '15',
      },
      { configDir: CONFIG_DIR },
    );
    expect(config.finetuneProvider).toEqual({ kind: 'together', apiKey: 'tg-key', baseUrl: 'http://127.0.0.1:8/v1', separate: true });
    expect(config.finetune.pollSeconds).toBe(15);
  });

  it.each([
    [{ FINETUNE_PROVIDER: 'azure' }, 'FINETUNE_PROVIDER: expected openai or together, got "azure"'],
    [{ FINETUNE_BASE_URL: 'ftp://x' }, 'FINETUNE_BASE_URL: expected an http(s) URL, got "ftp://x"'],
    [{ FINETUNE_POLL_SECONDS: '0' }, 'FINETUNE_POLL_SECONDS: expected a whole number from 1 to 86400, got "0"'],
  ])('refuses %j in one sentence naming the variable', (env, message) => {
    expect(() => loadConfig(env, { configDir: CONFIG_DIR })).toThrow(new ConfigError(message));
  });
});
