import type { KnowledgeIndex } from '../ports';
import type { ProfileService } from '../profiles/profile-service';
import type { RetrievalSettings } from '../routes/rag-route';
import type { ChannelScope, UserRef } from '../types';
import type { CommandReply } from './reply';

/** What an executor may use. Executors are thin: validation already happened in the parser. */
export interface CommandContext {
  readonly scope: ChannelScope;
  readonly user: UserRef;
  readonly profiles: ProfileService;
  readonly knowledge: KnowledgeIndex;
  readonly retrieval: RetrievalSettings;
}

export type Executor<C> = (command: C, ctx: CommandContext) => Promise<CommandReply>;
