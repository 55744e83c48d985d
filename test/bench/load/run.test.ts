import { storesFromArgs } from '../../../bench/load/_scenario';
import { scenarioFiles, splitArgs } from '../../../bench/load/run';

describe('npm run bench:load', () => {
  it('runs every scenario file but itself and the _helpers, in name order', () => {
    expect(scenarioFiles(['run.ts', '_scenario.ts', 'shutdown.ts', 'conversations.ts', 'notes.md'])).toEqual(['conversations.ts', 'shutdown.ts']);
  });

  it('passes arguments through to the scenarios and keeps --only for itself', () => {
    const { only, passThrough } = splitArgs(['--store', 'redis://127.0.0.1:6379', '--only', 'conversations,shutdown.ts']);
    expect(passThrough).toEqual(['--store', 'redis://127.0.0.1:6379']);
    expect([...(only ?? [])]).toEqual(['conversations', 'shutdown']);
    expect(splitArgs(['--only=a']).only).toEqual(new Set(['a']));
    expect(splitArgs([]).only).toBeUndefined();
  });

  it('gives scenarios the stores named with --store, both local services otherwise', () => {
    expect(storesFromArgs(['--store', 'postgresql://postgres@127.0.0.1:5432/test'])).toEqual(['postgresql://postgres@127.0.0.1:5432/test']);
    expect(storesFromArgs(['--store=redis://h:1'])).toEqual(['redis://h:1']);
    expect(storesFromArgs([])).toEqual(['redis://127.0.0.1:6379', 'postgresql://postgres@127.0.0.1:5432/test']);
  });
});
