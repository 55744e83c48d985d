import type { AdviceDeps } from '../advice/deps';
import type { FinetuneJobs } from '../finetune/jobs';
import type { Clock, KnowledgeIndex } from '../ports';
import type { Evaluation } from '../evaluation/evaluation';
import type { EvalReport } from '../evaluation/runner';
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
