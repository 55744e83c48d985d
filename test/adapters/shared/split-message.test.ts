import { splitMessage } from '../../../src/adapters/shared/split-message';
import { openFenceAtEnd } from '../../../src/core/markdown';

function fencesBalanced(part: string): boolean {
  return (part.match(/^\s*```/gm) ?? []).length % 2 === 0;
}

describe('splitMessage', () => {
  it('leaves a short reply whole', () => {
    expect(splitMessage('hello', 2000)).toEqual(['hello']);
  });

  it('splits on paragraph boundaries, every part within the limit, nothing lost', () => {
    const paragraphs = Array.from({ length: 30 }, (_, i) => `Paragraph ${i} ${'word '.repeat(20).trim()}.`);
    const text = paragraphs.join('\n\n');
    const parts = splitMessage(text, 500);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(500);
    // Each part ends at a paragraph end, and joining them gives back the text.
    for (const part of parts) expect(part.endsWith('.')).toBe(true);
    expect(parts.join('\n\n')).toBe(text);
  });

  it('never leaves a code block open: closes it and reopens it with its language in the next part', () => {
    const code = Array.from({ length: 120 }, (_, i) => `const line${i} = ${i};`).join('\n');
    const text = `Here is the code:\n\n\`\`\`ts\n${code}\n\`\`\`\n\nThat is all.`;
    const parts = splitMessage(text, 2000);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(2000);
      expect(fencesBalanced(part)).toBe(true);
    }
    expect(parts[1]!.startsWith('```ts\n')).toBe(true);
    // All code lines survive, in order.
    const lines = parts
      .join('\n')
      .split('\n')
      .filter((l) => l.startsWith('const line'));
    expect(lines).toEqual(code.split('\n'));
  });

  it('a ```` block holding ``` lines stays one block across the cut: closed with ```` and reopened', () => {
    const inner = Array.from({ length: 30 }, (_, i) => `console.log(${i});`).join('\n');
    const after = Array.from({ length: 60 }, (_, i) => `still inside the outer block, line ${i}`).join('\n');
    const text = `Example:\n\n\`\`\`\`md\n\`\`\`js\n${inner}\n\`\`\`\n${after}\n\`\`\`\`\n\nDone.`;
    const parts = splitMessage(text, 1500);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(1500);
      expect(openFenceAtEnd(part)).toBeUndefined();
    }
    // The inner ``` did not close the outer block: the first part closes it with four backticks, the next reopens it.
    expect(parts[0]!.endsWith('\n````')).toBe(true);
    expect(parts[1]!.startsWith('````md\n')).toBe(true);
    expect(parts.at(-1)!.endsWith('````\n\nDone.')).toBe(true);
    const lines = parts
      .join('\n')
      .split('\n')
      .filter((l) => l.startsWith('still inside'));
    expect(lines).toEqual(after.split('\n'));
  });

  it('closes a tilde block with tildes, as long as it was opened', () => {
    const code = Array.from({ length: 80 }, (_, i) => `line ${i} with ~~~ and \`\`\` inside`).join('\n');
    const parts = splitMessage(`~~~~~\n${code}\n~~~~~`, 1000);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts.slice(0, -1)) expect(part.endsWith('\n~~~~~')).toBe(true);
    for (const part of parts.slice(1)) expect(part.startsWith('~~~~~\n')).toBe(true);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(1000);
      expect(openFenceAtEnd(part)).toBeUndefined();
    }
  });

  it('cuts a single very long line without splitting a surrogate pair', () => {
    const text = '😀'.repeat(3000);
    const parts = splitMessage(text, 1001);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(1001);
      expect(part).not.toMatch(/[\ud800-\udbff]$/);
      expect(part).not.toMatch(/^[\udc00-\udfff]/);
    }
    expect(parts.join('')).toBe(text);
  });

  it('respects the Slack and Discord limits of SPEC §7', () => {
    const text = 'x '.repeat(5000);
    for (const limit of [2000, 3900]) for (const part of splitMessage(text, limit)) expect(part.length).toBeLessThanOrEqual(limit);
  });
});
