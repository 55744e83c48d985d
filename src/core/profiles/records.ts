/**
 * What is stored for one level (a workspace or a channel) of the profile hierarchy, and the keys
 * it is stored under. A field left undefined at a level is inherited from the level above
 * (config → workspace → channel, SPEC §1).
 */
import type { FewshotExample, FewshotMode, NoSourcePolicy, Route, Trigger } from '../types';

export interface ProfileRecord {
  persona?: { readonly text: string; readonly version: number };
  /** Highest persona version number ever used at this level (versions are never reused). */
  personaVersions: number;
  fewshot?: FewshotExample[];
  /** Next stable example id number at this level. */
  nextExampleId: number;
  fewshotMode?: FewshotMode;
  route?: Route;
  model?: string;
  fineTunedModel?: string;
  temperature?: number;
  trigger?: Trigger;
  knowledgeBases?: string[];
  noSource?: NoSourcePolicy;
  /** Bumped by every change. */
  revision: number;
  updatedAt?: string;
}

export function emptyRecord(): ProfileRecord {
  return { personaVersions: 0, nextExampleId: 1, revision: 0 };
}

export interface PersonaVersion {
  readonly version: number;
  readonly text: string;
  readonly author: string;
  readonly at: string;
  /** e.g. `rollback of v2`, `from library "support"`. */
  readonly note?: string;
}

export interface AuditEntry {
  readonly at: string;
  readonly actor: string;
  readonly field: string;
  readonly action: string;
  readonly old: unknown;
  readonly new: unknown;
}

export interface LibraryPersona {
  readonly name: string;
  readonly text: string;
  readonly savedBy: string;
  readonly savedAt: string;
}

/** `level` is a channel key (`platform:workspace:channel`) or a workspace key (`platform:workspace`). */
export const storeKeys = {
  profile: (level: string) => `profile:${level}`,
  personaHistory: (level: string) => `persona-history:${level}`,
  audit: (level: string) => `audit:${level}`,
  library: (workspace: string) => `persona-library:${workspace}`,
  /** Channels of a workspace that have a profile of their own (for listings such as App Home). */
  channelIndex: (workspace: string) => `channels:${workspace}`,
};
