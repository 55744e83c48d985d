/**
 * GET /models as /advise reads it: the server's shutdown dates override config/models.json's;
 * a server that does not report them (or cannot list models) leaves config in charge.
 */
import { gatherAdvice } from '../../../src/core/advice/gather';
import { OpenAIModelCatalog } from '../../../src/providers/openai/model-catalog';
import { makeTestApp, scopeA, testConfig, testTokenizer } from '../../helpers/app';
import { FakeOpenAI, fakeErrors } from '../../helpers/fake-openai';
import { silentLogger } from '../../helpers/logger';
import { checkOpenAISchema } from '../../helpers/openai-schema';

const options = (fake: FakeOpenAI) => ({ baseUrl: fake.baseUrl, timeoutMs: 2000, maxRetries: 0, logger: silentLogger });

describe('OpenAIModelCatalog', () => {
  it("reads each model's shutdown_date, for fine-tuned ids from their base model, once an hour", async () => {
    const fake = await FakeOpenAI.start({ knownModels: ['gpt-4o-mini', 'gpt-4.1'], shutdownDates: { 'gpt-4o-mini': '2026-06-30', 'gpt-4.1': null } });
    try {
      let now = 0;
      const catalog = new OpenAIModelCatalog(options(fake), () => now);
      expect(await catalog.shutdownDate('gpt-4o-mini')).toBe('2026-06-30');
      expect(await catalog.shutdownDate('ft:gpt-4o-mini:acme::x1')).toBe('2026-06-30');
      expect(await catalog.shutdownDate('gpt-4.1')).toBeNull();
      expect(await catalog.shutdownDate('llama3')).toBeUndefined();
      expect(fake.requestsTo('models')).toHaveLength(1);
      now += 61 * 60 * 1000;
      await catalog.shutdownDate('gpt-4o-mini');
      expect(fake.requestsTo('models')).toHaveLength(2);
      const listed = await (await fetch(`${fake.baseUrl}/models`)).json();
      expect(checkOpenAISchema('ListModelsResponse', listed).errors).toEqual([]);
      fake.assertNoViolations();
    } finally {
      await fake.close();
    }
  });

  it('/advise takes the server’s date over config’s and says where it comes from; without one, config’s', async () => {
    const fake = await FakeOpenAI.start({ knownModels: ['gpt-4o-mini'], shutdownDates: { 'gpt-4o-mini': '2026-06-30' } });
    const app = await makeTestApp();
    try {
      const config = testConfig();
      const deps = { settings: config.advice, prices: config.prices, models: config.modelInfo, tokenizer: testTokenizer(), offline: false };
      const report = await app.usage.report(scopeA, 30);
      const profile = await app.profiles.resolve(scopeA);
      const fromServer = await gatherAdvice({ ...deps, catalog: new OpenAIModelCatalog(options(fake)) }, report, profile, app.knowledge, '2026-12-01');
      expect(fromServer.fineTuning).toEqual({ fineTunable: true, shutdownDate: '2026-06-30', source: 'GET /models' });
      const fromConfig = await gatherAdvice(deps, report, profile, app.knowledge, '2026-12-01');
      expect(fromConfig.fineTuning).toEqual({ fineTunable: true, source: 'config/models.json' });

      fake.enqueue('models', { error: fakeErrors.serverError(500) });
      const down = await gatherAdvice({ ...deps, catalog: new OpenAIModelCatalog(options(fake)) }, report, profile, app.knowledge, '2026-12-01');
      expect(down.fineTuning.source).toBe('config/models.json');
    } finally {
      await app.dispose();
      await fake.close();
    }
  });
});
