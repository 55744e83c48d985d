/**
 * Measured usage, per channel and day: every model call (chat answers by route, embeddings,
 * evaluation and judge calls by kind) with its tokens as the API reported them (or estimated,
 * and then marked so), cost, latency and what /advise looks at. One record per channel-month,
 * updated atomically with `DocumentStore.update`, so every process on one store counts into it;
 * the month's spend and the budget's in-flight reservations live in the same record, so checking
 * the cap and counting a call are each one atomic step.
 */
import { ErrorCode, UserError } from '../errors';
import type { Clock, DocumentStore } from '../ports';
import { formatUsd } from '../prompt/cost';
import type { ChannelScope, Route, TokenUsage } from '../types';
import { channelKey } from '../types';

export type AnswerRoute = Exclude<Route, 'auto'>;
export type CallKind = 'chat' | 'embedding' | 'eval' | 'judge';
/** A line of /usage: chat answers by the route that answered, other calls by their kind. */
export type UsageLine = AnswerRoute | Exclude<CallKind, 'chat'>;
export const USAGE_LINES: readonly UsageLine[] = ['prompt', 'rag', 'finetune', 'embedding', 'eval', 'judge'];

/** One model call, as the caller measured it. */
export interface ModelCall {
  readonly kind: CallKind;
  /** The route that answered (chat calls). */
  readonly route?: AnswerRoute;
  readonly model: string;
  readonly usage: TokenUsage;
  readonly costUsd: number;
  readonly latencyMs: number;
  readonly error: boolean;
  /** Offline mode: nothing was sent; the figures say what it would have cost (estimated). */
  readonly offline?: boolean;
  /** The cacheable prefix of a chat prompt: system + examples, and the examples' part of it. */
  readonly prefix?: { readonly tokens: number; readonly examplesTokens: number };
  /** What the answer showed about the need for RAG: counted in the same update (see `signal`). */
  readonly signals?: AnswerSignals;
}

/** Signs /advise reads that are not model calls: a RAG miss answered without calling the model counts too. */
export interface AnswerSignals {
  /** The message was a knowledge question (SPEC §2's rule for `auto`). */
  readonly question: boolean;
  /** A knowledge question answered with no source (prompt or fine-tune route, or RAG that found nothing). */
  readonly unsourced: boolean;
  /** The knowledge base was searched and nothing passed the relevance threshold. */
  readonly kbMiss: boolean;
  /** `auto` answered a question with the prompt route for want of a passage. */
  readonly autoFallback: boolean;
}

export interface LineTotals {
  requests: number;
  errors: number;
  /** Requests whose figures were estimated (no usage from the server, or offline). */
  estimated: number;
  promptTokens: number;
  cachedTokens: number;
  completionTokens: number;
  costUsd: number;
  latencyMsTotal: number;
  /** Latency histogram: bucket index → calls (see `latencyBucket`). */
  latency: Record<string, number>;
  prefixTokens: number;
  examplesTokens: number;
}

export interface SignalTotals {
  questions: number;
  unsourced: number;
  kbMisses: number;
  autoFallbacks: number;
}

interface DayRecord {
  lines: Partial<Record<UsageLine, LineTotals>>;
  signals?: SignalTotals;
}

interface Reservation {
  readonly usd: number;
  /** Epoch ms after which a reservation whose call never finished (a crashed process) no longer counts. */
  readonly until: number;
}

interface MonthRecord {
  /** `YYYY-MM-DD` → that day's figures. */
  days: Record<string, DayRecord>;
  /** What the month's real model calls cost (offline previews cost nothing). */
  spentUsd: number;
  /** Calls admitted under a cap and not finished yet (see `reserve`). */
  reserved: Record<string, Reservation>;
  /** The budget level (`usd:pct`) admins were already warned about this month. */
  warned?: string;
}

/** A budget as the usage log applies it. */
export interface BudgetLevel {
  readonly usd: number;
  readonly warnPct: number;
}

export interface RecordOptions {
  /** The reservation `reserve` made for this call: released as the cost is counted. */
  readonly reservation?: string;
  /** The channel's budget, if any: crossing its warning level is reported once a month. */
  readonly budget?: BudgetLevel;
}

export interface RecordResult {
  /** This call took the month's spend over the warning level, and it is the first to do so. */
  readonly warning?: { readonly spentUsd: number; readonly budget: BudgetLevel };
}

export interface UsageReport {
  readonly days: number;
  /** Lines that were used, in USAGE_LINES order. */
  readonly lines: ReadonlyArray<{ readonly line: UsageLine; readonly totals: LineTotals }>;
  readonly total: LineTotals;
  readonly signals: SignalTotals;
  /** One entry per day of the period, oldest first, days without calls included. */
  readonly series: ReadonlyArray<{ readonly day: string; readonly lines: Partial<Record<UsageLine, { requests: number; costUsd: number }>> }>;
}

export function emptyTotals(): LineTotals {
  return {
    requests: 0,
    errors: 0,
    estimated: 0,
    promptTokens: 0,
    cachedTokens: 0,
    completionTokens: 0,
    costUsd: 0,
    latencyMsTotal: 0,
    latency: {},
    prefixTokens: 0,
    examplesTokens: 0,
  };
}

const emptySignals = (): SignalTotals => ({ questions: 0, unsourced: 0, kbMisses: 0, autoFallbacks: 0 });

function signalTotals(signals: AnswerSignals): SignalTotals {
  return {
    questions: signals.question ? 1 : 0,
    unsourced: signals.unsourced ? 1 : 0,
    kbMisses: signals.kbMiss ? 1 : 0,
    autoFallbacks: signals.autoFallback ? 1 : 0,
  };
}

/** Nothing worth a write: not a question and no knowledge-base search that missed. */
const noSignal = (signals: AnswerSignals | undefined): boolean => !signals || (!signals.question && !signals.kbMiss);

/**
 * Latencies are kept as a histogram so days and processes add up exactly: bucket i holds calls of
 * up to `latencyBucketEdge(i)` ms, edges growing 20% a step from 10 ms (so a percentile read from
 * it is within 20% of the measured one, and the record stays small).
 */
export function latencyBucket(ms: number): number {
  if (ms <= 10) return 0;
  return Math.min(80, Math.ceil(Math.log(ms / 10) / Math.log(1.2)));
}

export function latencyBucketEdge(bucket: number): number {
  return Math.round(10 * 1.2 ** bucket);
}

/** The `p`-th percentile (0–100) of a histogram, as the upper edge of its bucket; undefined when empty. */
export function percentileMs(histogram: Readonly<Record<string, number>>, p: number): number | undefined {
  const buckets = Object.entries(histogram)
    .map(([bucket, count]) => [Number(bucket), count] as const)
    .sort((a, b) => a[0] - b[0]);
  const total = buckets.reduce((sum, [, count]) => sum + count, 0);
  if (total === 0) return undefined;
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (const [bucket, count] of buckets) {
    seen += count;
    if (seen >= rank) return latencyBucketEdge(bucket);
  }
  return undefined;
}

export function addTotals(a: LineTotals, b: LineTotals): LineTotals {
  const latency = { ...a.latency };
  for (const [bucket, count] of Object.entries(b.latency)) latency[bucket] = (latency[bucket] ?? 0) + count;
  return {
    requests: a.requests + b.requests,
    errors: a.errors + b.errors,
    estimated: a.estimated + b.estimated,
    promptTokens: a.promptTokens + b.promptTokens,
    cachedTokens: a.cachedTokens + b.cachedTokens,
    completionTokens: a.completionTokens + b.completionTokens,
    costUsd: a.costUsd + b.costUsd,
    latencyMsTotal: a.latencyMsTotal + b.latencyMsTotal,
    latency,
    prefixTokens: a.prefixTokens + b.prefixTokens,
    examplesTokens: a.examplesTokens + b.examplesTokens,
  };
}

function addSignals(a: SignalTotals, b: SignalTotals): SignalTotals {
  return {
    questions: a.questions + b.questions,
    unsourced: a.unsourced + b.unsourced,
    kbMisses: a.kbMisses + b.kbMisses,
    autoFallbacks: a.autoFallbacks + b.autoFallbacks,
  };
}

function callTotals(call: ModelCall): LineTotals {
  return {
    requests: 1,
    errors: call.error ? 1 : 0,
    estimated: call.usage.estimated || call.offline ? 1 : 0,
    promptTokens: call.usage.promptTokens,
    cachedTokens: call.usage.cachedTokens,
    completionTokens: call.usage.completionTokens,
    costUsd: call.costUsd,
    latencyMsTotal: call.latencyMs,
    latency: { [latencyBucket(call.latencyMs)]: 1 },
    prefixTokens: call.prefix?.tokens ?? 0,
    examplesTokens: call.prefix?.examplesTokens ?? 0,
  };
}

export function lineOf(call: Pick<ModelCall, 'kind' | 'route'>): UsageLine {
  return call.kind === 'chat' ? (call.route ?? 'prompt') : call.kind;
}

const DAY_MS = 86_400_000;
const dayOf = (date: Date): string => date.toISOString().slice(0, 10);
const monthOf = (day: string): string => day.slice(0, 7);
const emptyMonth = (): MonthRecord => ({ days: {}, spentUsd: 0, reserved: {} });

/** Reservations that still count at `now`, summed. */
function reservedUsd(month: MonthRecord, now: number): number {
  return Object.values(month.reserved).reduce((sum, r) => (r.until > now ? sum + r.usd : sum), 0);
}

function liveReservations(month: MonthRecord, now: number): Record<string, Reservation> {
  return Object.fromEntries(Object.entries(month.reserved).filter(([, r]) => r.until > now));
}

export const levelKey = (budget: BudgetLevel): string => `${budget.usd}:${budget.warnPct}`;

/** The one sentence a channel at its cap gets instead of an answer. */
export function budgetReachedSentence(budget: BudgetLevel, spentUsd: number): string {
  if (spentUsd < budget.usd) {
    // Below the cap, but the answers already being written could reach it.
    return (
      `The answers in progress could take this channel to its monthly budget of ${formatUsd(budget.usd)} (${formatUsd(spentUsd)} spent so far), ` +
      'so I will not call the model for this one; please ask again in a moment.'
    );
  }
  return (
    `This channel has reached its monthly budget of ${formatUsd(budget.usd)} (${formatUsd(spentUsd)} spent this month), ` +
    'so I will not call the model until next month or until an admin raises the cap with /budget set.'
  );
}

export interface UsageLogOptions {
  /** Days of usage kept (config `usage.retentionDays`); older months are deleted as new ones start. */
  readonly retentionDays: number;
}

export class UsageLog {
  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
    private readonly options: UsageLogOptions = { retentionDays: 400 },
  ) {}

  private monthKey(scope: ChannelScope, month: string): string {
    return `usage:${channelKey(scope)}:${month}`;
  }

  private indexKey(scope: ChannelScope): string {
    return `usage-months:${channelKey(scope)}`;
  }

  /** Count one model call; with a budget, release its reservation and say whether it crossed the warning level. */
  async record(scope: ChannelScope, call: ModelCall, options: RecordOptions = {}): Promise<RecordResult> {
    const now = this.clock.now();
    const day = dayOf(now);
    const line = lineOf(call);
    const totals = callTotals(call);
    const spends = !call.offline;
    let created = false;
    let warning: RecordResult['warning'];
    await this.store.update<MonthRecord>(this.monthKey(scope, monthOf(day)), (current) => {
      // Pure: `update` may run this again; the last run's flags are the ones that were written.
      created = current === undefined;
      const month = current ?? emptyMonth();
      const record = month.days[day] ?? { lines: {} };
      const previous = record.lines[line];
      const signals = noSignal(call.signals) || !call.signals ? record.signals : addSignals(record.signals ?? emptySignals(), signalTotals(call.signals));
      const days = {
        ...month.days,
        [day]: { ...record, lines: { ...record.lines, [line]: previous ? addTotals(previous, totals) : totals }, ...(signals ? { signals } : {}) },
      };
      const reserved = liveReservations(month, now.getTime());
      if (options.reservation) delete reserved[options.reservation];
      const spentUsd = month.spentUsd + (spends ? call.costUsd : 0);
      const budget = options.budget;
      const crossed = budget !== undefined && month.warned !== levelKey(budget) && spentUsd >= (budget.usd * budget.warnPct) / 100;
      warning = crossed ? { spentUsd, budget } : undefined;
      return { ...month, days, spentUsd, reserved, ...(crossed ? { warned: levelKey(budget) } : {}) };
    });
    if (created) await this.startedMonth(scope, monthOf(day));
    return warning ? { warning } : {};
  }

  /**
   * Count what an answer that called no model (a RAG miss answered with the no-source sentence)
   * showed about the channel's need for RAG; answers that call the model count theirs with the
   * call (`ModelCall.signals`), in the same update.
   */
  async signal(scope: ChannelScope, signals: AnswerSignals): Promise<void> {
    if (noSignal(signals)) return; // nothing to count: spare the write
    const day = dayOf(this.clock.now());
    const add = signalTotals(signals);
    let created = false;
    await this.store.update<MonthRecord>(this.monthKey(scope, monthOf(day)), (current) => {
      created = current === undefined;
      const month = current ?? emptyMonth();
      const record = month.days[day] ?? { lines: {} };
      return { ...month, days: { ...month.days, [day]: { ...record, signals: addSignals(record.signals ?? emptySignals(), add) } } };
    });
    if (created) await this.startedMonth(scope, monthOf(day));
  }

  /**
   * Admit one call under a cap: refused (a `UserError` naming the cap, nothing written) when the
   * month's spend plus the calls already in flight reach it; otherwise `usd` (the most the call can
   * cost) is held until `record` releases it. Admission and the hold are one atomic update, so with
   * any number of processes the calls admitted below the cap can exceed it by one call at most.
   */
  async reserve(scope: ChannelScope, id: string, usd: number, budget: BudgetLevel, holdMs: number): Promise<void> {
    const now = this.clock.now().getTime();
    const day = dayOf(new Date(now));
    let created = false;
    await this.store.update<MonthRecord>(this.monthKey(scope, monthOf(day)), (current) => {
      created = current === undefined;
      const month = current ?? emptyMonth();
      if (month.spentUsd + reservedUsd(month, now) >= budget.usd) {
        throw new UserError(ErrorCode.BudgetReached, budgetReachedSentence(budget, month.spentUsd), { spentUsd: month.spentUsd, cap: budget.usd });
      }
      return { ...month, reserved: { ...liveReservations(month, now), [id]: { usd, until: now + holdMs } } };
    });
    if (created) await this.startedMonth(scope, monthOf(day));
  }

  /** This calendar month's (UTC) spend on real model calls. */
  async monthSpend(scope: ChannelScope): Promise<number> {
    const month = await this.store.get<MonthRecord>(this.monthKey(scope, monthOf(dayOf(this.clock.now()))));
    return month?.spentUsd ?? 0;
  }

  /** Totals by line, the daily series and the signals over the last `days` days, today included. */
  async report(scope: ChannelScope, days: number): Promise<UsageReport> {
    const now = this.clock.now().getTime();
    const dayList = Array.from({ length: days }, (_, i) => dayOf(new Date(now - (days - 1 - i) * DAY_MS)));
    const months = [...new Set(dayList.map(monthOf))];
    const records = new Map(await Promise.all(months.map(async (month) => [month, await this.store.get<MonthRecord>(this.monthKey(scope, month))] as const)));
    const byLine = new Map<UsageLine, LineTotals>();
    let signals = emptySignals();
    const series = dayList.map((day) => {
      const record = records.get(monthOf(day))?.days[day];
      const lines: Partial<Record<UsageLine, { requests: number; costUsd: number }>> = {};
      for (const line of USAGE_LINES) {
        const totals = record?.lines[line];
        if (!totals) continue;
        byLine.set(line, addTotals(byLine.get(line) ?? emptyTotals(), totals));
        lines[line] = { requests: totals.requests, costUsd: totals.costUsd };
      }
      if (record?.signals) signals = addSignals(signals, record.signals);
      return { day, lines };
    });
    const lines = USAGE_LINES.flatMap((line) => {
      const totals = byLine.get(line);
      return totals ? [{ line, totals }] : [];
    });
    const total = lines.reduce((sum, { totals }) => addTotals(sum, totals), emptyTotals());
    return { days, lines, total, signals, series };
  }

  /**
   * A channel's first call of a month: note the month, and delete the months whose last day is
   * past the retention period (config `usage.retentionDays`, 400 by default).
   */
  private async startedMonth(scope: ChannelScope, month: string): Promise<void> {
    const cutoff = dayOf(new Date(this.clock.now().getTime() - this.options.retentionDays * DAY_MS));
    let expired: string[] = [];
    await this.store.update<string[]>(this.indexKey(scope), (current) => {
      const months = [...new Set([...(current ?? []), month])].sort();
      // A month is expired once its last possible day (the 31st, or earlier) is before the cutoff.
      expired = months.filter((m) => `${m}-31` < cutoff);
      return months.filter((m) => !expired.includes(m));
    });
    for (const old of expired) await this.store.delete(this.monthKey(scope, old));
  }
}
