/**
 * /healthz (issue #12 §6): 200 while the store answers and the process is not draining, else 503;
 * the model's reachability from one cached `GET /models` (at most every 30 s, never per scrape),
 * shown but not turning it 503; the job queue: fine-tuning jobs by status, evaluation runs, the
 * background watcher.
 */
import { mkdtempSync } from 'node:fs';
import type http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DocumentStore } from '../../src/core/ports';
import { healthRoutes } from '../../src/http/endpoints';
import { Metrics } from '../../src/http/metrics';
import { closeServer, serveRoutes } from '../../src/http/serve';
import { OpenAIModelProbe } from '../../src/providers/openai/model-probe';
import { createSqliteStore } from '../../src/providers/store/sqlite-store';
import { makeTestApp, type TestApp } from '../helpers/app';
import { FakeOpenAI, fakeErrors } from '../helpers/fake-openai';
import { silentLogger } from '../helpers/logger';
import { freePort } from '../helpers/processes';

interface Health {
  status: string;
  store: { up: boolean };
  model: { state: string; up?: boolean; error?: string };
  jobs: { finetune: { active?: number }; evaluationsRunning: number; background: { status: string; tasks: { name: string }[] } };
}

describe('/healthz', () => {
  let fake: FakeOpenAI;
  let app: TestApp;
  let server: http.Server;
  let url: string;
  let now = 1_000_000;
  let storeAnswers = true;

  beforeAll(async () => {
    fake = await FakeOpenAI.start();
  });
  beforeEach(async () => {
    fake.reset();
    storeAnswers = true;
    const real = await createSqliteStore(path.join(mkdtempSync(path.join(tmpdir(), 'channelwise-health-')), 'store.sqlite'), silentLogger);
    // The store as /healthz sees it: it answers until the test says it does not.
    const store: DocumentStore = Object.assign(Object.create(real) as DocumentStore, { ping: async () => storeAnswers && real.ping() });
    app = await makeTestApp({ store });
    const probe = new OpenAIModelProbe({ baseUrl: fake.baseUrl, timeoutMs: 5000, maxRetries: 2, logger: silentLogger }, 30_000, () => now);
    const port = await freePort();
    // Offline apps show no model: this one stands for a configured model.
    server = await serveRoutes(healthRoutes({ ...app, offline: false }, new Metrics(), probe), port);
    url = `http://127.0.0.1:${port}/healthz`;
  });
  afterEach(async () => {
    await closeServer(server);
    await app.dispose();
  });
  afterAll(async () => {
    await fake.close();
  });

  const scrape = async (): Promise<{ status: number; body: Health }> => {
    const res = await fetch(url);
    return { status: res.status, body: (await res.json()) as Health };
  };

  it('is 200 with the store, the model and the job queue, and asks the model server at most every 30 s', async () => {
    for (let i = 0; i < 5; i++) {
      const { status, body } = await scrape();
      expect(status).toBe(200);
      expect(body.model).toMatchObject({ state: 'configured', up: true });
    }
    expect(fake.requestsTo('models')).toHaveLength(1);
    now += 30_000;
    await scrape();
    expect(fake.requestsTo('models')).toHaveLength(2);

    const { body } = await scrape();
    expect(body.jobs.finetune).toEqual({ active: 0, byStatus: {} });
    expect(body.jobs.evaluationsRunning).toBe(0);
    expect(body.jobs.background.status).toBe('idle');
    expect(body.jobs.background.tasks.map((t) => t.name)).toEqual(['finetune-jobs', 'model-shutdowns']);
    app.background.start();
    expect((await scrape()).body.jobs.background.status).toBe('watching');
  });

  it('shows an unreachable model without turning 503, once per interval, without retries', async () => {
    fake.enqueue('models', { error: fakeErrors.serverError(503) });
    const { status, body } = await scrape();
    expect(status).toBe(200);
    expect(body.model).toMatchObject({ state: 'configured', up: false });
    expect(body.model.error).toBeTruthy();
    expect(fake.requestsTo('models')).toHaveLength(1);
  });

  it('is 503 when the store does not answer, and 503 draining once the process stops', async () => {
    storeAnswers = false;
    const down = await scrape();
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ status: 'store_down', store: { up: false }, jobs: { finetune: { unknown: 'store unreachable' } } });
    storeAnswers = true;
    expect((await scrape()).status).toBe(200);
    app.inFlight.startDraining();
    const draining = await scrape();
    expect(draining.status).toBe(503);
    expect(draining.body.status).toBe('draining');
  });
});
