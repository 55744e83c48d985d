/** `/budget …`: the channel's monthly spending cap. Parsed fully; answers "not available yet" until it lands. */
import { notAvailableYet } from '../not-yet';
import { fail, noMoreArgs, plainRow, quote, splitFirstWord } from '../parse';
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
  execute: notAvailableYet,
};
