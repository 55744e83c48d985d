/**
 * The model lifecycle (SPEC §8): once a day, every model a known channel uses (its base model and
 * its fine-tuned model) is checked against its shutdown date — the server's word (`GET /models`)
 * where it gives one, else config/models.json — and the channel is warned 30 and 7 days ahead (config
 * `finetune.warnDays`), each warning once across every process sharing the store. A fine-tuned model
 * dies with its base model, so its base model's date applies to it.
 */
import { factsOf } from '../advice/gather';
import type { ModelCatalog, ModelFacts } from '../advice/deps';
import type { Clock, DocumentStore, Logger } from '../ports';
import type { ProfileService } from '../profiles/profile-service';
import { channelKey, type ChannelScope, type Platform } from '../types';
import type { ChannelPosters } from './posters';

export interface ShutdownLookup {
  readonly models: Readonly<Record<string, ModelFacts>>;
  readonly catalog?: ModelCatalog;
}

/** The model's shutdown date (YYYY-MM-DD) or undefined when none is known. */
export async function shutdownDateOf(lookup: ShutdownLookup, model: string): Promise<string | undefined> {
  let reported: string | null | undefined;
  try {
    reported = await lookup.catalog?.shutdownDate(model);
  } catch {
    reported = undefined; // config decides when the server cannot be asked
  }
  if (typeof reported === 'string') return reported;
  if (reported === null) return undefined;
  return factsOf(lookup, model)?.shutdownDate;
}

export interface ModelWatchDeps extends ShutdownLookup {
  readonly store: DocumentStore;
  readonly profiles: ProfileService;
  readonly posters: ChannelPosters;
  readonly clock: Clock;
  readonly warnDays: readonly number[];
  readonly logger: Logger;
}

const CHANNELS_KEY = 'modelwatch:channels';
const DAY_MS = 86_400_000;

export class ModelWatch {
  private readonly tracked = new Set<string>();

  constructor(private readonly deps: ModelWatchDeps) {}

  /** Remembers a channel whose models are to be watched (it ran a command, or started a job). */
  async track(scope: ChannelScope): Promise<void> {
    const key = channelKey(scope);
    if (this.tracked.has(key)) return;
    await this.deps.store.update<ChannelScope[]>(CHANNELS_KEY, (list) =>
      (list ?? []).some((s) => channelKey(s) === key)
        ? (list ?? [])
        : [...(list ?? []), { platform: scope.platform, workspace: scope.workspace, channel: scope.channel }],
    );
    this.tracked.add(key);
  }

  /** The day's check, made per platform by one process a day (whichever that can post there claims the day first). */
  async checkDaily(): Promise<void> {
    const today = this.deps.clock.now().toISOString().slice(0, 10);
    const platforms: Platform[] = [];
    for (const platform of this.deps.posters.platforms()) {
      if (await this.deps.store.setIfAbsent(`modelwatch:checked:${platform}:${today}`, true, 2 * DAY_MS)) platforms.push(platform);
    }
    if (platforms.length) await this.check(platforms);
  }

  /** Checks the tracked channels of `platforms` (default: every one this process posts on) now; each warning still goes out once. */
  async check(platforms: readonly Platform[] = this.deps.posters.platforms()): Promise<void> {
    const now = this.deps.clock.now();
    const today = now.toISOString().slice(0, 10);
    const thresholds = [...this.deps.warnDays].sort((a, b) => a - b);
    for (const scope of (await this.deps.store.get<ChannelScope[]>(CHANNELS_KEY)) ?? []) {
      if (!platforms.includes(scope.platform)) continue;
      const profile = await this.deps.profiles.resolve(scope);
      const models: Array<{ model: string; what: string }> = [{ model: profile.model.value, what: 'base model' }];
      if (profile.fineTunedModel.value) models.push({ model: profile.fineTunedModel.value, what: 'fine-tuned model' });
      for (const { model, what } of models) {
        const date = await shutdownDateOf(this.deps, model);
        if (!date || date < today) continue;
        const daysLeft = Math.round((Date.parse(`${date}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / DAY_MS);
        const threshold = thresholds.find((t) => daysLeft <= t);
        if (threshold === undefined) continue;
        const claim = `modelwatch:warned:${channelKey(scope)}:${model}:${date}:${threshold}`;
        if (!(await this.deps.store.setIfAbsent(claim, true, (daysLeft + 2) * DAY_MS))) continue;
        const text =
          `Heads-up for admins: ${model}, this channel's ${what}, shuts down on ${date} (in ${daysLeft} day${daysLeft === 1 ? '' : 's'}); ` +
          (what === 'fine-tuned model'
            ? 'fine-tune a newer base model with /finetune start <base-model>, or switch route with /route prompt.'
            : 'choose another model with /model <model-id>.');
        try {
          await this.deps.posters.post(scope, text);
        } catch (err) {
          this.deps.logger.warn({ err, scope: channelKey(scope), model }, 'could not post the shutdown warning');
        }
      }
    }
  }
}
