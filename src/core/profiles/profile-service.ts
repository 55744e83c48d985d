/**
 * Domain operations on channel profiles: personas (versioned, rollback, library), few-shot sets,
 * route and model. Every operation validates its input itself (modals and Discord options reach
 * here without the text parser), records who changed what, and changes nothing when it refuses.
 */
import { ErrorCode, tooLarge, UserError } from '../errors';
import type { ChangeFeed, Clock, DocumentStore } from '../ports';
import type { ChannelScope, FewshotExample, FewshotMode, NoSourcePolicy, Route, Trigger, UserRef } from '../types';
import { workspaceKey } from '../types';
import { storeKeys, type AuditEntry, type LibraryPersona, type PersonaVersion, type ProfileRecord } from './records';
import { ProfileStore, type HistoryLimits, type LevelRef } from './profile-store';
import { levelKeys, resolveProfile, type EffectiveProfile, type ProfileDefaults } from './resolve';

export interface ProfileLimits extends HistoryLimits {
  readonly personaChars: number;
  readonly exampleChars: number;
  readonly fewshotExamples: number;
  readonly libraryPersonas: number;
  readonly personaNameChars: number;
}

/** Which level a change applies to: the channel itself, or its whole workspace. */
export type Level = 'channel' | 'workspace';

function actorOf(user: UserRef): string {
  return user.name ? `${user.name} (${user.id})` : user.id;
}

export class ProfileService {
  private readonly profiles: ProfileStore;

  constructor(
    private readonly store: DocumentStore,
    private readonly defaults: ProfileDefaults,
    private readonly limits: ProfileLimits,
    private readonly presets: Readonly<Record<string, string>>,
    private readonly clock: Clock,
    /** How long a profile read may be reused (changes from other processes show up within it). */
    cacheMs = 0,
    /** Notices of changes made by other processes, which drop cached records at once. */
    changes?: ChangeFeed,
  ) {
    this.profiles = new ProfileStore(store, clock, limits, cacheMs, changes);
  }

  private level(scope: ChannelScope, level: Level): LevelRef {
    const keys = levelKeys(scope);
    return { key: level === 'channel' ? keys.channel : keys.workspace, workspaceKey: keys.workspace };
  }

  async resolve(scope: ChannelScope): Promise<EffectiveProfile> {
    const keys = levelKeys(scope);
    const [workspace, channel] = await Promise.all([this.profiles.read(keys.workspace), this.profiles.read(keys.channel)]);
    return resolveProfile(scope, this.defaults, workspace, channel);
  }

  /** The profile from config defaults alone, as if no level had been set (used while the store is unreachable). */
  defaultsFor(scope: ChannelScope): EffectiveProfile {
    return resolveProfile(scope, this.defaults, undefined, undefined);
  }

  async record(scope: ChannelScope, level: Level = 'channel'): Promise<ProfileRecord | undefined> {
    return this.profiles.read(this.level(scope, level).key);
  }

  async channelsOf(scope: ChannelScope): Promise<string[]> {
    return this.profiles.channelsOf(workspaceKey(scope));
  }

  // ── personas ───────────────────────────────────────────────────────────────────────────────

  async setPersona(scope: ChannelScope, user: UserRef, text: string, level: Level = 'channel', note?: string): Promise<number> {
    const persona = text.trim();
    if (!persona) throw new UserError(ErrorCode.ParseError, 'The persona text is empty.');
    if (persona.length > this.limits.personaChars)
      throw tooLarge('The persona', { actual: persona.length, limit: this.limits.personaChars, unit: 'characters' });
    return this.profiles.change(this.level(scope, level), actorOf(user), (record, ctx) => {
      const version = record.personaVersions + 1;
      ctx.audit('persona', 'set', record.persona ? `v${record.persona.version}` : null, `v${version}`);
      ctx.personaVersion({ version, text: persona, author: ctx.actor, at: ctx.at, ...(note ? { note } : {}) });
      record.personaVersions = version;
      record.persona = { text: persona, version };
      return version;
    });
  }

  /** Drop the persona at this level: it is inherited again. Its versions stay in the history. */
  async resetPersona(scope: ChannelScope, user: UserRef, level: Level = 'channel'): Promise<boolean> {
    return this.profiles.change(this.level(scope, level), actorOf(user), (record, ctx) => {
      if (!record.persona) return false;
      ctx.audit('persona', 'reset', `v${record.persona.version}`, null);
      delete record.persona;
      return true;
    });
  }

  async personaHistory(scope: ChannelScope, level: Level = 'channel'): Promise<PersonaVersion[]> {
    return this.profiles.history(this.level(scope, level).key);
  }

  /**
   * Make an earlier version current again, as a new version (history stays linear). Only the last
   * `limits.personaHistory` versions are kept, so an older one can no longer be rolled back to.
   */
  async rollbackPersona(scope: ChannelScope, user: UserRef, version: number, level: Level = 'channel'): Promise<number> {
    const history = await this.personaHistory(scope, level);
    const target = history.find((v) => v.version === version);
    if (!target) {
      const first = history[0]?.version;
      const last = history[history.length - 1]?.version;
      if (first !== undefined && version >= 1 && version < first) {
        throw new UserError(
          ErrorCode.NotFound,
          `Persona version v${version} is no longer kept: only the last ${this.limits.personaHistory.toLocaleString('en-US')} versions are (here v${first} to v${last}).`,
        );
      }
      const known = first !== undefined ? `versions are v${first} to v${last}` : 'there are no versions yet';
      throw new UserError(ErrorCode.NotFound, `There is no persona version v${version} here; ${known}.`);
    }
    return this.setPersona(scope, user, target.text, level, `rollback to v${version}`);
  }

  async savePersona(scope: ChannelScope, user: UserRef, name: string): Promise<LibraryPersona> {
    // The parser checks names too, but a Discord option or a form reaches here without it.
    if (!name.trim()) throw new UserError(ErrorCode.ParseError, 'Give the persona a name to save it under.');
    if (name.length > this.limits.personaNameChars) {
      throw tooLarge('The persona name', { actual: name.length, limit: this.limits.personaNameChars, unit: 'characters' });
    }
    const effective = await this.resolve(scope);
    const key = storeKeys.library(workspaceKey(scope));
    const entry: LibraryPersona = { name, text: effective.persona.value, savedBy: actorOf(user), savedAt: this.clock.now().toISOString() };
    await this.store.update<Record<string, LibraryPersona>>(key, (library) => {
      const next = { ...(library ?? {}) };
      const id = name.toLowerCase();
      if (!next[id] && Object.keys(next).length >= this.limits.libraryPersonas) {
        throw new UserError(ErrorCode.TooLarge, `The persona library already holds ${this.limits.libraryPersonas} personas, its limit.`);
      }
      next[id] = entry;
      return next;
    });
    await this.profiles.appendAudit(workspaceKey(scope), [{ at: entry.savedAt, actor: entry.savedBy, field: 'library', action: 'save', old: null, new: name }]);
    return entry;
  }

  /** Saved personas of the workspace, then the presets shipped in config. */
  async listPersonas(scope: ChannelScope): Promise<{ saved: LibraryPersona[]; presets: { name: string; text: string }[] }> {
    const library = (await this.store.get<Record<string, LibraryPersona>>(storeKeys.library(workspaceKey(scope)))) ?? {};
    return {
      saved: Object.values(library).sort((a, b) => a.name.localeCompare(b.name)),
      presets: Object.entries(this.presets).map(([name, text]) => ({ name, text })),
    };
  }

  async usePersona(scope: ChannelScope, user: UserRef, name: string): Promise<{ version: number; from: 'library' | 'preset' }> {
    const library = (await this.store.get<Record<string, LibraryPersona>>(storeKeys.library(workspaceKey(scope)))) ?? {};
    const saved = library[name.toLowerCase()];
    if (saved) return { version: await this.setPersona(scope, user, saved.text, 'channel', `from library "${saved.name}"`), from: 'library' };
    const preset = Object.entries(this.presets).find(([presetName]) => presetName.toLowerCase() === name.toLowerCase());
    if (preset) return { version: await this.setPersona(scope, user, preset[1], 'channel', `from preset "${preset[0]}"`), from: 'preset' };
    throw new UserError(ErrorCode.NotFound, `There is no saved persona named "${name}"; /persona list shows the saved ones.`);
  }

  // ── few-shot examples ──────────────────────────────────────────────────────────────────────

  async addExample(scope: ChannelScope, user: UserRef, input: string, output: string): Promise<{ example: FewshotExample; number: number }> {
    const cleanInput = input.trim();
    const cleanOutput = output.trim();
    if (!cleanInput || !cleanOutput) throw new UserError(ErrorCode.ParseError, 'An example needs both an input and an output.');
    for (const [what, text] of [
      ['example input', cleanInput],
      ['example output', cleanOutput],
    ] as const) {
      if (text.length > this.limits.exampleChars) throw tooLarge(`The ${what}`, { actual: text.length, limit: this.limits.exampleChars, unit: 'characters' });
    }
    return this.profiles.change(this.level(scope, 'channel'), actorOf(user), (record, ctx) => {
      const list = record.fewshot ?? [];
      if (list.length >= this.limits.fewshotExamples) {
        throw new UserError(ErrorCode.TooLarge, `This channel already has ${this.limits.fewshotExamples} examples, the limit; remove one first.`);
      }
      const example: FewshotExample = { id: `e${record.nextExampleId}`, input: cleanInput, output: cleanOutput, addedBy: ctx.actor, addedAt: ctx.at };
      record.nextExampleId += 1;
      record.fewshot = [...list, example];
      ctx.audit('fewshot', 'add', null, example);
      return { example, number: record.fewshot.length };
    });
  }

  /** Remove the example at 1-based position `number` of the channel's own list. */
  async removeExample(scope: ChannelScope, user: UserRef, number: number): Promise<FewshotExample> {
    return this.profiles.change(this.level(scope, 'channel'), actorOf(user), (record, ctx) => {
      const list = record.fewshot ?? [];
      const example = list[number - 1];
      if (!example) {
        throw new UserError(
          ErrorCode.NotFound,
          list.length
            ? `There is no example ${number}; this channel's examples are numbered 1 to ${list.length}.`
            : 'This channel has no examples of its own to remove.',
        );
      }
      record.fewshot = list.filter((_, index) => index !== number - 1);
      ctx.audit('fewshot', 'remove', example, null);
      return example;
    });
  }

  async clearExamples(scope: ChannelScope, user: UserRef): Promise<number> {
    return this.profiles.change(this.level(scope, 'channel'), actorOf(user), (record, ctx) => {
      const list = record.fewshot ?? [];
      if (record.fewshot !== undefined && list.length === 0) return 0;
      record.fewshot = [];
      ctx.audit('fewshot', 'clear', list, []);
      return list.length;
    });
  }

  // ── plain fields ───────────────────────────────────────────────────────────────────────────

  async setFewshotMode(scope: ChannelScope, user: UserRef, mode: FewshotMode, level: Level = 'channel'): Promise<void> {
    await this.setField(scope, user, level, 'fewshotMode', mode);
  }

  async setRoute(scope: ChannelScope, user: UserRef, route: Route, level: Level = 'channel'): Promise<void> {
    await this.setField(scope, user, level, 'route', route);
  }

  async setModel(scope: ChannelScope, user: UserRef, model: string, level: Level = 'channel'): Promise<void> {
    await this.setField(scope, user, level, 'model', model);
  }

  async setFineTunedModel(scope: ChannelScope, user: UserRef, model: string, level: Level = 'channel'): Promise<void> {
    await this.setField(scope, user, level, 'fineTunedModel', model);
  }

  async setTrigger(scope: ChannelScope, user: UserRef, trigger: Trigger, level: Level = 'channel'): Promise<void> {
    await this.setField(scope, user, level, 'trigger', trigger);
  }

  async setTemperature(scope: ChannelScope, user: UserRef, temperature: number, level: Level = 'channel'): Promise<void> {
    if (!(temperature >= 0 && temperature <= 2)) {
      throw new UserError(ErrorCode.ParseError, 'The temperature must be a number from 0 to 2.');
    }
    await this.setField(scope, user, level, 'temperature', temperature);
  }

  async attachKnowledgeBases(scope: ChannelScope, user: UserRef, kbIds: readonly string[], level: Level = 'channel'): Promise<void> {
    await this.setField(scope, user, level, 'knowledgeBases', [...new Set(kbIds)]);
  }

  async setNoSource(scope: ChannelScope, user: UserRef, policy: NoSourcePolicy, level: Level = 'channel'): Promise<void> {
    await this.setField(scope, user, level, 'noSource', policy);
  }

  async audit(scope: ChannelScope, level: Level = 'channel'): Promise<AuditEntry[]> {
    return this.profiles.audit(this.level(scope, level).key);
  }

  private async setField<K extends 'fewshotMode' | 'route' | 'model' | 'fineTunedModel' | 'trigger' | 'temperature' | 'knowledgeBases' | 'noSource'>(
    scope: ChannelScope,
    user: UserRef,
    level: Level,
    field: K,
    value: NonNullable<ProfileRecord[K]>,
  ): Promise<void> {
    await this.profiles.change(this.level(scope, level), actorOf(user), (record, ctx) => {
      if (JSON.stringify(record[field]) === JSON.stringify(value)) return;
      ctx.audit(field, 'set', record[field], value);
      record[field] = value;
    });
  }
}
