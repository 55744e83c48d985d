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

export async function benchCoreOverhead(iterations = 3000, profileCacheMs?: number): Promise<{ p50: number; p99: number; personaTokens: number; promptTokens: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'channelwise-bench-'));
  const store = await createSqliteStore(path.join(dir, 'bench.sqlite'), silentLogger);
  const config = loadConfig({}, { configDir: path.resolve(__dirname, '../config') });
  const tokenizer = new TiktokenTokenizer(config.tokens.encoding);
  const limits = { ...config.limits, personaChars: 50_000 };
  const profiles = { cacheMs: profileCacheMs ?? config.profiles.cacheMs };
  const knowledge = await createKnowledge({ ...config.knowledge, documentChars: config.limits.documentChars }, { store, tokenizer, logger: silentLogger, clock: systemClock, location: { kind: 'sqlite', file: path.join(dir, 'knowledge.sqlite') } });
  const app = buildApp({ ...config, limits, profiles, tokens: { ...config.tokens, promptBudget: 128_000 } }, {
    store,
    tokenizer,
    knowledge: knowledge.knowledge,
    logger: silentLogger,
  });
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

if (require.main === module) {
  benchCoreOverhead().then((r) => {
    console.log(`core overhead per message: p50 ${ms(r.p50)}, p99 ${ms(r.p99)} (persona ${r.personaTokens} tokens, prompt ${r.promptTokens} tokens)`);
  });
}
