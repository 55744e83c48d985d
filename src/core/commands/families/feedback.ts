/** `/feedback up | down [<reason>]`: the console's vote on its last answer (SPEC §3, §8). */
import { ErrorCode, UserError } from '../../errors';
import { REASON_MAX_CHARS } from '../../feedback/feedback';
import type { Executor } from '../context';
import { plainRow, tooLarge } from '../parse';
import { reply } from '../reply';
import type { CommandFamilySpec } from '../spec';
import type { FeedbackCommand } from '../types';

const family = 'feedback';

const execute: Executor<FeedbackCommand> = async (command, ctx) => {
  const answerId = await ctx.feedback?.lastAnswerId(ctx.scope);
  if (!ctx.feedback || answerId === undefined) throw new UserError(ErrorCode.NotFound, 'There is no answer to vote on yet; ask me something first.');
  const result = await ctx.feedback.vote({
    scope: ctx.scope,
    answerId,
    user: ctx.user,
    value: command.action,
    ...(command.action === 'down' && command.reason !== undefined ? { reason: command.reason } : {}),
    isAdmin: await ctx.isAdmin(),
  });
  const vote = command.action === 'up' ? '👍' : '👎';
  return reply(`Recorded your ${vote} on the last answer${result.approved ? '; it was added to the training set' : ''}.`);
};

export const feedbackFamily: CommandFamilySpec<FeedbackCommand> = {
  name: family,
  summary: 'Vote on the last answer',
  subcommands: {
    up: plainRow(family, 'up', { description: 'the last answer was good', admin: false, options: null }),
    down: {
      keywords: ['down'],
      syntax: '/feedback down [<reason>]',
      description: 'the last answer was not good, and why',
      admin: false,
      options: null,
      examples: ['down', 'down It cited the wrong policy.'],
      parse: (args) => {
        if (args.rest.length > REASON_MAX_CHARS) throw tooLarge('reason', args.rest.length, REASON_MAX_CHARS);
        return args.rest === '' ? { family, action: 'down' } : { family, action: 'down', reason: args.rest };
      },
    },
  },
  // Slack and Discord answers carry 👍 / 👎 buttons instead (SPEC §3, §8).
  consoleOnly: true,
  execute,
};
