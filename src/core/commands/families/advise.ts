/** `/advise`: which lever to pull next. Registered; answers "not available yet" until it lands. */
import { notAvailableYet } from '../not-yet';
import { fail, quote } from '../parse';
import type { CommandFamilySpec } from '../spec';
import type { AdviseCommand } from '../types';

export const adviseFamily: CommandFamilySpec<AdviseCommand> = {
  name: 'advise',
  summary: 'What to improve next: prompt, few-shot, RAG or fine-tune',
  subcommands: {
    show: {
      keywords: [''],
      syntax: '/advise',
      description: 'what to improve next (prompt, few-shot, RAG or fine-tune), from measured usage',
      admin: false,
      options: [],
      examples: [''],
      parse: () => ({ family: 'advise', action: 'show' }),
    },
  },
  otherwise: (args) => fail(`/advise takes no arguments, so ${quote(`${args.word} ${args.rest}`)} does not belong`, '/advise'),
  discord: 'options',
  execute: notAvailableYet,
};
