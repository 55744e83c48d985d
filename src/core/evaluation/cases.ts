/**
 * A channel's evaluation cases (SPEC §8 "Evaluation"): input and expected answer, numbered as
 * `/eval list` shows them. Their inputs are what every training-set user leaves out
 * (`evaluationInputs`), so a case is never an example or a training line.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode, UserError } from '../errors';
import type { Clock, DocumentStore } from '../ports';
import { channelKey, type ChannelScope } from '../types';

export interface EvalCase {
  readonly id: string;
  readonly input: string;
  readonly expected: string;
  readonly addedBy: string;
  readonly addedAt: string;
}

export interface CaseLimits {
  readonly maxCases: number;
  readonly caseChars: number;
}

/** What the fine-tuning export (and every other training-set user) depends on. */
export interface EvaluationInputs {
  evaluationInputs(scope: ChannelScope): Promise<ReadonlySet<string>>;
}

export class EvalCases implements EvaluationInputs {
  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
    private readonly limits: CaseLimits,
  ) {}

  private key(scope: ChannelScope): string {
    return `eval-cases:${channelKey(scope)}`;
  }

  async list(scope: ChannelScope): Promise<readonly EvalCase[]> {
    return (await this.store.get<EvalCase[]>(this.key(scope))) ?? [];
  }

  /** Inputs trimmed, as `TrainingSet.examples` compares them. */
  async evaluationInputs(scope: ChannelScope): Promise<ReadonlySet<string>> {
    return new Set((await this.list(scope)).map((c) => c.input.trim()));
  }

  /** Bad input (too long, a duplicate, past the limit) is refused and changes nothing. */
  async add(scope: ChannelScope, input: string, expected: string, addedBy: string): Promise<{ readonly number: number; readonly added: EvalCase }> {
    for (const [name, text] of [
      ['input', input],
      ['expected answer', expected],
    ] as const) {
      if (text.length > this.limits.caseChars) {
        throw new UserError(
          ErrorCode.TooLarge,
          `That ${name} is ${text.length.toLocaleString('en-US')} characters; the limit is ${this.limits.caseChars.toLocaleString('en-US')}.`,
        );
      }
    }
    const added: EvalCase = { id: randomUUID(), input: input.trim(), expected: expected.trim(), addedBy, addedAt: this.clock.now().toISOString() };
    const list = await this.store.update<EvalCase[]>(this.key(scope), (current) => {
      const cases = current ?? [];
      if (cases.length >= this.limits.maxCases) {
        throw new UserError(
          ErrorCode.TooLarge,
          `This channel already has ${cases.length} evaluation cases, the limit; remove one with /eval remove <n> first.`,
        );
      }
      if (cases.some((c) => c.input === added.input))
        throw new UserError(ErrorCode.InvalidState, 'This channel already has an evaluation case with that input.');
      return [...cases, added];
    });
    return { number: list.length, added };
  }

  async remove(scope: ChannelScope, number: number): Promise<EvalCase> {
    let removed: EvalCase | undefined;
    await this.store.update<EvalCase[]>(this.key(scope), (current) => {
      const cases = current ?? [];
      removed = cases[number - 1];
      if (!removed)
        throw new UserError(ErrorCode.NotFound, `There is no case ${number}; /eval list shows ${cases.length === 0 ? 'none' : `1 to ${cases.length}`}.`);
      return cases.filter((_, i) => i !== number - 1);
    });
    return removed as EvalCase;
  }
}
