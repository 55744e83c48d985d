/** `/usage [7d | 30d]`: measured usage of the channel. Parsed fully; answers "not available yet" until it lands. */
import { notAvailableYet } from '../not-yet';
import { fail, noArgs, quote } from '../parse';
import type { CommandFamilySpec } from '../spec';
import type { UsageCommand } from '../types';

export const usageFamily: CommandFamilySpec<UsageCommand> = {
  name: 'usage',
  summary: 'Measured usage of this channel',
  subcommands: {
    show: {
      keywords: ['', '7d', '30d'],
      syntax: '/usage [7d | 30d]',
      description: 'requests, tokens, cost and latency by route',
      admin: false,
      options: [{ name: 'period', type: 'string', required: false, description: 'the last 7 or 30 days', choices: ['7d', '30d'] }],
      examples: ['', '7d', '30d'],
      parse: (args) => {
        noArgs(args, `/usage ${args.keyword || '7d'}`);
        return { family: 'usage', action: 'show', period: args.keyword === '30d' ? '30d' : '7d' };
      },
    },
  },
  otherwise: (args) => fail(`${quote(args.word)} is not a period; use 7d or 30d`, '/usage [7d | 30d]'),
  discord: 'options',
  execute: notAvailableYet,
};
