/** `/advise`: which lever to pull next, from what the channel measured (SPEC §8 "Advice"). */
import { advise, renderAdvice } from '../../advice/advise';
import { ADVICE_WINDOW_DAYS, gatherAdvice } from '../../advice/gather';
import type { Executor } from '../context';
import { fail, quote } from '../parse';
import { reply } from '../reply';
import type { CommandFamilySpec } from '../spec';
import type { AdviseCommand } from '../types';

const execute: Executor<AdviseCommand> = async (_command, ctx) => {
  const [report, profile] = await Promise.all([ctx.usage.report(ctx.scope, ADVICE_WINDOW_DAYS), ctx.profiles.resolve(ctx.scope)]);
  const input = await gatherAdvice(ctx.advice, report, profile, ctx.knowledge, ctx.clock.now().toISOString().slice(0, 10), {
    scope: ctx.scope,
    ...(ctx.feedback ? { feedback: ctx.feedback } : {}),
    ...(ctx.evaluation ? { evaluation: ctx.evaluation } : {}),
  });
  const offline = ctx.advice.offline ? 'Offline mode: the figures are what the answers would have cost (estimated).\n' : '';
  return reply(`Advice for this channel, from the last ${ADVICE_WINDOW_DAYS} days:\n${offline}${renderAdvice(advise(input))}`);
};

export const adviseFamily: CommandFamilySpec<AdviseCommand> = {
  name: 'advise',
  summary: 'What to improve next: prompt, few-shot, RAG or fine-tune',
  subcommands: {
    show: {
      keywords: [''],
      syntax: '/advise',
      description: 'what to improve next (prompt, few-shot, RAG or fine-tune), from measured usage',
      admin: false,
      options: [],
      examples: [''],
      parse: () => ({ family: 'advise', action: 'show' }),
    },
  },
  otherwise: (args) => fail(`/advise takes no arguments, so ${quote(`${args.word} ${args.rest}`)} does not belong`, '/advise'),
  discord: 'options',
  execute,
};
