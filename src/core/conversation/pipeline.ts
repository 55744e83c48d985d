/**
 * The one way a chat message is handled, whatever the platform (as bolt's `App.processEvent` is):
 * skip bots and empty text → decide by the message and the channel's trigger → claim the message
 * once (across processes) → remember the thread → read the history → answer through the channel's
 * route → count it; in a burst, the steps wait their turn of the event loop (`TurnBudget`).
 * Adapters only translate platform payloads into an `InboundMessage` and render what the
 * `Replier` they pass in is given; every decision is taken here, once, for all of them.
 */
import type { Assistant, FinalReply, ReplyEvent } from '../assistant';
import type { CommandReply } from '../commands/reply';
import { STORE_UNAVAILABLE_SENTENCE, ErrorCode, asCodedError, isStoreUnavailable } from '../errors';
import type { Feedback } from '../feedback/feedback';
import { lazyChild } from '../lazy-logger';
import type { Logger, MessageOutcome, Telemetry } from '../ports';
import type { ProfileService } from '../profiles/profile-service';
import type { EffectiveProfile } from '../profiles/resolve';
import { channelKey, type ChatMessage, type InboundCommand, type InboundMessage } from '../types';
import { THREAD_MEMORY_MS, claimId, type BotThreads } from './bot-threads';
import type { EventDeduper } from './dedupe';
import type { RateLimits } from './rate-limits';
import type { ConversationTurns } from './turns';
import { InFlightAnswers } from './in-flight';
import type { TurnBudget } from './turn-budget';

/** Where the answer to one message goes; the adapter renders it in the platform's own way. */
export interface Replier {
  /** Stream the answer into the conversation: deltas as the model writes, then one `done`. */
  answer(events: AsyncIterable<ReplyEvent>): Promise<void>;
  /** A reply for the sender only (a command written as a message, e.g. `@bot kb add` with files). */
  tellSender(reply: CommandReply): Promise<void>;
}

/** Runs a command on behalf of a message (the platform's admin rule applies, as for slash commands). */
export interface MessageCommands {
  run(command: InboundCommand): Promise<CommandReply>;
}

export interface MessagePipelineDeps {
  readonly assistant: Assistant;
  readonly profiles: ProfileService;
  readonly deduper: EventDeduper;
  readonly threads: BotThreads;
  readonly commands: MessageCommands;
  readonly telemetry: Telemetry;
  readonly logger: Logger;
  /** Where answers are recorded for 👍 / 👎; absent: answers carry no feedback controls. */
  readonly feedback?: Feedback;
  /** Requests per minute per person and channel, across processes; absent: no limits. */
  readonly rateLimits?: RateLimits;
  /** One answer at a time per conversation, in order, across processes; absent: no ordering. */
  readonly turns?: ConversationTurns;
  /** Spreads the answers' next steps over turns of the event loop when many come at once (one per process); absent: none. */
  readonly turnBudget?: TurnBudget;
  /** The process's answers under way (one count for every platform); default: a count of its own. */
  readonly inFlight?: InFlightAnswers;
  /**
   * `storage.outage` (default `refuse`): with the store unreachable, a message the bot would answer
   * gets one sentence saying so, or (`answer`) is answered unclaimed, on the config defaults.
   */
  readonly storeOutage?: 'refuse' | 'answer';
}

/** What decides whether a message is answered (SPEC §2), once the thread is known. */
export interface AnswerFacts {
  readonly isBot: boolean;
  readonly text: string;
  readonly mentioned: boolean;
  readonly isDirect: boolean;
  /** The message is in a thread the bot has answered in. */
  readonly inBotThread: boolean;
}

/**
 * SPEC §2: never a bot's (the bot's own included) or an empty message; always a mention, a DM or a
 * thread the bot is in; any other message only where the channel's trigger is `always`.
 */
export function shouldAnswer(facts: AnswerFacts, profile: Pick<EffectiveProfile, 'trigger'>): boolean {
  if (facts.isBot || !facts.text.trim()) return false;
  if (facts.mentioned || facts.isDirect || facts.inBotThread) return true;
  return profile.trigger.value === 'always';
}

/**
 * The whole text of a mention that adds the files it shares: `kb add`, optionally `--workspace`
 * (Slack slash commands cannot carry files; on every platform a mention can).
 */
interface Handled {
  readonly outcome: MessageOutcome;
  readonly reply?: FinalReply;
}

/** A trigger under which only the message itself can ask for an answer. */
const MENTIONS_ONLY = { trigger: { value: 'mention', source: 'config' } } as const;

const KB_ADD_TEXT = /^\/?kb\s+(add(?:\s+(?:--|—|–)workspace)?)$/i;

export class MessagePipeline {
  private readonly inFlight: InFlightAnswers;

  constructor(private readonly deps: MessagePipelineDeps) {
    this.inFlight = deps.inFlight ?? new InFlightAnswers();
  }

  /**
   * Handle one message; resolves once it is answered (or known not to need an answer). Counted in
   * flight from start to end, so a stopping process waits for it (SPEC §5).
   */
  async handle(message: InboundMessage, replier: Replier): Promise<MessageOutcome> {
    const { outcome, reply } = await this.inFlight
      .track(() => this.decideAndAnswer(message, replier))
      .catch((err: unknown): Handled => {
        this.log(message).error({ err: asCodedError(err) }, 'could not answer a message');
        return { outcome: 'error' };
      });
    this.deps.telemetry.message({
      platform: message.scope.platform,
      outcome,
      ...(reply?.route ? { route: reply.route } : {}),
      // A refusal over a rate limit is no answer: it stays out of the answer latencies.
      ...(reply && outcome !== 'limited' ? { latencyMs: reply.latencyMs } : {}),
      ...(reply?.usage ? { usage: reply.usage } : {}),
      ...(reply?.error ? { errorCode: reply.error.code } : {}),
    });
    return outcome;
  }

  private async decideAndAnswer(message: InboundMessage, replier: Replier): Promise<Handled> {
    if (message.user.isBot || !message.text.trim()) return { outcome: 'ignored' };
    // A burst of messages arrives in one turn; Slack has had its acknowledgement already, so the rest can wait a turn.
    await this.deps.turnBudget?.turn();

    const kbAdd = this.filesCommand(message);
    if (kbAdd !== undefined) {
      // Claimed apart from answers: a command is no thread the bot answers in.
      if (!(await this.deps.deduper.claim(`command:${claimId(message.scope, message.messageId)}`))) return { outcome: 'duplicate' };
      const reply = await this.deps.commands.run({
        scope: message.scope,
        user: message.user,
        name: 'kb',
        text: kbAdd,
        attachments: message.attachments ?? [],
      });
      await replier.tellSender(reply);
      return { outcome: 'ok' };
    }

    if (!(await this.wanted(message))) return { outcome: 'ignored' };
    // A platform may deliver one message twice (Slack: `app_mention` and `message`, redeliveries);
    // whichever copy claims it first, in any process, answers. A message that starts the bot's
    // thread is claimed as long as threads are remembered: its claim stands for the thread.
    const threaded = message.replyThreadId !== undefined && !message.isDirect;
    const startsThread = threaded && message.replyThreadId === message.messageId;
    try {
      if (!(await this.claim(message, startsThread ? THREAD_MEMORY_MS : undefined))) return { outcome: 'duplicate' };
      if (threaded && !startsThread && message.replyThreadId) await this.deps.threads.remember(message.scope, message.replyThreadId);
    } catch (err) {
      if (!isStoreUnavailable(err)) throw err;
      if (this.deps.storeOutage !== 'answer') return this.refuseForOutage(message, replier, err);
      // Unclaimed: another process (or a redelivery) may answer it too while the store is away. Rate
      // limits and conversation turns are counted in the store: with it away, answering at all is the degraded mode.
      this.log(message).warn({ err: asCodedError(err) }, 'store unreachable: answering unclaimed (storage.outage is answer)');
      return this.answer(message, replier);
    }

    const limited = await this.overLimit(message, replier);
    if (limited) return limited;

    // A follow-up waits for the answers to the messages before it, so its history holds them.
    const conversation = message.isDirect ? channelKey(message.scope) : threaded && !startsThread ? claimId(message.scope, message.replyThreadId!) : undefined;
    const turn = conversation ? await this.deps.turns?.take(conversation, message.messageId) : undefined;
    try {
      return await this.answer(message, replier);
    } finally {
      await turn?.release();
    }
  }

  private async answer(message: InboundMessage, replier: Replier): Promise<Handled> {
    // A burst's store replies come back in one turn, and each would build its model request in it.
    await this.deps.turnBudget?.turn();
    const history = await this.history(message);
    let reply: FinalReply | undefined;
    const events = this.deps.assistant.respond({ scope: message.scope, user: message.user, text: message.text, messageId: message.messageId, history });
    const recorded = (final: FinalReply) => this.recordAnswer(message, final);
    const budget = this.deps.turnBudget;
    await replier.answer(
      (async function* watch(): AsyncGenerator<ReplyEvent> {
        for await (const event of events) {
          // A burst's first tokens arrive in one turn, and each would start a platform message in it.
          const wait = budget?.turn();
          if (wait) await wait;
          if (event.type === 'done') {
            reply = await recorded(event.reply);
            yield { type: 'done', reply };
          } else yield event;
        }
      })(),
    );
    if (!reply) return { outcome: 'error' };
    return { outcome: reply.error ? 'error' : reply.offline ? 'offline' : 'ok', reply };
  }

  /** The one sentence that the store cannot be reached, in place of the answer. */
  private async refuseForOutage(message: InboundMessage, replier: Replier, err: unknown): Promise<Handled> {
    this.log(message).warn({ err: asCodedError(err) }, 'store unreachable: refusing the message (storage.outage is refuse)');
    return { outcome: 'error', reply: await this.tell(replier, ErrorCode.StoreUnavailable, STORE_UNAVAILABLE_SENTENCE) };
  }

  /**
   * Counted once claimed (a redelivery counts nothing), before anything reaches the model. Over a
   * limit, the first message of the window is told why and when to try again in one sentence; the
   * ones after it in the same minute get no reply, so a flood does not become a flood of refusals.
   */
  private async overLimit(message: InboundMessage, replier: Replier): Promise<Handled | undefined> {
    const check = await this.deps.rateLimits?.check(message.scope, message.user);
    if (!check || check.allowed) return undefined;
    this.log(message).info({ user: message.user.id, notified: check.notify }, 'over a rate limit; not sent to the model');
    if (!check.notify) return { outcome: 'limited' };
    return { outcome: 'limited', reply: await this.tell(replier, ErrorCode.RateLimited, check.sentence) };
  }

  /** One sentence in place of an answer (nothing was sent to the model), shown as a failed answer is. */
  private async tell(replier: Replier, code: ErrorCode, sentence: string): Promise<FinalReply> {
    const reply: FinalReply = { text: sentence, offline: false, sources: [], latencyMs: 0, error: { code, message: sentence } };
    await replier.answer(
      (async function* refusal(): AsyncGenerator<ReplyEvent> {
        yield { type: 'done', reply };
      })(),
    );
    return reply;
  }

  /**
   * A model's answer is recorded before it is shown, so the controls it carries name a kept answer;
   * failures and offline answers get none (nothing was answered to vote on).
   */
  private async recordAnswer(message: InboundMessage, reply: FinalReply): Promise<FinalReply> {
    const feedback = this.deps.feedback;
    if (!feedback || reply.error || reply.offline || !reply.route || !reply.model) return reply;
    try {
      const record = await feedback.record({
        scope: message.scope,
        question: message.text,
        answer: reply.text,
        route: reply.route,
        model: reply.model,
        ...(reply.profileVersion !== undefined ? { profileVersion: reply.profileVersion } : {}),
        cited: reply.sources.length > 0,
      });
      return { ...reply, answerId: record.id };
    } catch (err) {
      // An answer without vote buttons beats no answer.
      this.log(message).warn({ err: asCodedError(err) }, 'could not record the answer for feedback');
      return reply;
    }
  }

  /** Cheap checks first: the profile and the thread memory are read only when the message leaves it open. */
  private async wanted(message: InboundMessage): Promise<boolean> {
    const facts = { isBot: message.user.isBot, text: message.text, mentioned: message.mentioned, isDirect: message.isDirect, inBotThread: false };
    if (shouldAnswer(facts, MENTIONS_ONLY)) return true;
    try {
      if (message.threadId && (await this.deps.threads.has(message.scope, message.threadId))) return true;
      return shouldAnswer(facts, await this.deps.profiles.resolve(message.scope));
    } catch (err) {
      // Unknown whether it was for the bot at all: better silence than a sentence on every message.
      if (isStoreUnavailable(err)) return false;
      throw err;
    }
  }

  private claim(message: InboundMessage, ttlMs?: number): Promise<boolean> {
    return this.deps.deduper.claim(claimId(message.scope, message.messageId), ttlMs);
  }

  /** `kb add …` when a mention shares files; undefined for every other message. */
  private filesCommand(message: InboundMessage): string | undefined {
    if (!message.mentioned || !message.attachments?.length) return undefined;
    return KB_ADD_TEXT.exec(message.text.trim())?.[1];
  }

  private async history(message: InboundMessage): Promise<readonly ChatMessage[]> {
    if (!message.loadHistory) return [];
    try {
      return await message.loadHistory();
    } catch (err) {
      // Better an answer without context than none.
      this.log(message).warn({ err: asCodedError(err) }, 'could not read the conversation history');
      return [];
    }
  }

  private log(message: InboundMessage): Logger {
    return lazyChild(this.deps.logger, { scope: channelKey(message.scope), messageId: message.messageId });
  }
}
