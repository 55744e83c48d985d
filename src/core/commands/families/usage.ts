/** `/usage [7d | 30d]`: measured usage of the channel, with a chart (SPEC §7 "Usage report"). */
import { renderUsage, textChart } from '../../usage/report';
import type { FeedbackCounts } from '../../feedback/feedback';
import type { Executor } from '../context';
import { fail, noArgs, quote } from '../parse';
import { reply } from '../reply';
import type { CommandFamilySpec } from '../spec';
import type { UsageCommand } from '../types';

/** 👍 / 👎 by the route that answered (SPEC §8 "Feedback"); nothing when no one voted. */
function feedbackLine(counts: FeedbackCounts | undefined): string {
  const routes = Object.entries(counts?.byRoute ?? {}).filter(([, c]) => c.up + c.down > 0);
  if (routes.length === 0) return '';
  return `\nfeedback — ${routes.map(([route, c]) => `${route} 👍 ${c.up} · 👎 ${c.down}`).join(' · ')}`;
}

const execute: Executor<UsageCommand> = async (command, ctx) => {
  const days = command.period === '30d' ? 30 : 7;
  const report = await ctx.usage.report(ctx.scope, days);
  const text = renderUsage(report, ctx.advice.offline) + feedbackLine(await ctx.feedback?.counts(ctx.scope, days));
  if (report.total.requests === 0) return reply(text);
  const image = await ctx.charts?.usageChart(report, `Usage of this channel, last ${days} days`);
  return reply(text, { textChart: textChart(report), ...(image ? { image } : {}) });
};

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
  execute,
};
