import { createAnalyzer, defaultAnalyzer } from '../../../../src/providers/retrieval/algorithms/analysis';

describe('defaultAnalyzer', () => {
  it('lowercases and stems English words so inflections meet', () => {
    expect(defaultAnalyzer('Running RUNS run')).toEqual(['run', 'run', 'run']);
    expect(defaultAnalyzer('universities')).toEqual(defaultAnalyzer('university'));
    expect(defaultAnalyzer('generalizations')).toEqual(defaultAnalyzer('generalization'));
  });

  it('drops English stopwords, including contractions with either apostrophe', () => {
    expect(defaultAnalyzer('the and of with')).toEqual([]);
    expect(defaultAnalyzer("don't doesn’t isn't")).toEqual([]);
    expect(defaultAnalyzer('the cat')).toEqual(['cat']);
  });

  it("drops the possessive 's and joins other apostrophes", () => {
    expect(defaultAnalyzer("the government's plan")).toEqual(['govern', 'plan']);
    expect(defaultAnalyzer("O'Neill")).toEqual(defaultAnalyzer('ONeill'));
    expect(defaultAnalyzer("O'Neill")).toHaveLength(1);
  });

  it('folds Unicode compatibility forms and Latin accents', () => {
    expect(defaultAnalyzer('Café naïve')).toEqual(defaultAnalyzer('cafe naive'));
    expect(defaultAnalyzer('ﬁnance Ｆｕｌｌ')).toEqual(defaultAnalyzer('finance full'));
  });

  it('keeps letters of other scripts and numbers as words', () => {
    expect(defaultAnalyzer('Привет мир 2024 v2')).toEqual(['привет', 'мир', '2024', 'v2']);
  });

  it('splits CJK runs into overlapping bigrams and keeps adjacent Latin words apart', () => {
    expect(defaultAnalyzer('東京タワー')).toEqual(['東京', '京タ', 'タワ', 'ワー']);
    expect(defaultAnalyzer('iphone手机')).toEqual(['iphon', '手机']);
    expect(defaultAnalyzer('猫')).toEqual(['猫']);
  });

  it('ignores punctuation and absurdly long tokens', () => {
    expect(defaultAnalyzer('hello, world!!! -- ...')).toEqual(['hello', 'world']);
    expect(defaultAnalyzer(`${'x'.repeat(65)} ok`)).toEqual(['ok']);
  });
});

describe('createAnalyzer', () => {
  it('can switch stemming off and use another stop list', () => {
    const analyse = createAnalyzer({ stem: false, stopwords: new Set(['foo']) });
    expect(analyse('foo running the')).toEqual(['running', 'the']);
  });
});
