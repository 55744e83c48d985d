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
import { ReadCache } from '../read-cache';
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
 * Records are read for every message, so reads are cached for `cacheMs` (see `ReadCache`: a change
 * made by another process sharing the store drops the copy by a notice on the change feed). Writes
 * never use the cache: `change()` always reads the stored record under the lock.
 */
export class ProfileStore {
  private readonly cache: ReadCache<ProfileRecord | undefined>;
  /** Per level: the changes waiting for the batch being stored to finish (present while one is). */
  private readonly waiting = new Map<string, PendingChange[]>();

  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
    private readonly limits: HistoryLimits,
    cacheMs = 0,
    feed?: ChangeFeed,
  ) {
    this.cache = new ReadCache({ topicPrefix: profileTopic(''), cacheMs, clock, ...(feed ? { feed } : {}) });
  }

  read(level: string): Promise<ProfileRecord | undefined> {
    return this.cache.read(level, () => this.store.get<ProfileRecord>(storeKeys.profile(level)));
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
   * nothing of it is written and its error reaches its caller. When it records no audit entry,
   * nothing is written either (no-op change).
   *
   * Changes of one level that arrive while one is being stored wait in this process and are then
   * stored together, in arrival order: one lock, one read and one write of the record and of its
   * audit log for all of them. Under contention (many admins, many processes) a level's changes
   * then cost one store round trip per batch instead of one per change, and none waits long.
   */
  change<R>(level: LevelRef, actor: string, mutate: (record: ProfileRecord, ctx: ChangeContext) => R): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const waiting = this.waiting.get(level.key);
      const item: PendingChange = { actor, mutate, resolve: resolve as (result: unknown) => void, reject };
      if (waiting) {
        waiting.push(item);
        return;
      }
      this.waiting.set(level.key, [item]);
      void this.storeBatches(level);
    });
  }

  /** Stores the level's waiting changes batch by batch until none wait. */
  private async storeBatches(level: LevelRef): Promise<void> {
    for (;;) {
      const batch = this.waiting.get(level.key) ?? [];
      // Changes arriving from now on wait for the next batch.
      this.waiting.set(level.key, []);
      if (batch.length === 0) break;
      await this.storeBatch(level, batch);
    }
    this.waiting.delete(level.key);
  }

  private async storeBatch(level: LevelRef, batch: readonly PendingChange[]): Promise<void> {
    let outcomes: ({ ok: true; result: unknown } | { ok: false; error: unknown })[] = [];
    // A read racing with this change must not cache what it saw.
    this.cache.forget(level.key);
    let stored: ProfileRecord;
    try {
      stored = await this.store.update<ProfileRecord>(storeKeys.profile(level.key), async (current) => {
        outcomes = [];
        let record: ProfileRecord = current ? structuredClone(current) : emptyRecord();
        const entries: AuditEntry[] = [];
        const versions: PersonaVersion[] = [];
        for (const { actor, mutate } of batch) {
          const draft = structuredClone(record);
          const at = this.clock.now().toISOString();
          const own: AuditEntry[] = [];
          const ownVersions: PersonaVersion[] = [];
          const ctx: ChangeContext = {
            actor,
            at,
            audit: (field, action, oldValue, newValue) => own.push({ at, actor, field, action, old: oldValue ?? null, new: newValue ?? null }),
            personaVersion: (version) => ownVersions.push(version),
          };
          try {
            outcomes.push({ ok: true, result: mutate(draft, ctx) });
          } catch (error) {
            outcomes.push({ ok: false, error });
            continue;
          }
          if (own.length === 0) continue;
          draft.revision += 1;
          draft.updatedAt = at;
          record = draft;
          entries.push(...own);
          versions.push(...ownVersions);
        }
        // Nothing changed (refused or no-op): abort, so not even an empty record is written.
        if (entries.length === 0) throw new NothingToWrite(current);

        if (versions.length > 0) {
          await this.store.update<PersonaVersion[]>(storeKeys.personaHistory(level.key), (list) => appendBounded(list, versions, this.limits.personaHistory));
        }
        await this.appendAudit(level.key, entries);
        if (!current && level.key !== level.workspaceKey) {
          await this.store.update<string[]>(storeKeys.channelIndex(level.workspaceKey), (list) =>
            list?.includes(level.key) ? list : [...(list ?? []), level.key],
          );
        }
        return record;
      });
    } catch (error) {
      if (!(error instanceof NothingToWrite)) {
        for (const item of batch) item.reject(error);
        return;
      }
      stored = error.current as ProfileRecord;
    }
    await this.cache.changed(level.key, stored);
    batch.forEach((item, index) => {
      const outcome = outcomes[index]!;
      if (outcome.ok) item.resolve(outcome.result);
      else item.reject(outcome.error);
    });
  }
}

/** Thrown inside the update to end it without a write; carries what was read. */
class NothingToWrite extends Error {
  constructor(readonly current: ProfileRecord | undefined) {
    super('nothing to write');
  }
}

interface PendingChange {
  readonly actor: string;
  readonly mutate: (record: ProfileRecord, ctx: ChangeContext) => unknown;
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: unknown) => void;
}
