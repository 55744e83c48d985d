/** `/route …` and `/model …` */
import { ErrorCode, UserError } from '../errors';
import { channelKnowledgeBase } from '../profiles/resolve';
import { AUTO_RULE } from '../routes/auto-route';
import type { CommandContext, Executor } from './context';
import { sourceLabel, who } from './describe';
import { reply } from './reply';
import type { ModelCommand, RouteCommand } from './types';

async function showRoute(ctx: CommandContext) {
  const p = await ctx.profiles.resolve(ctx.scope);
  const route = p.route.value;
  const model = route === 'finetune' ? p.fineTunedModel.value ?? '(none set)' : p.model.value;
  const modelSource = route === 'finetune' ? p.fineTunedModel.source : p.model.source;
  const lines = [`Route: ${route} (${sourceLabel(p.route.source)}) · model: ${model} (${sourceLabel(modelSource)}).`];
  switch (route) {
    case 'prompt':
      lines.push('Why: answers come from the persona, the few-shot examples and the base model.');
      break;
    case 'rag':
      lines.push("Why: answers cite passages from this channel's knowledge base, and say so when nothing relevant is found.");
      break;
    case 'finetune':
      lines.push('Why: answers come from the fine-tuned model, with a short persona and no few-shot examples.');
      break;
    case 'auto':
      lines.push(`Why: ${AUTO_RULE}`);
      break;
  }
  return reply(lines.join('\n'));
}

export const executeRoute: Executor<RouteCommand> = async (command, ctx) => {
  switch (command.action) {
    case 'show':
      return showRoute(ctx);
    case 'set': {
      await ctx.profiles.setRoute(ctx.scope, ctx.user, command.route);
      let note = '';
      if (command.route !== 'prompt') {
        const docs = await ctx.knowledge.list(channelKnowledgeBase(ctx.scope));
        if (docs.length === 0) note = " The knowledge base is empty so far; add documents with /kb add.";
      }
      return reply(`Route set to ${command.route}.${note}`, { announce: `${who(ctx.user)} set this channel's route to ${command.route}.` });
    }
    case 'finetune': {
      if (command.model) {
        await ctx.profiles.setFineTunedModel(ctx.scope, ctx.user, command.model);
      } else if (!(await ctx.profiles.resolve(ctx.scope)).fineTunedModel.value) {
        throw new UserError(
          ErrorCode.InvalidState,
          'This channel has no fine-tuned model yet; name one with /route finetune <model-id>.',
        );
      }
      await ctx.profiles.setRoute(ctx.scope, ctx.user, 'finetune');
      const model = (await ctx.profiles.resolve(ctx.scope)).fineTunedModel.value;
      return reply(`Route set to finetune with model ${model}.`, {
        announce: `${who(ctx.user)} set this channel's route to finetune (${model}).`,
      });
    }
  }
};

export const executeModel: Executor<ModelCommand> = async (command, ctx) => {
  if (command.action === 'show') {
    const p = await ctx.profiles.resolve(ctx.scope);
    const fineTuned = p.fineTunedModel.value ? ` Fine-tuned model: ${p.fineTunedModel.value} (${sourceLabel(p.fineTunedModel.source)}).` : '';
    return reply(`Model: ${p.model.value} (${sourceLabel(p.model.source)}).${fineTuned}`);
  }
  await ctx.profiles.setModel(ctx.scope, ctx.user, command.model);
  return reply(`Model set to ${command.model}.`);
};
