/** `/fewshot …` */
import type { FewshotMode } from '../types';
import type { Executor } from './context';
import { sourceLabel, who } from './describe';
import { reply } from './reply';
import type { FewshotCommand } from './types';

export function describeMode(mode: FewshotMode): string {
  return mode.kind === 'all' ? 'all' : `auto ${mode.k}`;
}

export const executeFewshot: Executor<FewshotCommand> = async (command, ctx) => {
  switch (command.action) {
    case 'list': {
      const { fewshot, fewshotMode } = await ctx.profiles.resolve(ctx.scope);
      const header = `Few-shot examples: ${fewshot.value.length} (${sourceLabel(fewshot.source)}), mode ${describeMode(fewshotMode.value)}.`;
      if (fewshot.value.length === 0) return reply(`${header}\nAdd one with /fewshot add <input> => <output>.`);
      const lines = fewshot.value.map((e, i) => `${i + 1}. Input: ${e.input}\n   Output: ${e.output}`);
      return reply(`${header}\n${lines.join('\n')}`);
    }
    case 'add': {
      const { number } = await ctx.profiles.addExample(ctx.scope, ctx.user, command.input, command.output);
      return reply(`Added example ${number}.`);
    }
    case 'form':
      return reply('Opening the example form.', { form: { kind: 'fewshot-add' } });
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
        command.mode.kind === 'all'
          ? 'every example goes into each prompt.'
          : `the ${command.mode.k} examples most like each message go into its prompt.`;
      return reply(`Few-shot mode is now ${describeMode(command.mode)}: ${detail}`, {
        announce: `${who(ctx.user)} set this channel's few-shot mode to ${describeMode(command.mode)}.`,
      });
    }
  }
};
