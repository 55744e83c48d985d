/**
 * The fine-tuning lifecycle of a channel (SPEC §3 `/finetune`, §8): export, validate and estimate,
 * upload, create the job, persist it, watch it (`pollDue`, driven by the `JobRunner`), report
 * progress and the result in the channel once, and on success set the channel's fine-tuned model
 * (and, when asked, its route).
 *
 * Jobs live in the store, so they survive restarts; each poll is made under a lease on the job, so
 * with several processes on one store exactly one polls a job at a time.
 */
import { factsOf } from '../advice/gather';
import type { ModelFacts } from '../advice/deps';
import { ErrorCode, UserError } from '../errors';
import type { Clock, DocumentStore, FineTuneJobState, FineTuner, FineTuneStatus, Lease, Logger, Tokenizer } from '../ports';
import { formatUsd } from '../prompt/cost';
import type { ProfileService } from '../profiles/profile-service';
import type { TrainingSet } from '../training/training-set';
import { channelKey, type ChannelScope, type UserRef } from '../types';
import { chatLines, checkTrainingSet, preferenceLines, toJsonl, trainingCost } from './training-file';
import type { ChannelPosters } from './posters';
import { withLease } from './leases';
import { FineTunedModelOwners } from './model-owners';

export interface FinetuneSettings {
  readonly pollSeconds: number;
  readonly maxBackoff: number;
  readonly minExamples: number;
  readonly warnExamples: number;
  readonly epochs: number;
  readonly exampleTokenLimit: number;
  readonly providers: Readonly<
    Partial<
      Record<
        'openai' | 'together',
        { readonly trainingPerMillion?: number | undefined; readonly newJobsUntil?: string | undefined; readonly alternatives?: string | undefined }
      >
    >
  >;
}

export interface FinetuneDeps {
  readonly store: DocumentStore;
  /** Absent: no provider configured (offline); export still works. */
  readonly tuner?: FineTuner;
  /** Whether the provider's cut-off date (config `newJobsUntil`) applies: OpenAI's own hosted service, not a compatible server. */
  readonly hostedProvider: boolean;
  readonly profiles: ProfileService;
  readonly training: TrainingSet;
  readonly posters: ChannelPosters;
  readonly tokenizer: Tokenizer;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly lease: Lease;
  readonly settings: FinetuneSettings;
  readonly models: Readonly<Record<string, ModelFacts & { readonly trainingTokenLimit?: number | undefined }>>;
  /** Inputs of the channel's evaluation cases, never trained on (the evaluation feature supplies them). */
  readonly evaluationInputs: (scope: ChannelScope) => Promise<ReadonlySet<string>>;
  /** Answers people turned down (more 👎 than 👍): the rejected side of preference pairs. */
  readonly rejectedAnswers?: (scope: ChannelScope) => Promise<ReadonlyArray<{ readonly question: string; readonly answer: string }>>;
}

export interface JobRecord {
  readonly jobId: string;
  readonly provider: string;
  readonly scope: ChannelScope;
  readonly baseModel: string;
  readonly epochs: number;
  readonly switchRoute: boolean;
  readonly startedBy: UserRef;
  readonly startedAt: string;
  readonly examples: number;
  readonly tokens: number;
  readonly estimateUsd: number;
  readonly status: FineTuneStatus;
  readonly providerStatus: string;
  readonly fineTunedModel?: string;
  readonly error?: string;
  /** Epoch ms of the next poll; the interval doubles while nothing changes. */
  readonly nextPollAt: number;
  readonly intervalMs: number;
  readonly finished: boolean;
}

const TERMINAL: ReadonlySet<FineTuneStatus> = new Set(['succeeded', 'failed', 'cancelled']);
const ACTIVE_KEY = 'finetune:active';
const jobKey = (scope: ChannelScope) => `finetune:job:${channelKey(scope)}`;

export const NO_PROVIDER_SENTENCE = 'Fine-tuning needs a provider: set OPENAI_API_KEY or FINETUNE_BASE_URL (and FINETUNE_PROVIDER for Together AI).';

export class FinetuneJobs {
  /** Who trained which model: another workspace cannot name it (`/route finetune`, `/model`). */
  readonly owners: FineTunedModelOwners;

  constructor(private readonly deps: FinetuneDeps) {
    this.owners = new FineTunedModelOwners(deps.store);
  }

  private get pollMs(): number {
    return this.deps.settings.pollSeconds * 1000;
  }

  async job(scope: ChannelScope): Promise<JobRecord | undefined> {
    return this.deps.store.get<JobRecord>(jobKey(scope));
  }

  private async trainingLines(scope: ChannelScope) {
    const [profile, excluded] = await Promise.all([this.deps.profiles.resolve(scope), this.deps.evaluationInputs(scope)]);
    const examples = await this.deps.training.examples(scope, excluded);
    return { profile, examples, lines: chatLines(profile.persona.value, examples) };
  }

  /** The training set as chat JSONL. */
  async exportFile(scope: ChannelScope): Promise<{ readonly name: string; readonly content: string; readonly count: number }> {
    const { lines } = await this.trainingLines(scope);
    return { name: `training-${scope.channel}.jsonl`, content: toJsonl(lines), count: lines.length };
  }

  /**
   * Preference pairs in the DPO format: each turned-down answer paired with an approved answer (a
   * training example) to the same question. Evaluation inputs are left out, as in the chat export.
   */
  async exportPreferences(scope: ChannelScope): Promise<{ readonly name: string; readonly content: string; readonly count: number }> {
    const [{ profile, examples }, rejected] = await Promise.all([this.trainingLines(scope), this.deps.rejectedAnswers?.(scope) ?? []]);
    const pairs = rejected.flatMap((r) => {
      const preferred = examples.find((e) => e.input.trim() === r.question.trim() && e.output.trim() !== r.answer.trim());
      return preferred ? [{ input: preferred.input, preferred: preferred.output, rejected: r.answer }] : [];
    });
    const lines = preferenceLines(profile.persona.value, pairs);
    return { name: `preferences-${scope.channel}.jsonl`, content: toJsonl(lines), count: lines.length };
  }

  private trainingPrice(model: string): number | undefined {
    const tuner = this.deps.tuner?.provider;
    const facts = factsOf({ models: this.deps.models }, model);
    if (tuner === 'openai' && facts?.training !== undefined) return facts.training;
    return tuner ? (this.deps.settings.providers[tuner as 'openai' | 'together']?.trainingPerMillion ?? facts?.training) : undefined;
  }

  /** Validates, states the estimate, uploads, creates the job and persists it. Any problem: nothing is created. */
  async start(scope: ChannelScope, user: UserRef, options: { baseModel?: string; switchRoute: boolean; epochs?: number }): Promise<string> {
    const tuner = this.deps.tuner;
    if (!tuner) throw new UserError(ErrorCode.InvalidState, NO_PROVIDER_SENTENCE);
    const current = await this.job(scope);
    if (current && !current.finished) {
      throw new UserError(ErrorCode.InvalidState, `Job ${current.jobId} is still ${current.providerStatus}; wait for it or stop it with /finetune cancel.`);
    }
    const { profile, examples, lines } = await this.trainingLines(scope);
    const baseModel = options.baseModel ?? profile.model.value;
    this.refuseEnded(tuner.provider, baseModel);
    const facts = factsOf({ models: this.deps.models }, baseModel) as (ModelFacts & { trainingTokenLimit?: number }) | undefined;
    const check = checkTrainingSet(lines, examples, this.deps.tokenizer, {
      minExamples: this.deps.settings.minExamples,
      warnExamples: this.deps.settings.warnExamples,
      exampleTokenLimit: facts?.trainingTokenLimit ?? this.deps.settings.exampleTokenLimit,
    });
    if (check.problems.length > 0) throw new UserError(ErrorCode.InvalidState, check.problems.join(' '));
    const epochs = options.epochs ?? this.deps.settings.epochs;
    const price = this.trainingPrice(baseModel);
    const estimate = price === undefined ? undefined : trainingCost(check.tokens, epochs, price);
    const fileId = await tuner.upload(`channelwise-${scope.channel}.jsonl`, toJsonl(lines));
    const state = await tuner.create({
      model: baseModel,
      trainingFile: fileId,
      epochs,
      suffix: suffixOf(scope),
      metadata: { platform: scope.platform, workspace: scope.workspace, channel: scope.channel },
    });
    const now = this.deps.clock.now();
    const record: JobRecord = {
      jobId: state.id,
      provider: tuner.provider,
      scope,
      baseModel,
      epochs,
      switchRoute: options.switchRoute,
      startedBy: user,
      startedAt: now.toISOString(),
      examples: lines.length,
      tokens: check.tokens,
      estimateUsd: estimate ?? 0,
      status: state.status,
      providerStatus: state.providerStatus,
      nextPollAt: now.getTime() + this.pollMs,
      intervalMs: this.pollMs,
      finished: false,
    };
    await this.deps.store.set(jobKey(scope), record);
    await this.deps.store.update<string[]>(ACTIVE_KEY, (list) => [...new Set([...(list ?? []), channelKey(scope)])]);
    const cost =
      estimate === undefined
        ? 'no training price is configured for this model, so there is no cost estimate'
        : `estimated cost ${formatUsd(estimate)} (${check.tokens.toLocaleString('en-US')} tokens × ${epochs} epochs × ${formatUsd(price ?? 0)} per 1M tokens)`;
    return [
      `Started fine-tuning job ${state.id} on ${tuner.provider}: ${baseModel}, ${lines.length} examples, ${cost}.`,
      ...check.warnings,
      `Progress and the result will be posted in this channel${options.switchRoute ? '; on success the channel switches to route finetune' : ''}.`,
    ].join('\n');
  }

  /** One sentence when the provider takes no new jobs any more (config `newJobsUntil`), naming the alternatives. */
  private refuseEnded(provider: string, model: string): void {
    const info = this.deps.settings.providers[provider as 'openai' | 'together'];
    const today = this.deps.clock.now().toISOString().slice(0, 10);
    if (this.deps.hostedProvider && info?.newJobsUntil !== undefined && today > info.newJobsUntil) {
      throw new UserError(
        ErrorCode.InvalidState,
        `${provider} takes no new fine-tuning jobs since ${info.newJobsUntil}, so ${model} cannot be fine-tuned there; use ${info.alternatives ?? 'another provider'} instead.`,
      );
    }
    const facts = factsOf({ models: this.deps.models }, model);
    if (facts && !facts.fineTunable) {
      throw new UserError(
        ErrorCode.InvalidState,
        `${model} cannot be fine-tuned; name a fine-tunable base model with /finetune start <base-model>${info?.alternatives ? ` or use ${info.alternatives}` : ''}.`,
      );
    }
  }

  async status(scope: ChannelScope): Promise<string> {
    const [{ examples }, record] = await Promise.all([this.trainingLines(scope), this.job(scope)]);
    const provider = this.deps.tuner?.provider ?? 'none configured';
    const lines = [`Training set: ${examples.length} examples · provider: ${provider}.`];
    if (!record) {
      lines.push('No fine-tuning job yet; start one with /finetune start.');
      return lines.join('\n');
    }
    lines.push(
      `Job ${record.jobId}: ${record.status === 'unknown' ? record.providerStatus : record.status} · base model ${record.baseModel} · ${record.epochs} epochs · started ${record.startedAt.slice(0, 16).replace('T', ' ')} UTC` +
        (record.fineTunedModel ? ` · model ${record.fineTunedModel}` : '') +
        (record.error ? ` · ${record.error}` : '') +
        '.',
    );
    const tuner = this.deps.tuner;
    if (tuner && tuner.provider === record.provider) {
      const [events, checkpoints] = await Promise.all([tuner.events(record.jobId, 5).catch(() => []), tuner.checkpoints(record.jobId).catch(() => [])]);
      if (events.length) lines.push('Latest events:', ...events.map((e) => `• ${e.at.slice(0, 19).replace('T', ' ')} ${e.message}`));
      if (checkpoints.length) {
        lines.push(
          'Checkpoints:',
          ...checkpoints.map((c) => `• step ${c.step}: training loss ${c.trainLoss?.toFixed(4) ?? '—'} · validation loss ${c.validLoss?.toFixed(4) ?? '—'}`),
        );
      }
    }
    return lines.join('\n');
  }

  async cancel(scope: ChannelScope): Promise<string> {
    const record = await this.job(scope);
    const tuner = this.deps.tuner;
    if (!record || record.finished) throw new UserError(ErrorCode.InvalidState, 'This channel has no running fine-tuning job to cancel.');
    if (!tuner || tuner.provider !== record.provider)
      throw new UserError(ErrorCode.InvalidState, `Job ${record.jobId} runs on ${record.provider}, which is not configured now.`);
    const state = await tuner.cancel(record.jobId);
    await this.apply(record, state);
    return `Cancelled fine-tuning job ${record.jobId}; the channel's model and route are unchanged.`;
  }

  /** The fine-tuning jobs not finished yet, by status (for /healthz); shared by every process on the store. */
  async queueState(): Promise<{ readonly active: number; readonly byStatus: Readonly<Record<string, number>> }> {
    const active = (await this.deps.store.get<string[]>(ACTIVE_KEY)) ?? [];
    const byStatus: Record<string, number> = {};
    let count = 0;
    for (const key of active) {
      const record = await this.deps.store.get<JobRecord>(`finetune:job:${key}`);
      if (!record || record.finished) continue;
      count += 1;
      byStatus[record.status] = (byStatus[record.status] ?? 0) + 1;
    }
    return { active: count, byStatus };
  }

  /** Polls every job whose time has come, each under its lease. Called by the runner. */
  async pollDue(): Promise<void> {
    const active = (await this.deps.store.get<string[]>(ACTIVE_KEY)) ?? [];
    for (const key of active) {
      const record = await this.deps.store.get<JobRecord>(`finetune:job:${key}`);
      if (!record || record.finished) {
        await this.deps.store.update<string[]>(ACTIVE_KEY, (list) => (list ?? []).filter((k) => k !== key));
        continue;
      }
      // A process that cannot post on the job's platform leaves it to one that can (each says its news once).
      if (record.nextPollAt > this.deps.clock.now().getTime() || !this.deps.posters.has(record.scope.platform)) continue;
      await withLease(this.deps.lease, `finetune:poll:${record.jobId}`, Math.max(30_000, 2 * this.pollMs), async () => {
        // Re-read under the lease: another process may have polled between our read and the claim.
        const fresh = await this.job(record.scope);
        if (!fresh || fresh.jobId !== record.jobId || fresh.finished || fresh.nextPollAt > this.deps.clock.now().getTime()) return;
        await this.pollOne(fresh);
      });
    }
  }

  private async pollOne(record: JobRecord): Promise<void> {
    const tuner = this.deps.tuner;
    if (!tuner || tuner.provider !== record.provider) return;
    let state: FineTuneJobState;
    try {
      state = await tuner.retrieve(record.jobId);
    } catch (err) {
      this.deps.logger.warn({ err, jobId: record.jobId }, 'could not check the fine-tuning job; backing off');
      await this.reschedule(record, false);
      return;
    }
    await this.apply(record, state);
  }

  private async reschedule(record: JobRecord, changed: boolean, next: Partial<JobRecord> = {}): Promise<JobRecord> {
    const intervalMs = changed ? this.pollMs : Math.min(record.intervalMs * 2, this.pollMs * this.deps.settings.maxBackoff);
    const updated: JobRecord = { ...record, ...next, intervalMs, nextPollAt: this.deps.clock.now().getTime() + intervalMs };
    await this.deps.store.set(jobKey(record.scope), updated);
    return updated;
  }

  /** Records the provider's state; a new status is said in the channel once, the end acted on once. */
  private async apply(record: JobRecord, state: FineTuneJobState): Promise<void> {
    if (state.status === 'unknown')
      this.deps.logger.info({ jobId: record.jobId, status: state.providerStatus }, 'fine-tuning job in a status we do not know; still watching');
    const changed = state.providerStatus !== record.providerStatus;
    const finished = TERMINAL.has(state.status);
    const updated = await this.reschedule(record, changed, {
      status: state.status,
      providerStatus: state.providerStatus,
      ...(state.fineTunedModel ? { fineTunedModel: state.fineTunedModel } : {}),
      ...(state.error ? { error: state.error } : {}),
      finished,
    });
    if (!changed && !finished) return;
    // Once across processes and restarts, whoever saw the status first.
    if (
      !(await this.deps.store.setIfAbsent(
        `finetune:said:${channelKey(record.scope)}:${record.provider}:${record.jobId}:${state.providerStatus}`,
        true,
        90 * 86_400_000,
      ))
    )
      return;
    if (finished) {
      await this.finish(updated, state);
      await this.deps.store.update<string[]>(ACTIVE_KEY, (list) => (list ?? []).filter((k) => k !== channelKey(record.scope)));
    } else {
      await this.say(record.scope, `Fine-tuning job ${record.jobId} is now ${state.status === 'unknown' ? state.providerStatus : state.status}.`);
    }
  }

  private async finish(record: JobRecord, state: FineTuneJobState): Promise<void> {
    if (state.status === 'succeeded' && state.fineTunedModel) {
      await this.owners.record(state.fineTunedModel, record.scope);
      await this.deps.profiles.setFineTunedModel(record.scope, record.startedBy, state.fineTunedModel);
      if (record.switchRoute) await this.deps.profiles.setRoute(record.scope, record.startedBy, 'finetune');
      await this.say(
        record.scope,
        `Fine-tuning job ${record.jobId} succeeded: the channel's fine-tuned model is now ${state.fineTunedModel}` +
          (record.switchRoute ? ' and the channel answers with it (route finetune).' : '; use it with /route finetune.'),
      );
    } else if (state.status === 'cancelled') {
      await this.say(record.scope, `Fine-tuning job ${record.jobId} was cancelled; nothing changed.`);
    } else {
      await this.say(record.scope, `Fine-tuning job ${record.jobId} failed: ${state.error ?? 'the provider gave no reason'}. Nothing changed.`);
    }
  }

  private async say(scope: ChannelScope, text: string): Promise<void> {
    try {
      await this.deps.posters.post(scope, text);
    } catch (err) {
      this.deps.logger.warn({ err, scope: channelKey(scope) }, 'could not post the fine-tuning update');
    }
  }
}

/** The fine-tuned model's name part: the channel, in the letters providers accept. */
export function suffixOf(scope: ChannelScope): string {
  return `cw-${scope.channel}`
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, 40);
}
