import { selectExamples } from '../../../src/core/prompt/fewshot-selection';
import type { FewshotExample } from '../../../src/core/types';

const at = '2026-01-01T00:00:00.000Z';
const examples: FewshotExample[] = [
  { id: 'e1', input: 'How do I reset my password?', output: 'Use the reset link.', addedBy: 'a', addedAt: at },
  { id: 'e2', input: 'Where is the holiday calendar?', output: 'In the HR wiki.', addedBy: 'a', addedAt: at },
  { id: 'e3', input: 'My laptop battery drains fast', output: 'Check the power settings.', addedBy: 'a', addedAt: at },
  { id: 'e4', input: 'Password expired, how to change password', output: 'Go to account settings.', addedBy: 'a', addedAt: at },
  { id: 'e5', input: 'Book a meeting room', output: 'Use the room finder.', addedBy: 'a', addedAt: at },
];

describe('selectExamples', () => {
  it('mode all sends every example in list order', () => {
    expect(selectExamples(examples, { kind: 'all' }, 'anything')).toEqual(examples);
  });

  it('auto K picks the K examples most like the message, in list order', () => {
    const chosen = selectExamples(examples, { kind: 'auto', k: 2 }, 'I forgot my password, how can I reset it?');
    expect(chosen.map((e) => e.id)).toEqual(['e1', 'e4']);
  });

  it('auto K is deterministic for the same message (stable prompt bytes)', () => {
    const a = selectExamples(examples, { kind: 'auto', k: 3 }, 'battery and meeting');
    const b = selectExamples(examples, { kind: 'auto', k: 3 }, 'battery and meeting');
    expect(a).toEqual(b);
    expect(a.map((e) => e.id)).toEqual(['e1', 'e3', 'e5']);
  });

  it('auto K with fewer examples than K sends them all', () => {
    expect(selectExamples(examples.slice(0, 2), { kind: 'auto', k: 5 }, 'x')).toHaveLength(2);
  });
});
