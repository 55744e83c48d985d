import { ErrorCode, UserError } from '../../../src/core/errors';
import { assemblePrompt, messageTokens, REPLY_PRIMING_TOKENS } from '../../../src/core/prompt/assemble';
import type { ChatMessage, FewshotExample } from '../../../src/core/types';
import { testTokenizer } from '../../helpers/app';

const tokenizer = testTokenizer();

function example(id: number, input: string, output: string): FewshotExample {
  return { id: `e${id}`, input, output, addedBy: 'alice', addedAt: '2026-01-01T00:00:00.000Z' };
}

function history(n: number): ChatMessage[] {
  return Array.from({ length: n }, (_, i) => ({
    role: i % 2 === 0 ? 'user' : 'assistant',
    content: `history message ${i} with a few words of padding to cost some tokens`,
  }));
}

describe('assemblePrompt', () => {
  const examples = [example(1, 'Hi', 'Hello.'), example(2, 'Bye', 'Goodbye.')];

  it('orders system, few-shot pairs, context, history, then the new message', () => {
    const prompt = assemblePrompt(
      { system: 'You are terse.', examples, context: '<sources>…</sources>', history: history(2), message: 'What now?' },
      tokenizer,
      10_000,
    );
    expect(prompt.messages.map((m) => [m.role, m.content])).toEqual([
      ['system', 'You are terse.'],
      ['user', 'Hi'],
      ['assistant', 'Hello.'],
      ['user', 'Bye'],
      ['assistant', 'Goodbye.'],
      ['user', '<sources>…</sources>'],
      ['user', history(2)[0]!.content],
      ['assistant', history(2)[1]!.content],
      ['user', 'What now?'],
    ]);
    expect(prompt.prefixMessages).toBe(5);
    expect(prompt.messages.filter((m) => m.role === 'system')).toHaveLength(1);
  });

  it('counts tokens with the real tokenizer, per-message overhead included', () => {
    const prompt = assemblePrompt({ system: 'You are terse.', examples: [], history: [], message: 'hello world' }, tokenizer, 10_000);
    // "You are terse." is 4 tokens and "hello world" 2 in o200k_base.
    expect(tokenizer.count('You are terse.')).toBe(4);
    expect(tokenizer.count('hello world')).toBe(2);
    expect(prompt.tokens).toBe(4 + 4 + 4 + 2 + REPLY_PRIMING_TOKENS);
  });

  it('drops history oldest-first to fit the budget and keeps the newest', () => {
    const all = history(40);
    const unlimited = assemblePrompt({ system: 'S', examples, history: all, message: 'now' }, tokenizer, 100_000);
    expect(unlimited.historyKept).toBe(40);

    const perMessage = messageTokens(tokenizer, all[39]!);
    const budget = unlimited.tokens - perMessage * 10; // room for 30 history messages
    const trimmed = assemblePrompt({ system: 'S', examples, history: all, message: 'now' }, tokenizer, budget);
    expect(trimmed.historyKept).toBe(30);
    expect(trimmed.historyDropped).toBe(10);
    expect(trimmed.tokens).toBeLessThanOrEqual(budget);
    const kept = trimmed.messages.slice(trimmed.prefixMessages, -1);
    expect(kept).toEqual(all.slice(10));
    expect(trimmed.messages.at(-1)).toEqual({ role: 'user', content: 'now' });
  });

  it('refuses, as input too long, when persona, examples and message alone exceed the budget', () => {
    const run = () => assemblePrompt({ system: 'word '.repeat(300), examples, history: history(4), message: 'hello' }, tokenizer, 200);
    expect(run).toThrow(UserError);
    try {
      run();
    } catch (err) {
      expect((err as UserError).code).toBe(ErrorCode.InputTooLong);
      expect((err as UserError).message).toMatch(/^That message is too long: .* over the limit of 200 tokens\.$/);
    }
  });

  it('keeps the system + few-shot prefix byte-identical whatever the history and message', () => {
    const a = assemblePrompt({ system: 'Persona ü 🎉', examples, history: history(3), message: 'first' }, tokenizer, 10_000);
    const b = assemblePrompt({ system: 'Persona ü 🎉', examples, history: history(10), message: 'second, longer message' }, tokenizer, 10_000);
    const prefix = (p: typeof a) => JSON.stringify(p.messages.slice(0, p.prefixMessages));
    expect(prefix(a)).toBe(prefix(b));
    expect(a.prefixTokens).toBe(b.prefixTokens);
  });

  it('counts the same tokens whether the prompt fits by far (counted only when asked) or has to be measured', () => {
    let counts = 0;
    const counting = {
      count: (text: string) => {
        counts++;
        return tokenizer.count(text);
      },
    };
    const shapes = [
      { system: 'You are terse.', examples, history: history(6), message: 'What now?' },
      { system: 'Persona ü 🎉 with ünïcödé and 日本語のテキスト', examples: [], history: [], message: 'emoji 🎉🎉 and café' },
      { system: 'S', examples, context: '<sources>[1] a passage</sources>', history: history(3), message: 'x'.repeat(500) },
    ];
    for (const parts of shapes) {
      counts = 0;
      const roomy = assemblePrompt(parts, counting, 1_000_000);
      expect(counts).toBe(0); // nothing tokenized on the way to the model
      const exact = roomy.tokens;
      expect(counts).toBeGreaterThan(0);
      // A budget of exactly that many tokens is too small for the byte bound: the measured path.
      const tight = assemblePrompt(parts, counting, exact);
      expect(tight.tokens).toBe(exact);
      expect(tight.prefixTokens).toBe(roomy.prefixTokens);
      expect(tight.messages).toEqual(roomy.messages);
      expect(tight.historyDropped).toBe(0);
    }
  });
});
