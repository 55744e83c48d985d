/**
 * Feedback on answers (SPEC §8 "Feedback"). The pipeline records every answer it delivers (the
 * question, the text, route, model, profile version, whether it cited sources), kept
 * `answerDays`; a vote names the answer by its id. Votes of one channel live in one document,
 * updated atomically, so each user's latest vote per answer wins whatever the process and the
 * order of clicks (toggle, change, re-vote). An admin's 👍 or ⭐ adds the exchange to the
 * training set; a member's adds nothing.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode, UserError } from '../errors';
import type { Clock, DocumentStore } from '../ports';
import { isKnowledgeQuestion } from '../routes/auto-route';
import type { TrainingSet } from '../training/training-set';
import { channelKey, type ChannelScope, type Route, type UserRef } from '../types';

const DAY_MS = 86_400_000;
/** A reason is a sentence or two for the admins reading it. */
export const REASON_MAX_CHARS = 500;

export interface AnswerRecord {
  readonly id: string;
  readonly scope: ChannelScope;
  readonly question: string;
  readonly answer: string;
  readonly route: Exclude<Route, 'auto'>;
  readonly model: string;
  readonly profileVersion?: number;
  readonly cited: boolean;
  readonly at: string;
}

export type VoteValue = 'up' | 'down';

export interface StoredVote {
  readonly value: VoteValue;
  readonly reason?: string;
  readonly at: string;
}

/** One answer's votes inside the channel's feedback document, with what the counts are split by. */
interface AnswerVotes {
  readonly route: AnswerRecord['route'];
  readonly model: string;
  readonly profileVersion?: number;
  readonly cited: boolean;
  /** The answer's question was a knowledge question (for /advise's "👎 on factual answers"). */
  readonly question: boolean;
  readonly at: string;
  readonly votes: Readonly<Record<string, StoredVote>>;
}

type ChannelVotes = Readonly<Record<string, AnswerVotes>>;

export interface VoteRequest {
  readonly scope: ChannelScope;
  readonly answerId: string;
  readonly user: UserRef;
  /** `none`: take the user's vote back (a second click on the same button). */
  readonly value: VoteValue | 'none';
  readonly reason?: string;
  readonly isAdmin: boolean;
}

export interface VoteResult {
  /** The user's vote after this one. */
  readonly value: VoteValue | 'none';
  /** The exchange was added to the training set by this vote. */
  readonly approved: boolean;
}

export interface FeedbackCounts {
  readonly up: number;
  readonly down: number;
  readonly downOnQuestions: number;
  /** 👎 on answers to knowledge questions that cited no source: the facts were missing (a sign for RAG). */
  readonly downUnsourced: number;
  readonly byRoute: Readonly<Record<string, { readonly up: number; readonly down: number }>>;
}

export class Feedback {
  constructor(
    private readonly store: DocumentStore,
    private readonly training: TrainingSet,
    private readonly clock: Clock,
    /** How long answers (and their votes) are kept. */
    readonly answerDays: number,
  ) {}

  private answerKey(id: string): string {
    return `answer:${id}`;
  }

  private lastKey(scope: ChannelScope): string {
    return `answer-last:${channelKey(scope)}`;
  }

  private votesKey(scope: ChannelScope): string {
    return `feedback:${channelKey(scope)}`;
  }

  private messageKey(scope: ChannelScope, messageId: string): string {
    return `answer-message:${channelKey(scope)}:${messageId}`;
  }

  private get ttlMs(): number {
    return this.answerDays * DAY_MS;
  }

  /**
   * Keeps the answer for `answerDays`; returns its id, which the feedback controls carry. Only the
   * console's answers are also kept as the channel's last: `/feedback` votes on that, and it is the
   * console's alone (Slack and Discord answers carry buttons naming their answer), so other
   * platforms' answers save the write.
   */
  async record(answer: Omit<AnswerRecord, 'id' | 'at'>): Promise<AnswerRecord> {
    const record: AnswerRecord = { ...answer, id: randomUUID(), at: this.clock.now().toISOString() };
    const writes = [this.store.set(this.answerKey(record.id), record, this.ttlMs)];
    if (answer.scope.platform === 'console') writes.push(this.store.set(this.lastKey(answer.scope), record.id, this.ttlMs));
    await Promise.all(writes);
    return record;
  }

  answer(id: string): Promise<AnswerRecord | undefined> {
    return this.store.get<AnswerRecord>(this.answerKey(id));
  }

  /** The console channel's most recent answer (`/feedback` votes on it); undefined on other platforms. */
  async lastAnswerId(scope: ChannelScope): Promise<string | undefined> {
    return this.store.get<string>(this.lastKey(scope));
  }

  /** The platform message that shows an answer (for reactions, which name the message). */
  async linkMessage(scope: ChannelScope, messageId: string, answerId: string): Promise<void> {
    await this.store.set(this.messageKey(scope, messageId), answerId, this.ttlMs);
  }

  answerIdOfMessage(scope: ChannelScope, messageId: string): Promise<string | undefined> {
    return this.store.get<string>(this.messageKey(scope, messageId));
  }

  /** The answer a platform message shows (any of its parts), while it is kept. */
  async answerOfMessage(scope: ChannelScope, messageId: string): Promise<AnswerRecord | undefined> {
    const id = await this.answerIdOfMessage(scope, messageId);
    const answer = id ? await this.answer(id) : undefined;
    return answer && channelKey(answer.scope) === channelKey(scope) ? answer : undefined;
  }

  /** Someone's latest vote on the answer is a 👍: the exchange is approved as an evaluation case may be. */
  async hasUpvote(scope: ChannelScope, answerId: string): Promise<boolean> {
    return Object.values(await this.votesOf(scope, answerId)).some((vote) => vote.value === 'up');
  }

  /** Records the user's vote (last write wins); bad input changes nothing. */
  async vote(request: VoteRequest): Promise<VoteResult> {
    if (request.reason !== undefined && request.reason.length > REASON_MAX_CHARS) {
      throw new UserError(ErrorCode.TooLarge, `That reason is ${request.reason.length} characters; the limit is ${REASON_MAX_CHARS}.`);
    }
    const answer = await this.answerInScope(request.scope, request.answerId);
    const now = this.clock.now();
    const reason = request.reason?.trim();
    const vote: StoredVote | undefined = request.value === 'none' ? undefined : { value: request.value, ...(reason ? { reason } : {}), at: now.toISOString() };
    const cutoff = now.getTime() - this.ttlMs;
    await this.store.update<ChannelVotes>(this.votesKey(request.scope), (current) => {
      const kept: Record<string, AnswerVotes> = {};
      // Votes go with their answers: older than the answers are kept, they are dropped.
      for (const [id, entry] of Object.entries(current ?? {})) if (Date.parse(entry.at) >= cutoff) kept[id] = entry;
      const entry: AnswerVotes = kept[answer.id] ?? {
        route: answer.route,
        model: answer.model,
        ...(answer.profileVersion !== undefined ? { profileVersion: answer.profileVersion } : {}),
        cited: answer.cited,
        question: isKnowledgeQuestion(answer.question),
        at: answer.at,
        votes: {},
      };
      const votes = { ...entry.votes };
      if (vote) votes[request.user.id] = vote;
      else delete votes[request.user.id];
      kept[answer.id] = { ...entry, votes };
      return kept;
    });
    let approved = false;
    if (request.value === 'up' && request.isAdmin) {
      approved = (
        await this.training.approve(request.scope, {
          input: answer.question,
          output: answer.answer,
          approvedBy: request.user.id,
          source: 'vote',
          answerId: answer.id,
        })
      ).added;
    }
    return { value: request.value, approved };
  }

  /** A ⭐ reaction: an admin's adds the exchange to the training set, anyone else's nothing. */
  async star(scope: ChannelScope, answerId: string, user: UserRef, isAdmin: boolean): Promise<boolean> {
    if (!isAdmin) return false;
    const answer = await this.answerInScope(scope, answerId);
    return (await this.training.approve(scope, { input: answer.question, output: answer.answer, approvedBy: user.id, source: 'reaction', answerId })).added;
  }

  /** Each user's latest vote of one answer. */
  async votesOf(scope: ChannelScope, answerId: string): Promise<Readonly<Record<string, StoredVote>>> {
    return (await this.store.get<ChannelVotes>(this.votesKey(scope)))?.[answerId]?.votes ?? {};
  }

  /** Latest votes on answers of the last `days` days, by route. */
  async counts(scope: ChannelScope, days: number): Promise<FeedbackCounts> {
    const cutoff = this.clock.now().getTime() - days * DAY_MS;
    const byRoute: Record<string, { up: number; down: number }> = {};
    let up = 0;
    let down = 0;
    let downOnQuestions = 0;
    let downUnsourced = 0;
    for (const entry of Object.values((await this.store.get<ChannelVotes>(this.votesKey(scope))) ?? {})) {
      if (Date.parse(entry.at) < cutoff) continue;
      const row = (byRoute[entry.route] ??= { up: 0, down: 0 });
      for (const vote of Object.values(entry.votes)) {
        row[vote.value] += 1;
        if (vote.value === 'up') up += 1;
        else {
          down += 1;
          if (entry.question) downOnQuestions += 1;
          if (entry.question && !entry.cited) downUnsourced += 1;
        }
      }
    }
    return { up, down, downOnQuestions, downUnsourced, byRoute };
  }

  /** Answers with more 👎 than 👍 that are still kept: the rejected side of preference pairs. */
  async rejectedAnswers(scope: ChannelScope): Promise<ReadonlyArray<{ readonly question: string; readonly answer: string }>> {
    const entries = Object.entries((await this.store.get<ChannelVotes>(this.votesKey(scope))) ?? {});
    const turnedDown = entries.filter(([, entry]) => {
      const votes = Object.values(entry.votes);
      return votes.filter((v) => v.value === 'down').length > votes.filter((v) => v.value === 'up').length;
    });
    const answers = await Promise.all(turnedDown.map(([id]) => this.answer(id)));
    return answers.flatMap((a) => (a && channelKey(a.scope) === channelKey(scope) ? [{ question: a.question, answer: a.answer }] : []));
  }

  private async answerInScope(scope: ChannelScope, answerId: string): Promise<AnswerRecord> {
    const answer = await this.answer(answerId);
    if (!answer || channelKey(answer.scope) !== channelKey(scope)) {
      throw new UserError(ErrorCode.NotFound, `That answer is no longer kept (answers are kept ${this.answerDays} days), so it cannot be voted on.`);
    }
    return answer;
  }
}
