/**
 * `/healthz` and `/metrics` (SPEC §7), as plain node handlers so they can sit on Bolt's HTTP
 * receiver (`customRoutes`) or on a bare server when only Discord runs.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App } from '../app';
import type { ModelReachability } from '../providers/openai/model-probe';
import type { Metrics } from './metrics';

/** Whether the model server answers, checked at most every 30 s (see OpenAIModelProbe). */
export interface ModelProbe {
  reachable(): Promise<ModelReachability>;
}

export interface HttpRoute {
  readonly path: string;
  readonly method: string[];
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
}

/**
 * /healthz: 200 when this process can serve — its store answers and it is not draining to stop —
 * else 503 (a load balancer takes it out). The model's reachability and the job queue are shown
 * but do not turn it 503: every process shares one model server and one queue, so taking this
 * one out would not help.
 */
export function healthRoutes(app: App, metrics: Metrics, modelProbe?: ModelProbe): HttpRoute[] {
  return [
    {
      path: '/healthz',
      method: ['GET'],
      handler: async (_req, res) => {
        const [storeUp, model] = await Promise.all([app.store.ping().catch(() => false), app.offline || !modelProbe ? undefined : modelProbe.reachable()]);
        const draining = app.inFlight.draining;
        const healthy = storeUp && !draining;
        const body = {
          status: draining ? 'draining' : storeUp ? 'ok' : 'store_down',
          answersInFlight: app.inFlight.size,
          store: { kind: app.store.kind, up: storeUp },
          model: app.offline ? { state: 'offline' } : { state: 'configured', default: app.config.models.chat, ...(model ?? {}) },
          jobs: {
            // The queue lives in the store: unread while the store is down.
            finetune: storeUp ? await app.finetune.queueState().catch(() => ({ unknown: 'could not read the queue' })) : { unknown: 'store unreachable' },
            evaluationsRunning: app.evaluation.runner.running,
            background: { status: app.background.status, tasks: app.background.tasksState() },
          },
        };
        res.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      },
    },
    {
      path: '/metrics',
      method: ['GET'],
      handler: async (_req, res) => {
        const body = await metrics.render();
        res.writeHead(200, { 'content-type': metrics.contentType });
        res.end(body);
      },
    },
  ];
}
