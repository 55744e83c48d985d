/** `/model …`: the channel's base model. */
import type { Executor } from '../context';
import { sourceLabel } from '../describe';
import { fail, modelId, plainRow, quote, splitFirstWord } from '../parse';
import { reply } from '../reply';
import type { CommandFamilySpec } from '../spec';
import type { ModelCommand } from '../types';

const execute: Executor<ModelCommand> = async (command, ctx) => {
  if (command.action === 'show') {
    const p = await ctx.profiles.resolve(ctx.scope);
    const fineTuned = p.fineTunedModel.value ? ` Fine-tuned model: ${p.fineTunedModel.value} (${sourceLabel(p.fineTunedModel.source)}).` : '';
    return reply(`Model: ${p.model.value} (${sourceLabel(p.model.source)}).${fineTuned}`);
  }
  await ctx.finetune?.owners.assertUsable(ctx.scope, command.model);
  await ctx.profiles.setModel(ctx.scope, ctx.user, command.model);
  return reply(`Model set to ${command.model}.`);
};

const family = 'model';
const USAGE = '/model <model-id>, for example /model gpt-4o-mini';

function modelSet(word: string, after: string): ModelCommand {
  const model = modelId(word, USAGE);
  if (after !== '') fail(`A model id is one word, so ${quote(after)} after ${quote(model)} does not belong`, USAGE);
  return { family, action: 'set', model };
}

export const modelFamily: CommandFamilySpec<ModelCommand> = {
  name: family,
  summary: "Show or set this channel's model",
  subcommands: {
    show: plainRow(family, 'show', { description: 'the effective model and where it comes from', admin: false, bare: true }),
    set: {
      keywords: ['set'],
      syntax: '/model <model-id>',
      description: 'choose the base model, e.g. gpt-4o-mini',
      admin: true,
      options: [{ name: 'model', type: 'string', required: true, description: 'a model id such as gpt-4o-mini' }],
      examples: ['gpt-4o', 'set gpt-4o'],
      parse: (args) => {
        const [word, after] = splitFirstWord(args.rest);
        if (word === '') fail('Say which model to use', USAGE);
        return modelSet(word, after);
      },
    },
  },
  // Any other first word is the model id itself: `/model gpt-4o`.
  otherwise: (args) => modelSet(args.word, args.rest),
  execute,
};
