/**
 * The server's own word on its models, from `GET /models`: OpenAI reports each model's
 * `shutdown_date` there, which /advise prefers over config/models.json's. Servers that leave the
 * field out (most compatible ones) leave config in charge. Read at most once an hour.
 */
import type OpenAI from 'openai';
import type { ModelCatalog } from '../../core/advice/deps';
import type { Logger } from '../../core/ports';
import { createOpenAIClient, type OpenAIClientOptions } from './client';

const REFRESH_MS = 60 * 60 * 1000;

export class OpenAIModelCatalog implements ModelCatalog {
  private readonly client: OpenAI;
  private readonly logger: Logger;
  private cache: { at: number; dates: Map<string, string | null> } | undefined;

  constructor(
    options: OpenAIClientOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.client = createOpenAIClient(options);
    this.logger = options.logger.child({ component: 'openai-models' });
  }

  async shutdownDate(model: string): Promise<string | null | undefined> {
    const dates = await this.dates();
    const base = model.startsWith('ft:') ? (model.split(':')[1] ?? model) : model;
    return dates?.has(model) ? dates.get(model) : dates?.get(base);
  }

  /** Model id → its shutdown date (null: none announced), for the models whose entry has the field. */
  private async dates(): Promise<Map<string, string | null> | undefined> {
    if (this.cache && this.now() - this.cache.at < REFRESH_MS) return this.cache.dates;
    try {
      const dates = new Map<string, string | null>();
      for await (const model of this.client.models.list()) {
        const reported = (model as { shutdown_date?: unknown }).shutdown_date;
        if (typeof reported === 'string' || reported === null) dates.set(model.id, reported);
      }
      this.cache = { at: this.now(), dates };
      return dates;
    } catch (err) {
      // Advice still works from config; try again at the next refresh.
      this.logger.warn({ err }, 'could not list the models; /advise uses config/models.json alone');
      this.cache = { at: this.now(), dates: new Map() };
      return undefined;
    }
  }
}
