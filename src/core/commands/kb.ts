/** `/kb …` over the channel's knowledge base. */
import { ErrorCode, tooLarge, UserError } from '../errors';
import type { AddedDocument, KnowledgeSource } from '../ports';
import { channelKnowledgeBase, workspaceKnowledgeBase } from '../profiles/resolve';
import type { Attachment } from '../types';
import type { CommandContext, Executor } from './context';
import { formatTime, who } from './describe';
import { reply } from './reply';
import type { KbCommand } from './types';

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
      lines.push(confirmation(await ctx.knowledge.add(kbId, await download(attachment, ctx), who(ctx.user))));
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      lines.push(`Skipped ${attachment.name}: ${err.message}`);
    }
  }
  return lines.join('\n');
}

export const executeKb: Executor<KbCommand> = async (command, ctx) => {
  const onWorkspace = 'workspace' in command && command.workspace === true;
  const kbId = onWorkspace ? workspaceKnowledgeBase(ctx.scope) : channelKnowledgeBase(ctx.scope);
  const which = onWorkspace ? "the workspace's knowledge base" : "this channel's knowledge base";
  switch (command.action) {
    case 'list': {
      const docs = await ctx.knowledge.list(kbId);
      if (docs.length === 0) return reply(`${onWorkspace ? "The workspace's" : 'The'} knowledge base is empty; add text, a URL or a file with /kb add${onWorkspace ? ' --workspace' : ''}.`);
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
          return reply(confirmation(await ctx.knowledge.add(kbId, { kind: 'url', url: command.source.url }, who(ctx.user))));
        case 'text':
          return reply(confirmation(await ctx.knowledge.add(kbId, { kind: 'text', text: command.source.text }, who(ctx.user))));
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
      const found = await ctx.knowledge.search(profile.knowledgeBases.value, command.query, ctx.retrieval.topK);
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
