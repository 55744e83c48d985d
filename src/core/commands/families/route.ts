/** `/route …`: how the channel's messages are answered. */
import { ErrorCode, UserError } from '../../errors';
import { channelKnowledgeBase } from '../../profiles/resolve';
import { shutdownDateOf } from '../../finetune/model-watch';
import { AUTO_RULE } from '../../routes/auto-route';
import type { CommandContext, Executor } from '../context';
import { sourceLabel, who } from '../describe';
import { fail, modelId, noMoreArgs, plainRow, quote, splitFirstWord } from '../parse';
import { reply } from '../reply';
import type { Args, CommandFamilySpec } from '../spec';
import type { RouteCommand } from '../types';

async function showRoute(ctx: CommandContext) {
  const p = await ctx.profiles.resolve(ctx.scope);
  const route = p.route.value;
  const model = route === 'finetune' ? (p.fineTunedModel.value ?? '(none set)') : p.model.value;
  const modelSource = route === 'finetune' ? p.fineTunedModel.source : p.model.source;
  const shutdown = model === '(none set)' ? undefined : await shutdownDateOf(ctx.advice, model);
  const lines = [
    `Route: ${route} (${sourceLabel(p.route.source)}) · model: ${model} (${sourceLabel(modelSource)})${shutdown ? ` · shuts down on ${shutdown}` : ''}.`,
  ];
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

const execute: Executor<RouteCommand> = async (command, ctx) => {
  switch (command.action) {
    case 'show':
      return showRoute(ctx);
    case 'set': {
      await ctx.profiles.setRoute(ctx.scope, ctx.user, command.route);
      let note = '';
      if (command.route !== 'prompt') {
        const docs = await ctx.knowledge.list(channelKnowledgeBase(ctx.scope));
        if (docs.length === 0) note = ' The knowledge base is empty so far; add documents with /kb add.';
      }
      return reply(`Route set to ${command.route}.${note}`, { announce: `${who(ctx.user)} set this channel's route to ${command.route}.` });
    }
    case 'finetune': {
      if (command.model) {
        await ctx.finetune?.owners.assertUsable(ctx.scope, command.model);
        await ctx.profiles.setFineTunedModel(ctx.scope, ctx.user, command.model);
      } else if (!(await ctx.profiles.resolve(ctx.scope)).fineTunedModel.value) {
        throw new UserError(ErrorCode.InvalidState, 'This channel has no fine-tuned model yet; name one with /route finetune <model-id>.');
      }
      await ctx.profiles.setRoute(ctx.scope, ctx.user, 'finetune');
      const model = (await ctx.profiles.resolve(ctx.scope)).fineTunedModel.value;
      return reply(`Route set to finetune with model ${model}.`, {
        announce: `${who(ctx.user)} set this channel's route to finetune (${model}).`,
      });
    }
  }
};

const family = 'route';
const ROUTES = ['prompt', 'rag', 'auto'] as const;

function routeFinetune(rest: string): RouteCommand {
  const usage = '/route finetune [<model-id>]';
  const [word, after] = splitFirstWord(rest);
  if (word === '') return { family, action: 'finetune' };
  const model = modelId(word, usage);
  if (after !== '') fail(`Unexpected ${quote(after)} after the model id`, usage);
  return { family, action: 'finetune', model };
}

/** `set <route>` is the shape Discord's options flatten to (SPEC §7: route set route model). */
function routeSet(args: Args): RouteCommand {
  const usage = '/route prompt | rag | auto, or /route finetune [<model-id>]';
  const [routeWord, afterRoute] = splitFirstWord(args.rest);
  const route = routeWord.toLowerCase();
  if (route === '') fail('Say which route to use', usage);
  if (route === 'finetune') return routeFinetune(afterRoute);
  const known = ROUTES.find((name) => name === route);
  if (known === undefined) return fail(`${quote(routeWord)} is not a route`, usage);
  noMoreArgs(afterRoute, `/route ${known}`, usage);
  return { family, action: 'set', route: known };
}

export const routeFamily: CommandFamilySpec<RouteCommand> = {
  name: family,
  summary: 'Show or set how this channel is answered',
  subcommands: {
    show: plainRow(family, 'show', { description: 'the effective route, model and why', admin: false, bare: true }),
    set: {
      keywords: [...ROUTES, 'set'],
      syntax: '/route prompt | rag | auto',
      description: 'choose how messages are answered',
      admin: true,
      options: [
        { name: 'route', type: 'string', required: true, description: 'how messages are answered', choices: ['prompt', 'rag', 'finetune', 'auto'] },
        { name: 'model', type: 'string', required: false, description: 'the fine-tuned model id (route finetune)' },
      ],
      examples: ['prompt', 'rag', 'auto', 'set auto'],
      parse: (args) => {
        if (args.keyword === 'set') return routeSet(args);
        const route = ROUTES.find((name) => name === args.keyword) ?? 'prompt';
        noMoreArgs(args.rest, `/route ${route}`, args.syntax);
        return { family, action: 'set', route };
      },
    },
    finetune: {
      keywords: ['finetune'],
      syntax: '/route finetune [<model-id>]',
      description: "use the channel's fine-tuned model (or set it)",
      admin: true,
      // On Discord this is `set route:finetune model:<id>`, which flattens to `set finetune <id>`.
      options: null,
      examples: ['finetune ft:gpt-4o-mini:org::abc', 'finetune'],
      parse: (args) => routeFinetune(args.rest),
    },
  },
  execute,
};
