/** `/finetune …`: training the channel's own model (the lifecycle itself is src/core/finetune/jobs.ts). */
import { ErrorCode, UserError } from '../../errors';
import type { Executor } from '../context';
import { who } from '../describe';
import { reply } from '../reply';
import { fail, modelId, optionName, plainRow, positiveInt, quote, wordsOf } from '../parse';
import type { Args, CommandFamilySpec } from '../spec';
import type { FinetuneCommand } from '../types';

const family = 'finetune';
/** OpenAI's fine-tuning jobs accept 1 to 50 epochs. */
const EPOCHS_MIN = 1;
const EPOCHS_MAX = 50;
const START_USAGE = `/finetune start [<base-model>] [--switch] [--epochs <n>], where n is a whole number from ${EPOCHS_MIN} to ${EPOCHS_MAX}`;

function epochsOf(word: string | undefined): number {
  if (word === undefined || optionName(word) !== undefined) fail('Say how many epochs after --epochs', START_USAGE);
  const epochs = positiveInt(word);
  if (epochs === undefined || epochs < EPOCHS_MIN || epochs > EPOCHS_MAX) {
    fail(`${quote(word)} is not a whole number of epochs from ${EPOCHS_MIN} to ${EPOCHS_MAX}`, START_USAGE);
  }
  return epochs;
}

function finetuneStart(args: Args): FinetuneCommand {
  let baseModel: string | undefined;
  let epochs: number | undefined;
  let switchRoute = false;
  const words = wordsOf(args.rest);
  for (let i = 0; i < words.length; i += 1) {
    const word = words[i] ?? '';
    const option = optionName(word);
    if (option === undefined) {
      if (baseModel !== undefined) fail(`Give one base model, not both ${quote(baseModel)} and ${quote(word)}`, START_USAGE);
      baseModel = modelId(word, START_USAGE);
    } else if (option === 'switch') {
      switchRoute = true;
    } else if (option === 'epochs' || option.startsWith('epochs=')) {
      if (epochs !== undefined) fail('Give --epochs once', START_USAGE);
      // `--epochs 3` and `--epochs=3` both read.
      epochs = option === 'epochs' ? epochsOf(words[(i += 1)]) : epochsOf(word.slice(word.indexOf('=') + 1));
    } else {
      fail(`${quote(word)} is not an option of /finetune start`, START_USAGE);
    }
  }
  return {
    family,
    action: 'start',
    ...(baseModel === undefined ? {} : { baseModel }),
    switchRoute,
    ...(epochs === undefined ? {} : { epochs }),
  };
}

const execute: Executor<FinetuneCommand> = async (command, ctx) => {
  const jobs = ctx.finetune;
  if (!jobs) throw new UserError(ErrorCode.NotConfigured, 'Fine-tuning is not set up in this process.');
  switch (command.action) {
    case 'status':
      return reply(await jobs.status(ctx.scope));
    case 'export': {
      if (command.preferences) {
        const file = await jobs.exportPreferences(ctx.scope);
        if (file.count === 0) {
          return reply('No preference pairs yet: a pair is an answer with more 👎 than 👍 and an approved answer to the same question.');
        }
        return reply(`${file.count} preference pair${file.count === 1 ? '' : 's'} in the preference (DPO) format (${file.name}).`, {
          file: { name: file.name, content: file.content, mimeType: 'application/jsonl' },
        });
      }
      const file = await jobs.exportFile(ctx.scope);
      return reply(`The training set: ${file.count} example${file.count === 1 ? '' : 's'} as chat fine-tuning JSONL (${file.name}).`, {
        file: { name: file.name, content: file.content, mimeType: 'application/jsonl' },
      });
    }
    case 'start': {
      const text = await jobs.start(ctx.scope, ctx.user, {
        ...(command.baseModel ? { baseModel: command.baseModel } : {}),
        switchRoute: command.switchRoute,
        ...(command.epochs ? { epochs: command.epochs } : {}),
      });
      return reply(text, { announce: `${who(ctx.user)} started fine-tuning this channel's model.` });
    }
    case 'cancel':
      return reply(await jobs.cancel(ctx.scope), { announce: `${who(ctx.user)} cancelled this channel's fine-tuning job.` });
  }
};

export const finetuneFamily: CommandFamilySpec<FinetuneCommand> = {
  name: family,
  summary: 'Fine-tuning for this channel',
  subcommands: {
    status: plainRow(family, 'status', { description: 'training set size, provider and the job state', admin: false, bare: true }),
    export: {
      keywords: ['export'],
      syntax: '/finetune export [preferences]',
      description: 'the training set as chat fine-tuning JSONL (preferences: the 👍/👎 pairs, DPO format)',
      admin: true,
      // SPEC §7 fixes Discord's `/finetune export` without options: there it is the chat JSONL.
      options: [],
      examples: ['export'],
      parse: (args: Args) => {
        const format = args.rest.toLowerCase();
        if (format === '') return { family, action: 'export' };
        if (format === 'preferences' || format === 'dpo') return { family, action: 'export', preferences: true };
        return fail(`Unexpected ${quote(args.rest)} after /finetune export`, '/finetune export [preferences]');
      },
    },
    start: {
      keywords: ['start'],
      syntax: '/finetune start [<base-model>] [--switch] [--epochs <n>]',
      description: 'start a fine-tuning job; --switch moves the channel to route finetune when it succeeds',
      admin: true,
      options: [
        { name: 'base_model', type: 'string', required: false, description: 'the model to fine-tune' },
        { name: 'switch', type: 'boolean', required: false, description: 'use the fine-tuned model once the job succeeds' },
        { name: 'epochs', type: 'integer', required: false, description: `passes over the training set (${EPOCHS_MIN} to ${EPOCHS_MAX})` },
      ],
      examples: ['start', 'start gpt-4o-mini --switch --epochs 3'],
      fromOptions: (v) =>
        ['start', v['base_model'] ?? '', v['switch'] === true ? '--switch' : '', v['epochs'] === undefined ? '' : `--epochs ${String(v['epochs'])}`]
          .filter((word) => word !== '')
          .join(' '),
      parse: finetuneStart,
    },
    cancel: plainRow(family, 'cancel', { description: 'cancel the running job', admin: true }),
  },
  execute,
};
