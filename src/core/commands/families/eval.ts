/** `/eval …`: the channel's evaluation cases, runs and the last report (SPEC §3, §8). */
import { ErrorCode, UserError } from '../../errors';
import { renderPreview, renderReport, reportTextChart } from '../../evaluation/report';
import type { EvalReport, RunEstimate } from '../../evaluation/runner';
import { formatUsd } from '../../prompt/cost';
import type { Evaluation } from '../../evaluation/evaluation';
import type { CommandContext, Executor } from '../context';
import type { ProgressSink } from '../progress';
import { reply, type CommandReply, type FormSubmission } from '../reply';
import { arrowPair, arrowPairText, checkedPair, fail, itemNumber, optionName, plainRow, quote, wordsOf } from '../parse';
import type { Args, CommandFamilySpec } from '../spec';
import { EVAL_LEVERS, type EvalCommand, type EvalLever, type ParseLimits } from '../types';

const family = 'eval';
const ADD_USAGE = '/eval add <input> => <expected>';
const CASE_NAMES = { noun: 'case', second: 'expected answer' } as const;
/** "Add as evaluation case" on an answer nobody has given a 👍 (SPEC §8: a 👍-approved exchange can become a case). */
export const NEEDS_UPVOTE_SENTENCE = 'This answer needs a 👍 first: only an exchange someone approved with 👍 becomes an evaluation case.';
const RUN_USAGE = `/eval run [<lever> ...] [--judge], where the levers are ${EVAL_LEVERS.join(', ')}`;

function evaluationOf(evaluation: Evaluation | undefined): Evaluation {
  if (!evaluation) throw new UserError(ErrorCode.NotConfigured, '/eval is not available in this setup.');
  return evaluation;
}

/** A report's reply: the text, its chart as a picture (Slack uploads it, Discord attaches it) and in text for the console. */
async function withChart(text: string, report: EvalReport, ctx: CommandContext): Promise<CommandReply> {
  const image = await ctx.charts?.evalChart(report);
  return reply(text, { textChart: reportTextChart(report), ...(image ? { image } : {}) });
}

const execute: Executor<EvalCommand> = async (command, ctx) => {
  const { cases, runner } = evaluationOf(ctx.evaluation);
  switch (command.action) {
    case 'list': {
      const list = await cases.list(ctx.scope);
      if (list.length === 0) return reply('This channel has no evaluation cases yet; add one with /eval add <input> => <expected>.');
      return reply(list.map((c, i) => `${i + 1}. ${c.input} => ${c.expected}`).join('\n'));
    }
    case 'add': {
      if ('form' in command) return reply('Opening the evaluation case form.', { form: { kind: 'eval-add' } });
      const { number } = await cases.add(ctx.scope, command.input, command.expected, ctx.user.id);
      return addedReply(number);
    }
    case 'remove': {
      const removed = await cases.remove(ctx.scope, command.number);
      return reply(`Removed evaluation case ${command.number}: ${removed.input}`);
    }
    case 'report': {
      const last = await runner.lastReport(ctx.scope);
      if (!last) return reply('No evaluation has run in this channel yet; an admin can start one with /eval run.');
      return withChart(renderReport(last), last, ctx);
    }
    case 'run': {
      if (ctx.advice.offline) return reply(renderPreview(await runner.preview(ctx.scope, command.levers)));
      const report = await runner.run(ctx.scope, {
        ...(command.levers ? { levers: command.levers } : {}),
        judge: command.judge,
        ...(ctx.progress ? runProgress(ctx.progress) : {}),
      });
      const levers = report.rows.map((row) => row.lever).join(', ');
      return withChart(
        `Evaluated ${report.cases} case(s) through ${levers} (estimated cost ${formatUsd(report.estimatedCostUsd)} before starting).\n${renderReport(report)}`,
        report,
        ctx,
      );
    }
  }
};

const addedReply = (number: number): CommandReply => reply(`Added evaluation case ${number}; it is never used as an example or for training.`);

/** A run's start (what it will cost) and its progress, as notes for the caller. */
function runProgress(progress: ProgressSink) {
  let planned = '';
  return {
    onStart: (estimate: RunEstimate) => {
      planned = `${estimate.cases} case(s) through ${estimate.levers.join(', ')}`;
      return progress({ text: `Evaluating ${planned}, estimated cost ${formatUsd(estimate.usd)}; the report follows when it is done.` });
    },
    onProgress: (done: number, total: number) => progress({ text: `Evaluating ${planned}: ${done} of ${total} answers so far.`, done, total }),
  };
}

/** The submitted `/eval add` form as the command, its two fields held to the typed command's rules. */
export function evalAddOfForm(form: Extract<FormSubmission, { kind: 'eval-add' }>, limits: ParseLimits): EvalCommand {
  const { input, output } = checkedPair(form.input, form.expected, CASE_NAMES, limits, ADD_USAGE);
  return { family, action: 'add', input, expected: output };
}

/**
 * "Add as evaluation case" on one of the bot's messages: the question it answered and the answer,
 * as recorded when it was given, become a case — once the answer has a 👍 from anyone (each user's
 * latest vote). The admin who adds it is the judge; the 👍 says someone who read the answer found
 * it right. The caller's admin check is the registry's, as for `/eval add`.
 */
export async function addCaseFromAnswer(messageId: string, ctx: CommandContext): Promise<CommandReply> {
  const { cases } = evaluationOf(ctx.evaluation);
  const feedback = ctx.feedback;
  if (!feedback) throw new UserError(ErrorCode.NotConfigured, 'Answers are not recorded in this setup, so none can become an evaluation case.');
  const answer = await feedback.answerOfMessage(ctx.scope, messageId);
  if (!answer) {
    throw new UserError(
      ErrorCode.NotFound,
      `I have no record of an answer in this message (I keep my answers ${feedback.answerDays} days), so it cannot become an evaluation case.`,
    );
  }
  if (!(await feedback.hasUpvote(ctx.scope, answer.id))) throw new UserError(ErrorCode.InvalidState, NEEDS_UPVOTE_SENTENCE);
  const { number } = await cases.add(ctx.scope, answer.question, answer.answer, ctx.user.id);
  return addedReply(number);
}

/** Levers may be listed with spaces or commas; `few-shot` and `fine-tune` read as the lever names. */
function evalRun(args: Args): EvalCommand {
  const levers: EvalLever[] = [];
  let judge = false;
  for (const word of wordsOf(args.rest)) {
    const option = optionName(word);
    if (option !== undefined) {
      if (option !== 'judge') fail(`${quote(word)} is not an option of /eval run`, RUN_USAGE);
      judge = true;
      continue;
    }
    for (const name of word.split(',').filter((part) => part !== '')) {
      const lever = EVAL_LEVERS.find((known) => known === name.toLowerCase().replace(/-/g, ''));
      if (lever === undefined) fail(`${quote(name)} is not a lever`, RUN_USAGE);
      if (levers.includes(lever)) fail(`${quote(name)} is named twice`, RUN_USAGE);
      levers.push(lever);
    }
  }
  return levers.length === 0 ? { family, action: 'run', judge } : { family, action: 'run', levers, judge };
}

export const evalFamily: CommandFamilySpec<EvalCommand> = {
  name: family,
  summary: "This channel's evaluation: cases, runs and the report",
  subcommands: {
    list: plainRow(family, 'list', { description: "the channel's evaluation cases, numbered: input => expected", admin: false, bare: true }),
    add: {
      keywords: ['add'],
      syntax: ADD_USAGE,
      description: 'add an evaluation case, never used as an example or for training (no text: open a form)',
      admin: true,
      // Both optional: `/eval add` with no options opens the form, as `/fewshot add` does.
      options: [
        { name: 'input', type: 'string', required: false, description: 'what a user writes' },
        { name: 'expected', type: 'string', required: false, description: 'the answer a good bot gives' },
      ],
      examples: ['add What is 2+2? => 4', 'add'],
      fromOptions: (v) => arrowPairText('add', v['input'], v['expected'], '/eval add input:<what a user writes> expected:<the answer>'),
      parse: (args) => {
        if (args.rest === '') return { family, action: 'add', form: true };
        const { input, output } = arrowPair(args, CASE_NAMES, `${ADD_USAGE}, or /eval add alone to open a form`);
        return { family, action: 'add', input, expected: output };
      },
    },
    remove: {
      keywords: ['remove'],
      syntax: '/eval remove <n>',
      description: 'remove case number n of /eval list',
      admin: true,
      options: [{ name: 'number', type: 'integer', required: true, description: 'the case number shown by /eval list' }],
      examples: ['remove 1'],
      parse: (args) => ({ family, action: 'remove', number: itemNumber(args, 'case', '/eval remove <n>, where n is the case number shown by /eval list') }),
    },
    run: {
      keywords: ['run'],
      syntax: '/eval run [<lever> ...] [--judge]',
      description: 'score every case through each lever side by side; --judge adds a model judge',
      admin: true,
      options: [
        { name: 'levers', type: 'string', required: false, description: `levers to compare, e.g. "prompt rag" (default: all of ${EVAL_LEVERS.join(', ')})` },
        { name: 'judge', type: 'boolean', required: false, description: 'add a model judge comparing answers' },
      ],
      examples: ['run', 'run prompt fewshot --judge'],
      parse: evalRun,
    },
    report: plainRow(family, 'report', { description: "the last run's report", admin: false }),
  },
  execute,
};
