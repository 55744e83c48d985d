/**
 * Both fine-tuning providers behind one harness, so each lifecycle test runs on both: `openai` (the
 * fake OpenAI serves chat and fine-tuning) and `together` (the fake OpenAI serves the base model's
 * chat, the fake Together the jobs and the fine-tuned model's chat, as FINETUNE_BASE_URL would).
 */
import type { ChatModel, FineTuner } from '../../../src/core/ports';
import { OpenAIFineTuner } from '../../../src/providers/finetune/openai-finetuner';
import { TogetherFineTuner } from '../../../src/providers/finetune/together-finetuner';
import { OpenAIChatModel } from '../../../src/providers/openai/chat-model';
import type { FakeJobBook } from '../../helpers/fake-jobs';
import { FakeOpenAI } from '../../helpers/fake-openai';
import { FakeTogether } from '../../helpers/fake-together';
import { silentLogger } from '../../helpers/logger';
import type { Clock } from '../../../src/core/ports';
import type { FinalReply, ReplyEvent } from '../../../src/core/assistant';
import type { ChannelScope } from '../../../src/core/types';
import { admin, type TestApp } from '../../helpers/app';

export interface ProviderHarness {
  readonly name: 'openai' | 'together';
  readonly openai: FakeOpenAI;
  readonly book: FakeJobBook;
  readonly model: ChatModel;
  readonly finetuner: FineTuner;
  readonly finetuneModel?: ChatModel;
  /** Chat requests that reached the fine-tuned model. */
  fineTunedChats(model: string): Array<{ model: string; messages: ReadonlyArray<{ role: string; content: unknown }> }>;
  assertNoViolations(): void;
  close(): Promise<void>;
}

const client = { timeoutMs: 5000, maxRetries: 0, logger: silentLogger, maxRetryWaitMs: 1000 };

export async function startProvider(name: 'openai' | 'together'): Promise<ProviderHarness> {
  const openai = await FakeOpenAI.start();
  const model = new OpenAIChatModel({ ...client, baseUrl: openai.baseUrl });
  if (name === 'openai') {
    return {
      name,
      openai,
      book: openai.fineTuning,
      model,
      finetuner: new OpenAIFineTuner({ ...client, baseUrl: openai.baseUrl }),
      fineTunedChats: (ft) => openai.chatBodies().filter((b) => b.model === ft),
      assertNoViolations: () => openai.assertNoViolations(),
      close: () => openai.close(),
    };
  }
  const together = await FakeTogether.start();
  return {
    name,
    openai,
    book: together.jobs,
    model,
    finetuner: new TogetherFineTuner({ baseUrl: together.baseUrl, apiKey: together.apiKey, timeoutMs: 5000 }),
    finetuneModel: new OpenAIChatModel({ ...client, baseUrl: together.baseUrl, apiKey: together.apiKey }),
    fineTunedChats: (ft) => together.chatBodies().filter((b) => b.model === ft),
    assertNoViolations: () => {
      openai.assertNoViolations();
      together.assertNoViolations();
    },
    close: async () => {
      await openai.close();
      await together.close();
    },
  };
}

/** A clock the test moves: each `tick` is past any poll interval, so every job is due again. */
export function testClock(start = '2026-06-01T12:00:00Z'): Clock & { tick(ms?: number): void; set(iso: string): void } {
  let now = Date.parse(start);
  return {
    now: () => new Date(now),
    tick: (ms = 30 * 60_000) => {
      now += ms;
    },
    set: (iso) => {
      now = Date.parse(iso);
    },
  };
}

export const PERSONA = 'You are Ferris, a crab who answers in one short sentence.\n\nNever use emoji.';

export async function collect(events: AsyncIterable<ReplyEvent>): Promise<FinalReply> {
  let reply: FinalReply | undefined;
  for await (const event of events) if (event.type === 'done') reply = event.reply;
  if (!reply) throw new Error('no final reply');
  return reply;
}

export async function seedExamples(app: TestApp, scope: ChannelScope, count: number): Promise<void> {
  await app.profiles.setPersona(scope, admin, PERSONA);
  for (let i = 1; i <= count; i++) await app.profiles.addExample(scope, admin, `question ${i}?`, `Answer ${i}, said the crab.`);
}

export function recordPosts(app: TestApp, into: string[] = []): string[] {
  app.posters.register('console', { post: async (_scope, text) => void into.push(text) });
  return into;
}
