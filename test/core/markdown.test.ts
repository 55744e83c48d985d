import {
  closingFenceFor,
  fenceAround,
  fenceStates,
  isClosingFence,
  longestClosingFence,
  markdownToPlainText,
  openFenceAtEnd,
  openingFence,
  type Fence,
} from '../../src/core/markdown';

/** What each line is: `o` opens a code block, `c` is code, `x` closes the block, `t` is outside code. */
function roles(markdown: string): string {
  const lines = markdown.split('\n');
  const states = fenceStates(lines);
  return lines
    .map((_line, i) => {
      const before = i === 0 ? undefined : states[i - 1];
      const after = states[i];
      if (!before) return after ? 'o' : 't';
      return after ? 'c' : 'x';
    })
    .join('');
}

describe('fences: the CommonMark 0.31.2 examples of §4.5 (line by line)', () => {
  // [spec example, markdown, roles of its lines, info string of the first block (null: not checked)]
  it.each<[number, string, string, string | null]>([
    [119, '```\n<\n >\n```', 'occx', ''],
    [120, '~~~\n<\n >\n~~~', 'occx', ''],
    [121, '``\nfoo\n``', 'ttt', null], // two backticks: inline code, not a fence
    [122, '```\naaa\n~~~\n```', 'occx', null], // the other character does not close
    [123, '~~~\naaa\n```\n~~~', 'occx', null],
    [124, '````\naaa\n```\n``````', 'occx', null], // shorter does not close, longer does
    [125, '~~~~\naaa\n~~~\n~~~~', 'occx', null],
    [126, '```', 'o', null], // unclosed: runs to the end
    [127, '`````\n\n```\naaa', 'occc', null],
    [129, '```\n\n  \n```', 'occx', null],
    [130, '```\n```', 'ox', null],
    [131, ' ```\n aaa\naaa\n```', 'occx', null],
    [132, '  ```\naaa\n  aaa\naaa\n  ```', 'occcx', null],
    [133, '   ```\n   aaa\n    aaa\n  aaa\n   ```', 'occcx', null],
    [134, '    ```\n    aaa\n    ```', 'ttt', null], // four spaces: an indented code block, not a fence
    [135, '```\naaa\n  ```', 'ocx', null],
    [136, '   ```\naaa\n  ```', 'ocx', null],
    [137, '```\naaa\n    ```', 'occ', null], // a closing fence indented four spaces is content
    [138, '``` ```\naaa', 'tt', null], // backtick in a backtick info string: inline code
    [139, '~~~~~~\naaa\n~~~ ~~', 'occ', null], // a closing fence takes no info string
    [140, 'foo\n```\nbar\n```\nbaz', 'tocxt', ''], // a fence interrupts a paragraph
    [141, 'foo\n---\n~~~\nbar\n~~~\n# baz', 'ttocxt', ''],
    [142, '```ruby\ndef foo(x)\n  return 3\nend\n```', 'occcx', 'ruby'],
    [143, '~~~~    ruby startline=3 $%@#$\ndef foo(x)\n  return 3\nend\n~~~~~~~', 'occcx', 'ruby startline=3 $%@#$'],
    [144, '````;\n````', 'ox', ';'],
    [145, '``` aa ```\nfoo', 'tt', null],
    [146, '~~~ aa ``` ~~~\nfoo\n~~~', 'ocx', 'aa ``` ~~~'], // backticks are fine in a tilde fence's info
    [147, '```\n``` aaa\n```', 'ocx', null], // "``` aaa" inside a block is content
  ])('example %i', (_example, markdown, expected, info) => {
    expect(roles(markdown)).toBe(expected);
    if (info !== null) expect(openingFence(markdown.split('\n').find((l) => openingFence(l))!)?.info).toBe(info);
  });

  it('the failures seen in channelwise: an inner ``` in a ```` block and a "```js" line inside a ``` block are content', () => {
    expect(roles('````md\n```\ninner\n```\n````\nafter')).toBe('occcxt');
    expect(roles('```\nconsole.log(1)\n```js\nstill code\n```\nafter')).toBe('occcxt');
  });

  it('a closing fence may carry trailing spaces or tabs, nothing else', () => {
    const open = openingFence('```')!;
    expect(isClosingFence(open, '```   ')).toBe(true);
    expect(isClosingFence(open, '``` \t')).toBe(true);
    expect(isClosingFence(open, '``` x')).toBe(false);
    expect(isClosingFence(open, '~~~')).toBe(false);
  });

  it('closingFenceFor closes with the same character and length; reopening uses the opening line', () => {
    const open = openingFence('  ````ts  ')!;
    expect(open).toEqual({ char: '`', length: 4, info: 'ts', line: '  ````ts' });
    expect(closingFenceFor(open)).toBe('````');
    expect(isClosingFence(open, closingFenceFor(open))).toBe(true);
    expect(closingFenceFor(openingFence('~~~~~')!)).toBe('~~~~~');
    expect(openFenceAtEnd(`${open.line}\ncode`)).toEqual(open);
    expect(openFenceAtEnd(`${open.line}\ncode\n${closingFenceFor(open)}`)).toBeUndefined();
  });

  it('fenceAround: content with fences of its own stays inside the block', () => {
    for (const content of ['plain', '```js\nx\n```', 'a\n  `````\nb', '~~~\n````']) {
      const fence = fenceAround(content);
      const lines = `${fence}\n${content}\n${fence}`.split('\n');
      expect(roles(lines.join('\n'))).toBe(`o${'c'.repeat(lines.length - 2)}x`);
    }
    expect(fenceAround('plain')).toBe('```');
  });

  it('longestClosingFence: the room a closing fence may need', () => {
    expect(longestClosingFence('no code')).toBe(3);
    expect(longestClosingFence('a\n`````py\nb')).toBe(5);
    expect(longestClosingFence('a', openingFence('~~~~')!)).toBe(4);
  });
});

/**
 * A reference written the long way (character by character, straight from the spec's wording), to
 * compare the tracker with on random documents.
 */
function referenceStates(lines: readonly string[]): ({ char: string; length: number } | undefined)[] {
  const scan = (line: string) => {
    let i = 0;
    while (i < line.length && line[i] === ' ') i++;
    if (i > 3) return undefined;
    const char = line[i];
    if (char !== '`' && char !== '~') return undefined;
    let j = i;
    while (line[j] === char) j++;
    if (j - i < 3) return undefined;
    return { char, length: j - i, rest: line.slice(j) };
  };
  const out: ({ char: string; length: number } | undefined)[] = [];
  let open: { char: string; length: number } | undefined;
  for (const line of lines) {
    const run = scan(line);
    if (!open) {
      if (run && !(run.char === '`' && run.rest.includes('`'))) open = { char: run.char, length: run.length };
    } else if (run && run.char === open.char && run.length >= open.length && [...run.rest].every((c) => c === ' ' || c === '\t')) {
      open = undefined;
    }
    out.push(open);
  }
  return out;
}

describe('fences: random documents agree with a straightforward reference', () => {
  let seed = 20261201;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const pick = <T>(items: readonly T[]): T => items[random(items.length)]!;
  const line = () =>
    ' '.repeat(pick([0, 0, 0, 1, 3, 4, 5])) +
    pick(['`', '~', 'x', '`~']).repeat(pick([1, 2, 3, 3, 4, 5, 6])) +
    pick(['', '', ' ', ' \t', 'js', ' js', '`', ' a`b', '~', ' ~~~', 'x ```']);

  it('on 3,000 documents of 1 to 14 lines', () => {
    for (let doc = 0; doc < 3000; doc++) {
      const lines = Array.from({ length: 1 + random(14) }, line);
      const got = fenceStates(lines).map((f: Fence | undefined) => (f ? { char: f.char, length: f.length } : undefined));
      expect({ lines, states: got }).toEqual({ lines, states: referenceStates(lines) });
    }
  });
});

describe('markdownToPlainText', () => {
  it('drops inline markers and resolves escapes, keeping the words', () => {
    expect(markdownToPlainText('**bold *italic***, __b__, _i_, ~~gone~~ and `**code**`')).toBe('bold italic, b, i, gone and **code**');
    expect(markdownToPlainText('\\*not italic\\* and 2 \\* 3 and snake_case_name')).toBe('*not italic* and 2 * 3 and snake_case_name');
  });

  it('headings, bullets, quotes and links read as text; links keep their address', () => {
    expect(markdownToPlainText('# Title #\n- item [docs](https://x.test/a?b=1)\n> quoted **text**\n![logo](https://x.test/l.png)')).toBe(
      'Title\n• item docs (https://x.test/a?b=1)\n> quoted text\nlogo',
    );
  });

  it('keeps code verbatim and drops the fences, by the same rules as everything else', () => {
    expect(markdownToPlainText('````md\n```\n**x**\n````\n**after**')).toBe('```\n**x**\nafter');
  });
});
