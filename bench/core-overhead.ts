/**
 * Per-message core overhead: profile lookup (real SQLite store), routing and prompt assembly, with
 * the model excluded. Setup as the core issue asks: a 2,000-token persona, 200 few-shot examples in
 * `auto 5` mode, 40 history messages, and a different message every time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createResponders } from '../src/core/routes';
import { loadConfig } from '../src/config';
import { buildApp } from '../src/app';
import type { ChatMessage } from '../src/core/types';
import { createKnowledge } from '../src/providers/knowledge/create-knowledge';
import { systemClock } from '../src/core/ports';
import { createSqliteStore } from '../src/providers/store/sqlite-store';
import { TiktokenTokenizer } from '../src/providers/tokenizer';
import { silentLogger } from '../test/helpers/logger';
import { randomBytes } from 'node:crypto';
import { estimateCost } from '../src/core/prompt/cost';
import { Budgets } from '../src/core/usage/budget';
import { UsageLog } from '../src/core/usage/usage-log';
import { createStore } from '../src/providers/store/create-store';
import { ms, summarize } from './stats';

const WORDS = (
  'library account password reset meeting room calendar laptop battery vpn gateway invoice travel expense ' +
  'holiday policy onboarding badge printer wifi network deploy release incident review budget contract ' +
  'customer ticket escalation refund shipping order warehouse schedule payroll benefit training security'
).split(' ');

function sentence(seed: number, words: number): string {
  let x = seed * 2654435761;
  const out: string[] = [];
  for (let i = 0; i < words; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out.push(WORDS[x % WORDS.length]!);
  }
  return out.join(' ');
}

export async function benchCoreOverhead(
  iterations = 3000,
  profileCacheMs?: number,
): Promise<{ p50: number; p99: number; personaTokens: number; promptTokens: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'channelwise-bench-'));
  const store = await createSqliteStore(path.join(dir, 'bench.sqlite'), silentLogger);
  const config = loadConfig({}, { configDir: path.resolve(__dirname, '../config') });
  const tokenizer = new TiktokenTokenizer(config.tokens.encoding);
  const limits = { ...config.limits, personaChars: 50_000 };
  const profiles = { cacheMs: profileCacheMs ?? config.profiles.cacheMs };
  const knowledge = await createKnowledge(
    { ...config.knowledge, documentChars: config.limits.documentChars },
    { store, tokenizer, logger: silentLogger, clock: systemClock, location: { kind: 'sqlite', file: path.join(dir, 'knowledge.sqlite') } },
  );
  const app = buildApp(
    { ...config, limits, profiles, tokens: { ...config.tokens, promptBudget: 128_000 } },
    {
      store,
      tokenizer,
      knowledge: knowledge.knowledge,
      logger: silentLogger,
    },
  );
  const scope = { platform: 'slack', workspace: 'T1', channel: 'C1' } as const;
  const admin = { id: 'U1', name: 'admin' };

  // A persona of 2,000 tokens, measured with the real tokenizer.
  let persona = 'You are the team assistant.';
  for (let i = 0; tokenizer.count(persona) < 2000; i++) persona += ` ${sentence(i, 12)}.`;
  await app.profiles.setPersona(scope, admin, persona);
  for (let i = 0; i < 200; i++) await app.profiles.addExample(scope, admin, `${sentence(i + 1000, 10)}?`, sentence(i + 5000, 25));
  await app.profiles.setFewshotMode(scope, admin, { kind: 'auto', k: 5 });
  const history: ChatMessage[] = Array.from({ length: 40 }, (_, i) => ({
    role: i % 2 === 0 ? 'user' : 'assistant',
    content: sentence(i + 9000, 30),
  }));
  const responders = createResponders({
    tokenizer,
    promptBudget: 128_000,
    knowledge: knowledge.knowledge,
    retrieval: config.retrieval,
  });

  // What the assistant does before it calls the model: resolve the profile, route, assemble.
  const onePass = async (i: number) => {
    const message = `${sentence(i + 20_000, 14)}?`;
    const profile = await app.profiles.resolve(scope);
    const plan = await responders[profile.route.value].plan({ profile, message, history });
    return plan.prompt.tokens;
  };

  for (let i = 0; i < 200; i++) await onePass(i); // warm-up: JIT, tokenizer cache
  const samples: number[] = [];
  let promptTokens = 0;
  for (let i = 0; i < iterations; i++) {
    const start = process.hrtime.bigint();
    promptTokens = await onePass(i + 1000);
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  await knowledge.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  const stats = summarize(samples);
  return { p50: stats.p50, p99: stats.p99, personaTokens: tokenizer.count(persona), promptTokens };
}

/**
 * What usage accounting adds to each answered message, measured alone on a real store: reading
 * the channel's budget, holding the call's maximum cost under the cap (one atomic update), then
 * counting the call with its RAG signs and releasing the hold (one more) —
 * the store work `MeteredModel` and the assistant do around every model call. `budget: false` is
 * a channel without a cap: the budget read and the count (the RAG signs go in the same update).
 */
export async function benchUsageOverhead(
  storeConfig: { kind: 'sqlite' } | { kind: 'redis'; url: string } | { kind: 'postgres'; url: string },
  options: { budget: boolean; iterations?: number },
): Promise<{ p50: number; p99: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'channelwise-bench-usage-'));
  const store = await createStore(storeConfig.kind === 'sqlite' ? { kind: 'sqlite', path: path.join(dir, 'bench.sqlite') } : storeConfig, silentLogger);
  const config = loadConfig({}, { configDir: path.resolve(__dirname, '../config') });
  const usage = new UsageLog(store, systemClock, { retentionDays: config.usage.retentionDays });
  const budgets = new Budgets(store, { warnPct: config.budgets.warnPct }, systemClock);
  const scope = { platform: 'slack', workspace: `TBENCHUSAGE${randomBytes(4).toString('hex')}`, channel: 'C1' } as const;
  // A cap no run reaches, so every call is admitted and held.
  if (options.budget) await budgets.set(scope, { id: 'U1' }, 1_000_000, 80);
  const usageOf = { promptTokens: 2400, cachedTokens: 2048, completionTokens: 120 };
  const onePass = async (i: number) => {
    const budget = await budgets.of(scope);
    const id = `call-${i}`;
    if (budget) await usage.reserve(scope, id, 0.001, budget, 60_000);
    await usage.record(
      scope,
      {
        kind: 'chat',
        route: 'prompt',
        model: 'gpt-4o-mini',
        usage: usageOf,
        costUsd: estimateCost(config.prices, 'gpt-4o-mini', usageOf),
        latencyMs: 800 + (i % 400),
        error: false,
        prefix: { tokens: 2100, examplesTokens: 400 },
        signals: { question: true, unsourced: i % 3 === 0, kbMiss: false, autoFallback: false },
      },
      { ...(budget ? { reservation: id, budget } : {}) },
    );
  };
  for (let i = 0; i < 200; i++) await onePass(i);
  const samples: number[] = [];
  for (let i = 0; i < (options.iterations ?? 2000); i++) {
    const start = process.hrtime.bigint();
    await onePass(i + 1000);
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  for (const key of [`budget:slack:${scope.workspace}:C1`, `usage-months:slack:${scope.workspace}:C1`]) await store.delete(key);
  const month = new Date().toISOString().slice(0, 7);
  await store.delete(`usage:slack:${scope.workspace}:C1:${month}`);
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  const stats = summarize(samples);
  return { p50: stats.p50, p99: stats.p99 };
}

if (require.main === module) {
  benchCoreOverhead().then((r) => {
    console.log(`core overhead per message: p50 ${ms(r.p50)}, p99 ${ms(r.p99)} (persona ${r.personaTokens} tokens, prompt ${r.promptTokens} tokens)`);
  });
}
