import type { KnowledgeIndex } from '../ports';
import type { ProfileService } from '../profiles/profile-service';
import type { RetrievalSettings } from '../routes/rag-route';
import type { Attachment, ChannelScope, UserRef } from '../types';
import type { CommandReply } from './reply';

/** What an executor may use. Executors are thin: validation already happened in the parser. */
export interface CommandContext {
  readonly scope: ChannelScope;
  readonly user: UserRef;
  readonly profiles: ProfileService;
  readonly knowledge: KnowledgeIndex;
  readonly retrieval: RetrievalSettings;
  /** Files that came with the command (for /kb add). */
  readonly attachments: readonly Attachment[];
  /** Largest file accepted, in bytes. */
  readonly fileBytes: number;
}

export type Executor<C> = (command: C, ctx: CommandContext) => Promise<CommandReply>;
