/**
 * What /advise (and the fine-tuning and model-lifecycle checks that share its facts) reads beyond
 * the channel's measurements: prices, the models' entries of config/models.json, what the model
 * server says of its models.
 */
import type { Tokenizer } from '../ports';
import type { ModelPrice, PriceTable } from '../prompt/cost';
import type { AdviceSettings } from './advise';

/** A model's entry of config/models.json, as /advise reads it. */
export interface ModelFacts {
  readonly fineTunable: boolean;
  // `| undefined`: zod's optional keys (config.ts) type them so.
  readonly shutdownDate?: string | undefined;
  readonly training?: number | undefined;
  readonly fineTuned?: ModelPrice | undefined;
}

/** What the model server says about its models (OpenAI: `GET /models`), where it says it. */
export interface ModelCatalog {
  /** The model's shutdown date (YYYY-MM-DD), null when none is announced, undefined when the server does not say. */
  shutdownDate(model: string): Promise<string | null | undefined>;
}

/** What /advise needs beyond the measurements. */
export interface AdviceDeps {
  readonly settings: AdviceSettings;
  readonly prices: PriceTable;
  readonly models: Readonly<Record<string, ModelFacts>>;
  /** Overrides config's shutdown dates where the server reports them. */
  readonly catalog?: ModelCatalog;
  readonly tokenizer: Tokenizer;
  /** Offline mode: the figures are what answers would have cost. */
  readonly offline: boolean;
}
