/** What every change feed shares: its listeners, and the shape of publishing and closing. */
import type { ChangeFeed, ChangeListener } from '../../core/ports';
import { storeError } from './store-error';

/** Delivers to every listener, catching a listener's throw so one bad listener cannot stop the rest. */
export class Listeners {
  private readonly all = new Set<ChangeListener>();

  add(listener: ChangeListener): () => void {
    this.all.add(listener);
    return () => this.all.delete(listener);
  }

  changed(topic: string): void {
    for (const listener of this.all) {
      try {
        listener.changed(topic);
      } catch {
        // a listener only drops copies; nothing to recover here
      }
    }
  }

  missed(): void {
    for (const listener of this.all) {
      try {
        listener.missed();
      } catch {
        // as above
      }
    }
  }

  clear(): void {
    this.all.clear();
  }
}

/**
 * The change feed within one process: SQLite serves one process, so there is no one else to tell.
 * Several app instances in one process (tests) still hear each other's notices.
 */
export class LocalChangeFeed implements ChangeFeed {
  private readonly listeners = new Listeners();

  async publish(topic: string): Promise<void> {
    this.listeners.changed(topic);
  }

  subscribe(listener: ChangeListener): () => void {
    return this.listeners.add(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}

/** A feed over a backend connection (Redis, PostgreSQL): the backend files say how to send and disconnect. */
export abstract class ConnectedChangeFeed implements ChangeFeed {
  protected readonly listeners = new Listeners();
  protected closed = false;

  async publish(topic: string): Promise<void> {
    try {
      await this.send(topic);
    } catch (err) {
      throw storeError(`cannot publish the change of "${topic}"`, err);
    }
  }

  subscribe(listener: ChangeListener): () => void {
    return this.listeners.add(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    await this.disconnect();
  }

  protected abstract send(topic: string): Promise<void>;
  protected abstract disconnect(): Promise<void>;
}
