/** /eval's two halves, as commands and /advise use them: the channel's cases and the runner that scores the levers on them. */
import type { EvalCases } from './cases';
import type { EvalRunner } from './runner';

export interface Evaluation {
  readonly cases: EvalCases;
  readonly runner: EvalRunner;
}
