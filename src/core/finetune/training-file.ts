/**
 * The training set as files a provider trains on (SPEC §8): chat JSONL, one
 * `{"messages":[system, user, assistant]}` per line with the persona's short form as the system
 * message — the same system message the `finetune` route sends, so the model is asked as it was
 * trained — and preference pairs in the DPO format. Also the checks made before any money is spent.
 */
import type { Tokenizer } from '../ports';
import { messageTokens, REPLY_PRIMING_TOKENS } from '../prompt/assemble';
import { shortPersona } from '../routes/finetune-route';
import type { TrainingExample } from '../training/training-set';
import type { ChatMessage } from '../types';

export interface ChatTrainingLine {
  readonly messages: readonly [ChatMessage, ChatMessage, ChatMessage];
}

/** An approved and a rejected answer to the same input. */
export interface PreferencePair {
  readonly input: string;
  readonly preferred: string;
  readonly rejected: string;
}

export function chatLines(persona: string, examples: readonly TrainingExample[]): ChatTrainingLine[] {
  const system = shortPersona(persona);
  return examples.map((e) => ({
    messages: [
      { role: 'system', content: system },
      { role: 'user', content: e.input },
      { role: 'assistant', content: e.output },
    ],
  }));
}

export function toJsonl(lines: readonly unknown[]): string {
  return lines.map((line) => JSON.stringify(line)).join('\n') + (lines.length ? '\n' : '');
}

/** OpenAI's preference (DPO) input: the prompt's messages, then the preferred and the rejected reply. */
export function preferenceLines(persona: string, pairs: readonly PreferencePair[]): unknown[] {
  const system = shortPersona(persona);
  return pairs.map((p) => ({
    input: {
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: p.input },
      ],
    },
    preferred_output: [{ role: 'assistant', content: p.preferred }],
    non_preferred_output: [{ role: 'assistant', content: p.rejected }],
  }));
}

export function lineTokens(tokenizer: Tokenizer, line: ChatTrainingLine): number {
  return line.messages.reduce((sum, m) => sum + messageTokens(tokenizer, m), REPLY_PRIMING_TOKENS);
}

export interface TrainingCheckLimits {
  readonly minExamples: number;
  readonly warnExamples: number;
  readonly exampleTokenLimit: number;
}

export interface TrainingCheck {
  /** One sentence each; any problem means no job is created. */
  readonly problems: readonly string[];
  readonly warnings: readonly string[];
  /** The set's tokens by the real tokenizer (one epoch). */
  readonly tokens: number;
}

/** How messages name an example: its few-shot number or its place among the approved exchanges. */
export function exampleName(example: TrainingExample, index: number): string {
  return example.origin.kind === 'fewshot' ? `few-shot example ${example.origin.number}` : `training example ${index + 1} (an approved exchange)`;
}

export function checkTrainingSet(
  lines: readonly ChatTrainingLine[],
  examples: readonly TrainingExample[],
  tokenizer: Tokenizer,
  limits: TrainingCheckLimits,
): TrainingCheck {
  const problems: string[] = [];
  const warnings: string[] = [];
  if (lines.length < limits.minExamples) {
    problems.push(
      `The training set has ${lines.length} example${lines.length === 1 ? '' : 's'}; fine-tuning needs at least ${limits.minExamples} (add few-shot examples or approve answers).`,
    );
  } else if (lines.length < limits.warnExamples) {
    warnings.push(`The training set has ${lines.length} examples; under ${limits.warnExamples} a fine-tuned model often learns little.`);
  }
  let tokens = 0;
  lines.forEach((line, i) => {
    const example = examples[i];
    const name = example ? exampleName(example, i) : `training example ${i + 1}`;
    const [system, user, assistant] = line.messages;
    if (!system.content.trim()) problems.push(`The persona is empty, so every training example has an empty system turn; set one with /persona set.`);
    if (!user.content.trim()) problems.push(`The input of ${name} is empty.`);
    if (!assistant.content.trim()) problems.push(`The answer of ${name} is empty.`);
    const count = lineTokens(tokenizer, line);
    if (count > limits.exampleTokenLimit)
      problems.push(`${capitalise(name)} has ${count} tokens, over the model's limit of ${limits.exampleTokenLimit} per training example.`);
    tokens += count;
  });
  return { problems: [...new Set(problems)], warnings, tokens };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Tokens × epochs × the training price per 1M tokens. */
export function trainingCost(tokens: number, epochs: number, pricePerMillion: number): number {
  return (tokens * epochs * pricePerMillion) / 1_000_000;
}
