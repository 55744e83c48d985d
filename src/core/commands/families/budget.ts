/** `/budget …`: the channel's monthly spending cap (SPEC §8 "Budgets"). */
import { formatUsd } from '../../prompt/cost';
import type { EffectiveBudget } from '../../usage/budget';
import type { CommandContext, Executor } from '../context';
import { formatTime } from '../describe';
import { fail, noMoreArgs, plainRow, quote, splitFirstWord } from '../parse';
import { reply } from '../reply';
import type { Args, CommandFamilySpec } from '../spec';
import type { BudgetCommand } from '../types';

const family = 'budget';
/** A cap above this is surely a typo (an extra zero or two), not a channel's monthly spend. */
const BUDGET_MAX_USD = 1_000_000;
const SET_USAGE = '/budget set <usd> [warn <pct>], e.g. /budget set 25 warn 80';

/** `25`, `$25`, `12.50`: whole dollars and at most two decimals (cents). */
function amount(word: string): number {
  const match = /^\$?(\d{1,12}(?:\.\d{1,2})?)$/.exec(word);
  if (!match) fail(`${quote(word)} is not an amount in US dollars such as 25 or 12.50`, SET_USAGE);
  const usd = Number(match[1]);
  if (usd <= 0) fail('The cap must be more than $0 (to remove it, use /budget clear)', SET_USAGE);
  if (usd > BUDGET_MAX_USD) fail(`A cap of ${quote(word)} is over the largest allowed, $${BUDGET_MAX_USD.toLocaleString('en-US')}`, SET_USAGE);
  return usd;
}

/** `80` or `80%`, from 1 to 100. */
function percent(word: string): number {
  const match = /^(\d{1,3})%?$/.exec(word);
  const pct = match ? Number(match[1]) : NaN;
  if (!(pct >= 1 && pct <= 100)) fail(`${quote(word)} is not a percentage from 1 to 100`, SET_USAGE);
  return pct;
}

function budgetSet(args: Args): BudgetCommand {
  const [usdWord, afterUsd] = splitFirstWord(args.rest);
  if (usdWord === '') fail('Say the monthly cap in US dollars', SET_USAGE);
  const usd = amount(usdWord);
  const [warnWord, afterWarn] = splitFirstWord(afterUsd);
  if (warnWord === '') return { family, action: 'set', usd };
  if (warnWord.toLowerCase() !== 'warn') fail(`Unexpected ${quote(afterUsd)} after the amount`, SET_USAGE);
  const [pctWord, afterPct] = splitFirstWord(afterWarn);
  if (pctWord === '') fail('Say at what percent of the cap to warn', SET_USAGE);
  const warnPct = percent(pctWord);
  noMoreArgs(afterPct, `warn ${pctWord}`, SET_USAGE);
  return { family, action: 'set', usd, warnPct };
}

/** `$3.20 spent this month (December 2026, UTC)`. */
async function spentLine(ctx: CommandContext): Promise<{ spent: number; line: string }> {
  const spent = await ctx.usage.monthSpend(ctx.scope);
  const month = ctx.clock.now().toLocaleString('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' });
  return { spent, line: `${formatUsd(spent)} spent this month (${month}, UTC)` };
}

function capLine(budget: EffectiveBudget, spent: number): string {
  const used = ((spent / budget.usd) * 100).toLocaleString('en-US', { maximumFractionDigits: 1 });
  const origin =
    budget.source === 'config' ? 'the workspace default from config' : `set by ${budget.by ?? 'an admin'}${budget.at ? ` on ${formatTime(budget.at)}` : ''}`;
  return `of the ${formatUsd(budget.usd)} monthly cap (${used}%; ${origin}). Admins are warned at ${budget.warnPct}%, and at the cap I stop calling the model.`;
}

const execute: Executor<BudgetCommand> = async (command, ctx) => {
  switch (command.action) {
    case 'show': {
      const [budget, { spent, line }] = await Promise.all([ctx.budgets.of(ctx.scope), spentLine(ctx)]);
      if (!budget) return reply(`This channel has no monthly cap; ${line}. An admin can set one with /budget set <usd>.`);
      return reply(`${line[0]?.toUpperCase()}${line.slice(1)} ${capLine(budget, spent)}`);
    }
    case 'set': {
      const budget = await ctx.budgets.set(ctx.scope, ctx.user, command.usd, command.warnPct);
      const { spent, line } = await spentLine(ctx);
      return reply(`Monthly cap set to ${formatUsd(budget.usd)}, with a warning at ${budget.warnPct}%. So far: ${line} ${capLine(budget, spent)}`);
    }
    case 'clear': {
      const had = await ctx.budgets.clear(ctx.scope, ctx.user);
      const { line } = await spentLine(ctx);
      return reply(had ? `The monthly cap is lifted: this channel has no cap now; ${line}.` : `This channel had no monthly cap, and still has none; ${line}.`);
    }
  }
};

export const budgetFamily: CommandFamilySpec<BudgetCommand> = {
  name: family,
  summary: "This channel's monthly spending cap",
  subcommands: {
    show: plainRow(family, 'show', { description: "this month's spend against the channel's cap", admin: false, bare: true }),
    set: {
      keywords: ['set'],
      syntax: '/budget set <usd> [warn <pct>]',
      description: 'a monthly cap in US dollars, with a warning at pct % of it (default 80)',
      admin: true,
      options: [
        { name: 'usd', type: 'number', required: true, description: 'the monthly cap in US dollars' },
        { name: 'warn', type: 'integer', required: false, description: 'warn admins at this percent of the cap (default 80)' },
      ],
      examples: ['set 25', 'set $12.50 warn 90'],
      fromOptions: (v) => `set ${String(v['usd'] ?? '')}${v['warn'] === undefined ? '' : ` warn ${String(v['warn'])}`}`,
      parse: budgetSet,
    },
    clear: plainRow(family, 'clear', { description: 'remove the cap', admin: true }),
  },
  execute,
};
