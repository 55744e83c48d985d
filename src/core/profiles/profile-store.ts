/**
 * Every change to a profile goes through `change()`: one atomic read-modify-write of the level's
 * record, with its audit entries (and persona versions) written inside the same lock, before the
 * record itself. A crash between the two can leave an audit entry for a change that did not land,
 * never a change without its audit entry.
 *
 * Both lists are bounded (config `limits.personaHistory`, `limits.auditEntries`): past the limit
 * the oldest entries are dropped, so a level's stored lists stop growing however often it changes.
 */
import type { ChangeFeed, Clock, DocumentStore } from '../ports';
import { emptyRecord, storeKeys, type AuditEntry, type PersonaVersion, type ProfileRecord } from './records';

export interface ChangeContext {
  readonly actor: string;
  readonly at: string;
  audit(field: string, action: string, oldValue: unknown, newValue: unknown): void;
  /** Record a new persona version (the text is kept in the level's persona history). */
  personaVersion(version: PersonaVersion): void;
}

/** Marks a level for listings: a workspace key plus the channel key, when the level is a channel. */
/** How many persona versions and audit entries a level keeps; older ones are dropped. */
export interface HistoryLimits {
  readonly personaHistory: number;
  readonly auditEntries: number;
}

/** `list` with `added` appended, keeping only the newest `limit` items. */
function appendBounded<T>(list: readonly T[] | undefined, added: readonly T[], limit: number): T[] {
  const next = [...(list ?? []), ...added];
  return next.length > limit ? next.slice(next.length - limit) : next;
}

export interface LevelRef {
  readonly key: string;
  readonly workspaceKey: string;
}

/** The change feed topic of a level's record. */
export const profileTopic = (level: string): string => `profile:${level}`;

/**
 * Records are read for every message, so reads are cached for `cacheMs`. Changes made through this
 * process replace the cached record at once; a change made by another process sharing the store
 * arrives as a notice on the change feed, which drops the cached copy, so the next message reads
 * the new record (no extra store read per message: only changes cost a notice). A notice that never
 * arrives still expires with the cache. Writes never use the cache: `change()` always reads the
 * stored record under the lock.
 */
export class ProfileStore {
  private readonly cache = new Map<string, { record: ProfileRecord | undefined; expires: number }>();
  /** Bumped by every change and notice, so a read that raced with one does not cache what it saw. */
  private changes = 0;

  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
    private readonly limits: HistoryLimits,
    private readonly cacheMs = 0,
    private readonly feed?: ChangeFeed,
  ) {
    feed?.subscribe({
      changed: (topic) => {
        if (!topic.startsWith('profile:')) return;
        this.changes += 1;
        this.cache.delete(topic.slice('profile:'.length));
      },
      missed: () => {
        this.changes += 1;
        this.cache.clear();
      },
    });
  }

  async read(level: string): Promise<ProfileRecord | undefined> {
    const now = this.clock.now().getTime();
    const cached = this.cache.get(level);
    if (cached && cached.expires > now) return cached.record;
    const changesBefore = this.changes;
    const record = await this.store.get<ProfileRecord>(storeKeys.profile(level));
    if (this.cacheMs > 0 && changesBefore === this.changes) {
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(level, { record, expires: now + this.cacheMs });
    }
    return record;
  }

  async history(level: string): Promise<PersonaVersion[]> {
    return (await this.store.get<PersonaVersion[]>(storeKeys.personaHistory(level))) ?? [];
  }

  async audit(level: string): Promise<AuditEntry[]> {
    return (await this.store.get<AuditEntry[]>(storeKeys.audit(level))) ?? [];
  }

  /** Append audit entries to a level's log (the oldest go past `limits.auditEntries`). */
  async appendAudit(level: string, entries: readonly AuditEntry[]): Promise<void> {
    await this.store.update<AuditEntry[]>(storeKeys.audit(level), (list) => appendBounded(list, entries, this.limits.auditEntries));
  }

  async channelsOf(workspaceKey: string): Promise<string[]> {
    return (await this.store.get<string[]>(storeKeys.channelIndex(workspaceKey))) ?? [];
  }

  /**
   * Apply `mutate` to the level's record atomically. `mutate` works on a copy; when it throws,
   * nothing is written. When it records no audit entry, nothing is written either (no-op change).
   */
  async change<R>(level: LevelRef, actor: string, mutate: (record: ProfileRecord, ctx: ChangeContext) => R): Promise<R> {
    let result!: R;
    this.changes += 1;
    this.cache.delete(level.key);
    const stored = await this.store.update<ProfileRecord>(storeKeys.profile(level.key), async (current) => {
      const record: ProfileRecord = current ? structuredClone(current) : emptyRecord();
      const at = this.clock.now().toISOString();
      const entries: AuditEntry[] = [];
      const versions: PersonaVersion[] = [];
      const ctx: ChangeContext = {
        actor,
        at,
        audit: (field, action, oldValue, newValue) => entries.push({ at, actor, field, action, old: oldValue ?? null, new: newValue ?? null }),
        personaVersion: (version) => versions.push(version),
      };
      result = mutate(record, ctx);
      if (entries.length === 0) return current ?? record;

      if (versions.length > 0) {
        await this.store.update<PersonaVersion[]>(storeKeys.personaHistory(level.key), (list) => appendBounded(list, versions, this.limits.personaHistory));
      }
      await this.appendAudit(level.key, entries);
      if (!current && level.key !== level.workspaceKey) {
        await this.store.update<string[]>(storeKeys.channelIndex(level.workspaceKey), (list) =>
          list?.includes(level.key) ? list : [...(list ?? []), level.key],
        );
      }
      record.revision += 1;
      record.updatedAt = at;
      return record;
    });
    this.changes += 1;
    if (this.cacheMs > 0) this.cache.set(level.key, { record: stored, expires: this.clock.now().getTime() + this.cacheMs });
    // After the write is stored, so whoever reads on the notice reads the new record. A lost notice
    // costs freshness elsewhere (the cache timeout still applies), never the change itself.
    await this.feed?.publish(profileTopic(level.key)).catch(() => undefined);
    return result;
  }
}
