import { MentionGuard, StreamingSplitter, type SplitChunk } from '../../../src/adapters/slack/stream-text';
import { openFenceAtEnd } from '../../../src/core/markdown';

function parts(chunks: readonly SplitChunk[]): string[] {
  const out = [''];
  for (const chunk of chunks) {
    if (chunk.kind === 'break') out.push('');
    else out[out.length - 1] += chunk.text;
  }
  return out;
}

function openFences(text: string): number {
  return text.split('\n').filter((line) => /^\s*```/.test(line)).length % 2;
}

function streamAll(text: string, limit: number, deltaSize: number): string[] {
  const splitter = new StreamingSplitter(limit);
  const chunks: SplitChunk[] = [];
  for (let i = 0; i < text.length; i += deltaSize) chunks.push(...splitter.push(text.slice(i, i + deltaSize)));
  chunks.push(...splitter.end());
  return parts(chunks);
}

describe('MentionGuard', () => {
  it('holds a control sequence split across deltas until it is complete, then neutralises it', () => {
    const guard = new MentionGuard();
    expect(guard.push('Hello <!chan')).toBe('Hello ');
    expect(guard.push('nel> and <@U1')).toBe('@\u2060channel and ');
    expect(guard.push('23> bye')).toBe('@U123 bye');
    expect(guard.flush()).toBe('');
  });

  it('gives up holding a lone "<" after a while', () => {
    const guard = new MentionGuard();
    expect(guard.push('a < b')).toBe('a ');
    expect(guard.push(' '.repeat(250))).toBe(`< b${' '.repeat(250)}`);
  });
});

describe('StreamingSplitter', () => {
  it('passes short answers through as one part, exactly', () => {
    expect(streamAll('Hello **world**.\nSecond line.', 3900, 3)).toEqual(['Hello **world**.\nSecond line.']);
  });

  it('splits a 5,000-character answer into parts within the limit, on line boundaries, losing nothing', () => {
    const lines = Array.from({ length: 100 }, (_, i) => `Line ${i} ${'x'.repeat(40)}`);
    const text = lines.join('\n');
    const result = streamAll(text, 3900, 7);
    expect(result.length).toBeGreaterThan(1);
    for (const part of result) expect(part.length).toBeLessThanOrEqual(3900);
    expect(result.join('')).toBe(text);
    for (const part of result.slice(0, -1)) expect(part.endsWith('\n')).toBe(true);
  });

  it('closes a code block at a cut and reopens it in the next part', () => {
    const code = Array.from({ length: 150 }, (_, i) => `const v${i} = ${i}; // ${'y'.repeat(20)}`).join('\n');
    const text = `Here:\n\`\`\`ts\n${code}\n\`\`\`\nDone.`;
    const result = streamAll(text, 3900, 11);
    expect(result.length).toBeGreaterThan(1);
    for (const part of result) {
      expect(part.length).toBeLessThanOrEqual(3900);
      expect(openFences(part)).toBe(0);
    }
    expect(result[1]?.startsWith('```ts\n')).toBe(true);
  });

  it('a ```` block holding ``` lines survives a part break: closed with ```` and reopened', () => {
    const inner = Array.from({ length: 20 }, (_, i) => `console.log(${i});`).join('\n');
    const after = Array.from({ length: 150 }, (_, i) => `outer block line ${i} ${'w'.repeat(20)}`).join('\n');
    const text = `Example:\n\`\`\`\`md\n\`\`\`js\n${inner}\n\`\`\`\n${after}\n\`\`\`\`\nDone.`;
    const result = streamAll(text, 3900, 13);
    expect(result.length).toBeGreaterThan(1);
    for (const part of result) {
      expect(part.length).toBeLessThanOrEqual(3900);
      expect(openFenceAtEnd(part)).toBeUndefined();
    }
    expect(result[0]!.endsWith('\n````')).toBe(true);
    expect(result[1]!.startsWith('````md\n')).toBe(true);
    expect(result.at(-1)!.endsWith('\n````\nDone.')).toBe(true);
    const lines = result
      .join('\n')
      .split('\n')
      .filter((l) => l.startsWith('outer block'));
    expect(lines).toEqual(after.split('\n'));
  });

  it('adds no fence to an answer whose last line closes its code block', () => {
    expect(streamAll('~~~~\ncode\n~~~~~', 3900, 3)).toEqual(['~~~~\ncode\n~~~~~']);
    expect(streamAll('```\ncode\n```js', 3900, 3)).toEqual(['```\ncode\n```js\n```']);
  });

  it('hard-cuts a single line longer than a part', () => {
    const result = streamAll('z'.repeat(9000), 3900, 500);
    expect(result.length).toBe(3);
    for (const part of result) expect(part.length).toBeLessThanOrEqual(3900);
    expect(result.join('').replace(/\n/g, '')).toBe('z'.repeat(9000));
  });

  it('closes a code block the model left open', () => {
    const [only] = streamAll('```\ncode', 3900, 2);
    expect(only).toBe('```\ncode\n```');
  });
});
