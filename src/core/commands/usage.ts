/**
 * What each command looks like (SPEC §3), in one table: `/<family> help` prints it and the parser
 * quotes single lines of it in its errors, so help and errors can never disagree.
 */
import type { CommandFamily } from './types';

interface Subcommand {
  /** The keyword as typed after the family; '' for the bare command. */
  readonly keyword: string;
  readonly syntax: string;
  readonly what: string;
  readonly admin?: true;
}

const SUBCOMMANDS: Readonly<Record<CommandFamily, readonly Subcommand[]>> = {
  persona: [
    { keyword: 'show', syntax: '/persona [show]', what: 'the effective persona, its version and where it comes from' },
    { keyword: 'set', syntax: '/persona set <text>', what: "replace this channel's persona (the text may span lines)", admin: true },
    { keyword: 'edit', syntax: '/persona edit', what: 'open a form with the current persona', admin: true },
    { keyword: 'reset', syntax: '/persona reset', what: "drop this channel's persona and inherit again", admin: true },
    { keyword: 'history', syntax: '/persona history', what: 'every version: number, author, time, first line' },
    { keyword: 'rollback', syntax: '/persona rollback <version>', what: 'go back to a version from /persona history', admin: true },
    { keyword: 'save', syntax: '/persona save <name>', what: 'keep the current persona in the workspace library', admin: true },
    { keyword: 'use', syntax: '/persona use <name>', what: 'apply a saved persona to this channel', admin: true },
    { keyword: 'list', syntax: '/persona list', what: 'the saved personas' },
  ],
  fewshot: [
    { keyword: 'list', syntax: '/fewshot [list]', what: 'the numbered examples' },
    { keyword: 'add', syntax: '/fewshot add <input> => <output>', what: 'add an example (no text: open a form)', admin: true },
    { keyword: 'remove', syntax: '/fewshot remove <n>', what: 'remove example number n of /fewshot list', admin: true },
    { keyword: 'clear', syntax: '/fewshot clear', what: 'remove every example', admin: true },
    { keyword: 'mode', syntax: '/fewshot mode all | auto <k>', what: 'send every example, or the k (1 to 50) most relevant ones', admin: true },
  ],
  route: [
    { keyword: 'show', syntax: '/route [show]', what: 'the effective route, model and why' },
    { keyword: 'set', syntax: '/route prompt | rag | auto', what: 'choose how messages are answered', admin: true },
    { keyword: 'finetune', syntax: '/route finetune [<model-id>]', what: "use the channel's fine-tuned model (or set it)", admin: true },
  ],
  model: [
    { keyword: 'show', syntax: '/model [show]', what: 'the effective model and where it comes from' },
    { keyword: 'set', syntax: '/model <model-id>', what: 'choose the base model, e.g. gpt-4o-mini', admin: true },
  ],
  kb: [
    { keyword: 'list', syntax: '/kb [list] [--workspace]', what: "the documents in this channel's (or the workspace's) knowledge base" },
    { keyword: 'add', syntax: '/kb add [--workspace] <url> | <text>', what: 'add a web page or text (no text: the attached files)', admin: true },
    { keyword: 'remove', syntax: '/kb remove [--workspace] <doc-id>', what: 'remove a document shown by /kb list', admin: true },
    { keyword: 'search', syntax: '/kb search <query>', what: 'the top passages with scores, to check retrieval' },
    { keyword: 'attach', syntax: '/kb attach', what: "let this channel also search the workspace's knowledge base", admin: true },
    { keyword: 'detach', syntax: '/kb detach', what: "stop searching the workspace's knowledge base", admin: true },
    { keyword: 'strict', syntax: '/kb strict on | off', what: 'with nothing relevant found: say so (on, default) or answer without sources, saying so (off)', admin: true },
  ],
  finetune: [
    { keyword: 'status', syntax: '/finetune [status]', what: 'dataset size and job state' },
    { keyword: 'export', syntax: '/finetune export', what: 'the training set as OpenAI chat JSONL', admin: true },
    {
      keyword: 'start',
      syntax: '/finetune start [<base-model>] [--switch]',
      what: 'start a fine-tuning job; --switch moves the channel to route finetune when it succeeds',
      admin: true,
    },
    { keyword: 'cancel', syntax: '/finetune cancel', what: 'cancel the running job', admin: true },
  ],
  usage: [{ keyword: '7d', syntax: '/usage [7d | 30d]', what: 'requests, tokens, cost and latency by route' }],
  advise: [{ keyword: '', syntax: '/advise', what: 'what to improve next (prompt, few-shot, RAG or fine-tune), from measured usage' }],
};

/** Every keyword a family understands, for "not a subcommand" errors. */
const KEYWORDS: Readonly<Record<CommandFamily, readonly string[]>> = {
  persona: ['show', 'set', 'edit', 'reset', 'history', 'rollback', 'save', 'use', 'list', 'help'],
  fewshot: ['list', 'add', 'remove', 'clear', 'mode', 'help'],
  route: ['show', 'prompt', 'rag', 'auto', 'set', 'finetune', 'help'],
  model: ['show', 'set', 'help'],
  kb: ['list', 'add', 'remove', 'search', 'attach', 'detach', 'strict', 'help'],
  finetune: ['status', 'export', 'start', 'cancel', 'help'],
  usage: ['7d', '30d', 'help'],
  advise: ['help'],
};

/** Multi-line help for `/<family> help`: one line per subcommand. */
export function usageOf(family: CommandFamily): string {
  return SUBCOMMANDS[family]
    .map((sub) => `${sub.syntax} — ${sub.what}${sub.admin ? ' (admin)' : ''}`)
    .join('\n');
}

/** One line of syntax, e.g. `/persona rollback <version>`, for error messages. */
export function syntaxOf(family: CommandFamily, keyword: string): string {
  const subs = SUBCOMMANDS[family];
  return (subs.find((sub) => sub.keyword === keyword) ?? subs[0])?.syntax ?? `/${family}`;
}

export function keywordsOf(family: CommandFamily): readonly string[] {
  return KEYWORDS[family];
}
