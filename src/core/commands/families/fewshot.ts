/** `/fewshot …`: the channel's few-shot examples and how many of them go into each prompt. */
import type { FewshotMode } from '../../types';
import type { Executor } from '../context';
import { sourceLabel, who } from '../describe';
import { arrowPair, arrowPairText, fail, itemNumber, noMoreArgs, plainRow, positiveInt, quote, shorten, splitFirstWord } from '../parse';
import { reply } from '../reply';
import type { Args, CommandFamilySpec } from '../spec';
import type { FewshotCommand } from '../types';

const FEWSHOT_K_MIN = 1;
const FEWSHOT_K_MAX = 50;

function describeMode(mode: FewshotMode): string {
  return mode.kind === 'all' ? 'all' : `auto ${mode.k}`;
}

const execute: Executor<FewshotCommand> = async (command, ctx) => {
  switch (command.action) {
    case 'list': {
      const { fewshot, fewshotMode } = await ctx.profiles.resolve(ctx.scope);
      const header = `Few-shot examples: ${fewshot.value.length} (${sourceLabel(fewshot.source)}), mode ${describeMode(fewshotMode.value)}.`;
      if (fewshot.value.length === 0) return reply(`${header}\nAdd one with /fewshot add <input> => <output>.`);
      const lines = fewshot.value.map((e, i) => `${i + 1}. Input: ${e.input}\n   Output: ${e.output}`);
      return reply(`${header}\n${lines.join('\n')}`);
    }
    case 'add': {
      if ('form' in command) return reply('Opening the example form.', { form: { kind: 'fewshot-add' } });
      const { number } = await ctx.profiles.addExample(ctx.scope, ctx.user, command.input, command.output);
      return reply(`Added example ${number}.`);
    }
    case 'remove': {
      const removed = await ctx.profiles.removeExample(ctx.scope, ctx.user, command.number);
      return reply(`Removed example ${command.number} (input: ${removed.input.split('\n')[0]}).`);
    }
    case 'clear': {
      const count = await ctx.profiles.clearExamples(ctx.scope, ctx.user);
      return reply(count ? `Removed all ${count} examples.` : 'This channel has no examples of its own.');
    }
    case 'mode': {
      await ctx.profiles.setFewshotMode(ctx.scope, ctx.user, command.mode);
      const detail =
        command.mode.kind === 'all' ? 'every example goes into each prompt.' : `the ${command.mode.k} examples most like each message go into its prompt.`;
      return reply(`Few-shot mode is now ${describeMode(command.mode)}: ${detail}`, {
        announce: `${who(ctx.user)} set this channel's few-shot mode to ${describeMode(command.mode)}.`,
      });
    }
  }
};

const family = 'fewshot';

function fewshotMode(args: Args): FewshotMode {
  const usage = `/fewshot mode all | auto <k>, where k is a whole number from ${FEWSHOT_K_MIN} to ${FEWSHOT_K_MAX}`;
  const [modeWord, afterMode] = splitFirstWord(args.rest);
  switch (modeWord.toLowerCase()) {
    case '':
      return fail('Say which mode to use', usage);
    case 'all':
      noMoreArgs(afterMode, '/fewshot mode all', usage);
      return { kind: 'all' };
    case 'auto': {
      const [kWord, afterK] = splitFirstWord(afterMode);
      if (kWord === '') fail('Say how many examples auto mode should pick', usage);
      noMoreArgs(afterK, `/fewshot mode auto ${shorten(kWord)}`, usage);
      const k = positiveInt(kWord);
      if (k === undefined || k < FEWSHOT_K_MIN || k > FEWSHOT_K_MAX) {
        fail(`${quote(kWord)} is not a whole number from ${FEWSHOT_K_MIN} to ${FEWSHOT_K_MAX}`, usage);
      }
      return { kind: 'auto', k };
    }
    default:
      return fail(`${quote(modeWord)} is not a few-shot mode`, usage);
  }
}

export const fewshotFamily: CommandFamilySpec<FewshotCommand> = {
  name: family,
  summary: "List or change this channel's few-shot examples",
  subcommands: {
    list: plainRow(family, 'list', { description: 'the numbered examples', admin: false, bare: true }),
    add: {
      keywords: ['add'],
      syntax: '/fewshot add <input> => <output>',
      description: 'add an example (no text: open a form)',
      admin: true,
      // Both optional: `/fewshot add` with no options opens the form (SPEC §7).
      options: [
        { name: 'input', type: 'string', required: false, description: 'what a user writes' },
        { name: 'output', type: 'string', required: false, description: 'the answer the bot should give' },
      ],
      examples: ['add Hi => Hello.', 'add'],
      fromOptions: (v) => arrowPairText('add', v['input'], v['output'], '/fewshot add input:<what a user writes> output:<the answer>'),
      parse: (args) => {
        if (args.rest === '') return { family, action: 'add', form: true };
        const usage = '/fewshot add <input> => <output>, or /fewshot add alone to open a form';
        return { family, action: 'add', ...arrowPair(args, { noun: 'example', second: 'output' }, usage) };
      },
    },
    remove: {
      keywords: ['remove'],
      syntax: '/fewshot remove <n>',
      description: 'remove example number n of /fewshot list',
      admin: true,
      options: [{ name: 'number', type: 'integer', required: true, description: 'the example number shown by /fewshot list' }],
      examples: ['remove 1'],
      parse: (args) => ({
        family,
        action: 'remove',
        number: itemNumber(args, 'example', '/fewshot remove <n>, where n is the example number shown by /fewshot list'),
      }),
    },
    clear: plainRow(family, 'clear', { description: 'remove every example', admin: true }),
    mode: {
      keywords: ['mode'],
      syntax: '/fewshot mode all | auto <k>',
      description: `send every example, or the k (${FEWSHOT_K_MIN} to ${FEWSHOT_K_MAX}) most relevant ones`,
      admin: true,
      options: [
        { name: 'mode', type: 'string', required: true, description: 'all examples, or the k most relevant', choices: ['all', 'auto'] },
        { name: 'k', type: 'integer', required: false, description: `how many examples auto mode picks (${FEWSHOT_K_MIN} to ${FEWSHOT_K_MAX})` },
      ],
      examples: ['mode auto 3', 'mode all'],
      parse: (args) => ({ family, action: 'mode', mode: fewshotMode(args) }),
    },
  },
  execute,
};
