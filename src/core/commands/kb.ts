/** `/kb …` over the channel's knowledge base. */
import { ErrorCode, UserError } from '../errors';
import { channelKnowledgeBase } from '../profiles/resolve';
import type { Executor } from './context';
import { formatTime } from './describe';
import { reply } from './reply';
import type { KbCommand } from './types';

/** Title of pasted text: its first line, shortened. */
function titleOf(text: string): string {
  const line = text.trim().split('\n')[0]?.replace(/^#+\s*/, '') ?? 'Pasted text';
  return line.length > 60 ? `${line.slice(0, 59)}…` : line || 'Pasted text';
}

export const executeKb: Executor<KbCommand> = async (command, ctx) => {
  const kbId = channelKnowledgeBase(ctx.scope);
  switch (command.action) {
    case 'list': {
      const docs = await ctx.knowledge.list(kbId);
      if (docs.length === 0) return reply('The knowledge base is empty; add text with /kb add <text>.');
      const lines = docs.map((d) => `• ${d.id} — ${d.title} (${d.chunks} passage${d.chunks === 1 ? '' : 's'}, added by ${d.addedBy}, ${formatTime(d.addedAt)})`);
      return reply(`Documents in this channel's knowledge base (${docs.length}):\n${lines.join('\n')}`);
    }
    case 'add': {
      if (command.source.kind !== 'text') {
        throw new UserError(
          ErrorCode.NotAvailable,
          command.source.kind === 'url'
            ? 'Adding URLs is not available yet; paste the text with /kb add <text> for now.'
            : 'Adding files is not available yet; paste the text with /kb add <text> for now.',
        );
      }
      const text = command.source.text;
      const doc = await ctx.knowledge.add(kbId, { title: titleOf(text), text, source: `text:${titleOf(text)}`, addedBy: ctx.user.name ?? ctx.user.id });
      return reply(`Added "${doc.title}" as ${doc.id} (${doc.chunks} passage${doc.chunks === 1 ? '' : 's'}); it is searchable now.`);
    }
    case 'remove': {
      const removed = await ctx.knowledge.remove(kbId, command.docId);
      if (!removed) throw new UserError(ErrorCode.NotFound, `There is no document ${command.docId} here; /kb list shows the document ids.`);
      return reply(`Removed ${command.docId} from the knowledge base.`);
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
};
