/**
 * The /eval bench at a small size: it runs the real runner against the fake (in its worker), counts
 * one chat request per answer and one query embedding per RAG case (planned once, shared by the
 * estimate and the answers), and the score table comes out as the cases are built to make it.
 */
import { benchLeverEval, LEVERS } from '../../bench/lever-eval';

describe('bench/lever-eval', () => {
  it('counts the requests of 6 cases × 3 levers and scores prompt 0, fewshot 0.5, rag 1', async () => {
    const result = await benchLeverEval({ cases: 6, latencyMs: 0, concurrency: 2 });
    expect(result.answers).toBe(18);
    expect(result.chatRequests).toBe(18);
    expect(result.embeddingRequests).toBe(6);
    expect(result.report.rows.map((row) => [row.lever, row.score.mean])).toEqual(LEVERS.map((lever, i) => [lever, [0, 0.5, 1][i]]));
    // The fake runs in a worker that compiles its own TypeScript: slow to start on a loaded machine.
  }, 90_000);
});
