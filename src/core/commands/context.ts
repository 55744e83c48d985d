import type { AdviceSettings } from '../advice/advise';
import type { FinetuneJobs } from '../finetune/jobs';
import type { Clock, KnowledgeIndex, Tokenizer } from '../ports';
import type { ModelPrice, PriceTable } from '../prompt/cost';
import type { EvalCases } from '../evaluation/cases';
import type { EvalReport, EvalRunner } from '../evaluation/runner';
import type { Feedback } from '../feedback/feedback';
import type { Budgets } from '../usage/budget';
import type { UsageLog, UsageReport } from '../usage/usage-log';
import type { ProfileService } from '../profiles/profile-service';
import type { RetrievalSettings } from '../routes/rag-route';
import type { Attachment, ChannelScope, UserRef } from '../types';
import type { ProgressSink } from './progress';
import type { CommandReply, ReplyImage } from './reply';

/** Draws the /usage and /eval charts; providers/charts implements it. Undefined: not drawn (the reply goes out as text alone). */
export interface ChartRenderer {
  /** Requests and cost per day by route. */
  usageChart(report: UsageReport, title: string): Promise<ReplyImage | undefined>;
  /** Each lever's score with its 95% interval, and its cost per answer. */
  evalChart(report: EvalReport): Promise<ReplyImage | undefined>;
}

/** A model's entry of config/models.json, as /advise reads it. */
export interface ModelFacts {
  readonly fineTunable: boolean;
  // `| undefined`: zod's optional keys (config.ts) type them so.
  readonly shutdownDate?: string | undefined;
  readonly training?: number | undefined;
  readonly fineTuned?: ModelPrice | undefined;
}

/** What the model server says about its models (OpenAI: `GET /models`), where it says it. */
export interface ModelCatalog {
  /** The model's shutdown date (YYYY-MM-DD), null when none is announced, undefined when the server does not say. */
  shutdownDate(model: string): Promise<string | null | undefined>;
}

/** What /advise needs beyond the measurements. */
export interface AdviceDeps {
  readonly settings: AdviceSettings;
  readonly prices: PriceTable;
  readonly models: Readonly<Record<string, ModelFacts>>;
  /** Overrides config's shutdown dates where the server reports them. */
  readonly catalog?: ModelCatalog;
  readonly tokenizer: Tokenizer;
  /** Offline mode: the figures are what answers would have cost. */
  readonly offline: boolean;
}

export interface Evaluation {
  readonly cases: EvalCases;
  readonly runner: EvalRunner;
}

/** What an executor may use. Executors are thin: validation already happened in the parser. */
export interface CommandContext {
  readonly scope: ChannelScope;
  readonly user: UserRef;
  readonly profiles: ProfileService;
  readonly knowledge: KnowledgeIndex;
  readonly retrieval: RetrievalSettings;
  /** Files that came with the command (for /kb add). */
  readonly attachments: readonly Attachment[];
  /** Largest file accepted, in bytes. */
  readonly fileBytes: number;
  readonly usage: UsageLog;
  readonly budgets: Budgets;
  /** Votes on answers; absent in tests that build a runner without it. */
  readonly feedback?: Feedback;
  /** /eval's cases and runs; absent in tests that build a runner without them. */
  readonly evaluation?: Evaluation;
  /** Whether the caller is an admin (a vote of an admin approves; votes are open to everyone). */
  isAdmin(): Promise<boolean>;
  readonly advice: AdviceDeps;
  /** Absent: /usage and /eval answer without a picture (the text chart still comes). */
  readonly charts?: ChartRenderer;
  readonly clock: Clock;
  /** The fine-tuning lifecycle (/finetune); absent where the app was built without it. */
  readonly finetune?: FinetuneJobs;
  /** Tells the caller how a long command is going before its reply; absent: only the reply is shown. */
  readonly progress?: ProgressSink;
}

export type Executor<C> = (command: C, ctx: CommandContext) => Promise<CommandReply>;
