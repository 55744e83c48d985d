/** `/feedback up | down [<reason>]`: the console's vote on its last answer. Parsed fully; answers "not available yet" until it lands. */
import { notAvailableYet } from '../not-yet';
import { plainRow, tooLarge } from '../parse';
import type { CommandFamilySpec } from '../spec';
import type { FeedbackCommand } from '../types';

const family = 'feedback';
/** A reason is a sentence or two for the admins reading it, not a document. */
const REASON_MAX_CHARS = 500;

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
  execute: notAvailableYet,
};
