/**
 * An answer function for the fake OpenAI server (`fake.chatReply = evalAnswers(...)`) that makes an
 * evaluation meaningful: a case is answered right only when the request holds what a lever adds —
 * `examples` cases only when few-shot pairs are in the prompt, `passage` cases only when a message
 * before the question holds the expected answer (a retrieved passage, answered with a citation),
 * and every case for a fine-tuned model id (`ft:`). The judge answers from what it is asked: it
 * compares the answer(s) it is shown with the expected answer. Kept apart from fake-openai.ts so
 * that file's other users merge cleanly.
 */
import type { App } from '../../src/app';
import type { ChannelScope, UserRef } from '../../src/core/types';
import type { ChatRequestBody } from './fake-openai';

export interface FakeCase {
  readonly input: string;
  readonly expected: string;
  readonly needs: 'examples' | 'passage';
}

export const WRONG_ANSWER = 'I am not sure.';

function text(content: unknown): string {
  return typeof content === 'string' ? content : '';
}

const same = (a: string, b: string) =>
  a
    .trim()
    .toLowerCase()
    .replace(/\s*\[\d+\]/g, '')
    .replace(/[.!]$/, '') === b.trim().toLowerCase().replace(/[.!]$/, '');

const HEADERS = /\n\n(?:Question|Expected answer|Answer|Answer A|Answer B):\n/;

/** The text under one header of the judge's prompt ("Expected answer:", "Answer A:", …). */
function section(prompt: string, name: string): string {
  const start = prompt.indexOf(`${name}:\n`);
  if (start < 0) return '';
  const rest = prompt.slice(start + name.length + 2);
  const end = HEADERS.exec(rest);
  return (end ? rest.slice(0, end.index) : rest).trim();
}

export function evalAnswers(cases: readonly FakeCase[]): (body: ChatRequestBody) => string {
  return (body) => {
    const system = text(body.messages[0]?.content);
    const last = text(body.messages[body.messages.length - 1]?.content);
    if (system.startsWith('You grade')) return same(section(last, 'Answer'), section(last, 'Expected answer')) ? '10' : '2';
    if (system.startsWith('You compare')) {
      const expected = section(last, 'Expected answer');
      const a = same(section(last, 'Answer A'), expected);
      const b = same(section(last, 'Answer B'), expected);
      return a === b ? 'TIE' : a ? 'A' : 'B';
    }
    const known = cases.find((c) => c.input === last.trim());
    if (!known) return WRONG_ANSWER;
    if (body.model.startsWith('ft:')) return known.expected;
    const before = body.messages.slice(1, -1);
    if (known.needs === 'passage') return before.some((m) => text(m.content).includes(known.expected)) ? `${known.expected} [1]` : WRONG_ANSWER;
    return before.some((m) => m.role === 'assistant') ? known.expected : WRONG_ANSWER;
  };
}

/** `count` cases a few-shot example fixes: with `evalAnswers`, `fewshot` scores 1 on them and `prompt` 0. */
export function styleCases(count: number): FakeCase[] {
  return Array.from({ length: count }, (_, i) => ({ input: `Greet guest ${i + 1}`, expected: `Ahoy, guest ${i + 1}`, needs: 'examples' as const }));
}

/** A channel whose evaluation has something to tell apart: two few-shot examples and `cases` as its /eval cases. */
export async function seedEvaluation(app: Pick<App, 'profiles' | 'evaluation'>, scope: ChannelScope, by: UserRef, cases: readonly FakeCase[]): Promise<void> {
  await app.profiles.addExample(scope, by, 'Say hi', 'Ahoy, matey');
  await app.profiles.addExample(scope, by, 'Say bye', 'Fair winds, matey');
  for (const c of cases) await app.evaluation.cases.add(scope, c.input, c.expected, by.id);
}
