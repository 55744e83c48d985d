/**
 * A channel's training set (SPEC §8): its few-shot examples plus the exchanges admins approved (an
 * admin's 👍 or ⭐ on an answer, the "Add as few-shot example" actions). What fine-tuning exports
 * and validates, and what evaluation must never see as training data: inputs of evaluation cases
 * are always left out.
 */
import { randomUUID } from 'node:crypto';
import type { Clock, DocumentStore } from '../ports';
import type { ProfileService } from '../profiles/profile-service';
import { channelKey, type ChannelScope } from '../types';

export type ApprovalSource = 'vote' | 'reaction' | 'shortcut';

export interface ApprovedExchange {
  readonly id: string;
  readonly input: string;
  readonly output: string;
  readonly approvedBy: string;
  readonly approvedAt: string;
  readonly source: ApprovalSource;
  /** The answer it came from, when it was one of the bot's (one approval per answer). */
  readonly answerId?: string;
}

export interface TrainingExample {
  readonly input: string;
  readonly output: string;
  /** Where it comes from, for messages that name an example. */
  readonly origin: { readonly kind: 'fewshot'; readonly number: number } | { readonly kind: 'approved'; readonly id: string };
}

export interface ApprovalRequest {
  readonly input: string;
  readonly output: string;
  readonly approvedBy: string;
  readonly source: ApprovalSource;
  readonly answerId?: string;
}

export class TrainingSet {
  constructor(
    private readonly store: DocumentStore,
    private readonly profiles: ProfileService,
    private readonly clock: Clock,
    /** Most approved exchanges kept per channel; the oldest go first. */
    private readonly maxApproved = 5000,
  ) {}

  private key(scope: ChannelScope): string {
    return `training:${channelKey(scope)}`;
  }

  /** Adds the exchange once: approving the same answer (or the same input and output) again changes nothing. */
  async approve(scope: ChannelScope, request: ApprovalRequest): Promise<{ readonly added: boolean; readonly exchange: ApprovedExchange }> {
    let result!: { added: boolean; exchange: ApprovedExchange };
    // `mutate` may run again (see DocumentStore.update): the new exchange is made outside it.
    const candidate: ApprovedExchange = {
      id: randomUUID(),
      input: request.input,
      output: request.output,
      approvedBy: request.approvedBy,
      approvedAt: this.clock.now().toISOString(),
      source: request.source,
      ...(request.answerId ? { answerId: request.answerId } : {}),
    };
    await this.store.update<ApprovedExchange[]>(this.key(scope), (current) => {
      const list = current ?? [];
      const same = list.find(
        (e) => (request.answerId !== undefined && e.answerId === request.answerId) || (e.input === request.input && e.output === request.output),
      );
      if (same) {
        result = { added: false, exchange: same };
        return list;
      }
      result = { added: true, exchange: candidate };
      return [...list, candidate].slice(-this.maxApproved);
    });
    return result;
  }

  async approved(scope: ChannelScope): Promise<readonly ApprovedExchange[]> {
    return (await this.store.get<ApprovedExchange[]>(this.key(scope))) ?? [];
  }

  /**
   * The few-shot examples, then the approved exchanges, without duplicates and without any whose
   * input is an evaluation case's (`excludedInputs`).
   */
  async examples(scope: ChannelScope, excludedInputs: ReadonlySet<string> = new Set()): Promise<readonly TrainingExample[]> {
    const [profile, approved] = await Promise.all([this.profiles.resolve(scope), this.approved(scope)]);
    const seen = new Set<string>();
    const out: TrainingExample[] = [];
    const add = (input: string, output: string, origin: TrainingExample['origin']) => {
      const id = `${input}\u0000${output}`;
      if (excludedInputs.has(input.trim()) || seen.has(id)) return;
      seen.add(id);
      out.push({ input, output, origin });
    };
    profile.fewshot.value.forEach((e, i) => add(e.input, e.output, { kind: 'fewshot', number: i + 1 }));
    for (const e of approved) add(e.input, e.output, { kind: 'approved', id: e.id });
    return out;
  }
}
