/** `/kb …` over the channel's knowledge base (and the workspace-wide one). */
import { ErrorCode, tooLarge, UserError } from '../../errors';
import type { AddedDocument, KnowledgeSource } from '../../ports';
import { channelKnowledgeBase, workspaceKnowledgeBase } from '../../profiles/resolve';
import type { Attachment } from '../../types';
import type { CommandContext, Executor } from '../context';
import { formatTime, who } from '../describe';
import { bareToken, fail, noArgs, plainRow, quote, splitFirstWord } from '../parse';
import { reply } from '../reply';
import type { Args, CommandFamilySpec } from '../spec';
import type { KbCommand } from '../types';

const DOC_ID_MAX_CHARS = 128;

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function confirmation(doc: AddedDocument): string {
  const verb = doc.replaced ? 'Updated' : 'Added';
  return `${verb} "${doc.title}" as ${doc.id} (${plural(doc.chunks, 'passage')}); it is searchable now.`;
}

async function download(attachment: Attachment, ctx: CommandContext): Promise<KnowledgeSource> {
  const refuse = (actual: number) => tooLarge(attachment.name, { actual, limit: ctx.fileBytes, unit: 'bytes', limitName: 'file limit' });
  if (attachment.size !== undefined && attachment.size > ctx.fileBytes) throw refuse(attachment.size);
  const bytes = await attachment.download();
  if (bytes.length > ctx.fileBytes) throw refuse(bytes.length);
  return { kind: 'file', name: attachment.name, bytes, ...(attachment.contentType ? { contentType: attachment.contentType } : {}) };
}

/** Each file is added on its own: one bad file is reported and the others still go in. */
async function addFiles(ctx: CommandContext, kbId: string): Promise<string> {
  if (ctx.attachments.length === 0) {
    throw new UserError(ErrorCode.ParseError, 'Nothing to add: give /kb add a URL or some text, or attach a file.');
  }
  const lines: string[] = [];
  for (const attachment of ctx.attachments) {
    try {
      lines.push(confirmation(await ctx.knowledge.add(kbId, await download(attachment, ctx), who(ctx.user), ctx.scope)));
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      lines.push(`Skipped ${attachment.name}: ${err.message}`);
    }
  }
  return lines.join('\n');
}

const execute: Executor<KbCommand> = async (command, ctx) => {
  const onWorkspace = 'workspace' in command && command.workspace === true;
  const kbId = onWorkspace ? workspaceKnowledgeBase(ctx.scope) : channelKnowledgeBase(ctx.scope);
  const which = onWorkspace ? "the workspace's knowledge base" : "this channel's knowledge base";
  switch (command.action) {
    case 'list': {
      const docs = await ctx.knowledge.list(kbId);
      if (docs.length === 0)
        return reply(
          `${onWorkspace ? "The workspace's" : 'The'} knowledge base is empty; add text, a URL or a file with /kb add${onWorkspace ? ' --workspace' : ''}.`,
        );
      const lines = docs.map(
        (d) => `• ${d.id} — ${d.title}${d.url ? ` <${d.url}>` : ''} (${plural(d.chunks, 'passage')}, added by ${d.addedBy}, ${formatTime(d.addedAt)})`,
      );
      return reply(`Documents in ${which} (${docs.length}):\n${lines.join('\n')}`);
    }
    case 'attach':
    case 'detach': {
      const profile = await ctx.profiles.resolve(ctx.scope);
      const shared = workspaceKnowledgeBase(ctx.scope);
      const attached = profile.knowledgeBases.value.filter((id) => id !== channelKnowledgeBase(ctx.scope));
      const next = command.action === 'attach' ? [...new Set([...attached, shared])] : attached.filter((id) => id !== shared);
      await ctx.profiles.attachKnowledgeBases(ctx.scope, ctx.user, next);
      return reply(
        command.action === 'attach'
          ? "This channel now also searches the workspace's knowledge base."
          : "This channel no longer searches the workspace's knowledge base.",
      );
    }
    case 'strict': {
      await ctx.profiles.setNoSource(ctx.scope, ctx.user, command.on ? 'refuse' : 'answer');
      return reply(
        command.on
          ? 'When nothing relevant is found, I will say so instead of answering.'
          : 'When nothing relevant is found, I will answer without sources and say that the answer is not from the knowledge base.',
      );
    }
    case 'add': {
      switch (command.source.kind) {
        case 'files':
          return reply(await addFiles(ctx, kbId));
        case 'url':
          return reply(confirmation(await ctx.knowledge.add(kbId, { kind: 'url', url: command.source.url }, who(ctx.user), ctx.scope)));
        case 'text':
          return reply(confirmation(await ctx.knowledge.add(kbId, { kind: 'text', text: command.source.text }, who(ctx.user), ctx.scope)));
      }
      break;
    }
    case 'remove': {
      const removed = await ctx.knowledge.remove(kbId, command.docId);
      if (!removed) throw new UserError(ErrorCode.NotFound, `There is no document ${command.docId} here; /kb list shows the document ids.`);
      return reply(`Removed ${command.docId} from ${which}.`);
    }
    case 'search': {
      const profile = await ctx.profiles.resolve(ctx.scope);
      const found = await ctx.knowledge.search(profile.knowledgeBases.value, command.query, ctx.retrieval.topK, ctx.scope);
      if (found.length === 0) return reply('No passages match that query.');
      const lines = found.map((p, i) => {
        const mark = p.score >= ctx.retrieval.minScore ? '' : ' (below the relevance threshold)';
        const snippet = p.text.replace(/\s+/g, ' ').slice(0, 200);
        return `${i + 1}. [${p.score.toFixed(3)}] ${p.title}${p.location ? ` — ${p.location}` : ''}${mark}\n   ${snippet}`;
      });
      return reply(`Top passages for "${command.query}":\n${lines.join('\n')}`);
    }
  }
  throw new UserError(ErrorCode.ParseError, 'Unknown /kb action.');
};

const family = 'kb';

/** `--workspace` right after list/add/remove targets the workspace-wide knowledge base. */
function workspaceFlag(rest: string): { target: { workspace?: true }; rest: string } {
  const match = /^(?:--|—|–)workspace(?:\s+|$)/i.exec(rest);
  return match ? { target: { workspace: true }, rest: rest.slice(match[0].length) } : { target: {}, rest };
}

type KbSource = Extract<KbCommand, { action: 'add' }>['source'];

/**
 * A single http(s) word is a URL; anything else is text. Platform markup (Slack's `<url|label>`,
 * `&amp;`) is undone by the adapter before the text gets here.
 */
function kbSource(rest: string): KbSource {
  if (rest === '') return { kind: 'files' };
  const usage = '/kb add <url> | <text>, or /kb add alone with files attached';
  if (!/\s/.test(rest) && /^https?:\/\//i.test(rest)) {
    if (!isWebUrl(rest)) fail(`${quote(rest)} looks like a link but is not a valid web address`, usage);
    return { kind: 'url', url: rest };
  }
  return { kind: 'text', text: rest };
}

function isWebUrl(candidate: string): boolean {
  try {
    const url = new URL(candidate);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

function kbRemove(args: Args): KbCommand {
  const usage = '/kb remove [--workspace] <doc-id>, with an id shown by /kb list';
  const flag = workspaceFlag(args.rest);
  const [word, after] = splitFirstWord(flag.rest);
  if (word === '') fail('Say which document to remove', usage);
  if (after !== '') fail(`Remove one document at a time, not ${quote(flag.rest)}`, usage);
  const docId = bareToken(word);
  if (docId === '' || docId.length > DOC_ID_MAX_CHARS) fail(`${quote(word)} is not a document id`, usage);
  return { family, action: 'remove', docId, ...flag.target };
}

export const kbFamily: CommandFamilySpec<KbCommand> = {
  name: family,
  summary: "This channel's knowledge base",
  subcommands: {
    list: {
      keywords: ['', 'list'],
      syntax: '/kb [list] [--workspace]',
      description: "the documents in this channel's (or the workspace's) knowledge base",
      admin: false,
      options: [],
      examples: ['', 'list', 'list --workspace'],
      parse: (args) => {
        const flag = workspaceFlag(args.rest);
        noArgs({ ...args, rest: flag.rest }, '/kb list [--workspace]');
        return { family, action: 'list', ...flag.target };
      },
    },
    add: {
      keywords: ['add'],
      syntax: '/kb add [--workspace] <url> | <text>',
      description: 'add a web page or text (no text: the attached files)',
      admin: true,
      options: [
        { name: 'text', type: 'string', required: false, description: 'text to add as a document' },
        { name: 'url', type: 'string', required: false, description: 'a web page to add' },
        { name: 'file', type: 'attachment', required: false, description: 'a file to add: text, Markdown, HTML, PDF or DOCX' },
      ],
      examples: ['add Some knowledge text', 'add --workspace Shared text', 'add https://docs.example/guide'],
      // One source per command: the executor adds text, a URL or the attached files, not a mix.
      fromOptions: (v) => {
        const given = (['text', 'url', 'file'] as const).filter((name) => v[name] !== undefined);
        if (given.length > 1) fail(`Give one of text, url or file, not ${given.join(' and ')}`, '/kb add text:<text> | url:<url> | file:<file>');
        if (v['url'] !== undefined && !/^https?:\/\/\S+$/i.test(String(v['url'])))
          fail(`${quote(String(v['url']))} is not a web address starting with http:// or https://`, '/kb add url:<url>');
        return v['file'] !== undefined ? 'add' : `add ${String(v['text'] ?? v['url'] ?? '')}`;
      },
      parse: (args) => {
        const flag = workspaceFlag(args.rest);
        return { family, action: 'add', ...flag.target, source: kbSource(flag.rest) };
      },
    },
    remove: {
      keywords: ['remove'],
      syntax: '/kb remove [--workspace] <doc-id>',
      description: 'remove a document shown by /kb list',
      admin: true,
      options: [{ name: 'doc', type: 'string', required: true, description: 'a document id shown by /kb list' }],
      examples: ['remove d1', 'remove --workspace d1'],
      parse: kbRemove,
    },
    search: {
      keywords: ['search'],
      syntax: '/kb search <query>',
      description: 'the top passages with scores, to check retrieval',
      admin: false,
      options: [{ name: 'query', type: 'string', required: true, description: 'what to search for' }],
      examples: ['search refund policy'],
      parse: (args) => {
        if (args.rest === '') fail('Say what to search for', args.syntax);
        return { family, action: 'search', query: args.rest };
      },
    },
    // SPEC §7 gives the workspace knowledge base and strictness no Discord form yet: typed only.
    attach: plainRow(family, 'attach', { description: "let this channel also search the workspace's knowledge base", admin: true, options: null }),
    detach: plainRow(family, 'detach', { description: "stop searching the workspace's knowledge base", admin: true, options: null }),
    strict: {
      keywords: ['strict'],
      syntax: '/kb strict on | off',
      description: 'with nothing relevant found: say so (on, default) or answer without sources, saying so (off)',
      admin: true,
      options: null,
      examples: ['strict off', 'strict on'],
      parse: (args) => {
        const value = args.rest.toLowerCase();
        if (value !== 'on' && value !== 'off') fail('Say on or off', args.syntax);
        return { family, action: 'strict', on: value === 'on' };
      },
    },
  },
  execute,
};
