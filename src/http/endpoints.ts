/**
 * `/healthz` and `/metrics` (SPEC §7), as plain node handlers so they can sit on Bolt's HTTP
 * receiver (`customRoutes`) or on a bare server when only Discord runs.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App } from '../app';
import type { Metrics } from './metrics';

export interface HttpRoute {
  readonly path: string;
  readonly method: string[];
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
}

export function healthRoutes(app: App, metrics: Metrics): HttpRoute[] {
  return [
    {
      path: '/healthz',
      method: ['GET'],
      handler: async (_req, res) => {
        const storeUp = await app.store.ping().catch(() => false);
        const draining = app.inFlight.draining;
        const healthy = storeUp && !draining;
        const body = {
          status: draining ? 'draining' : storeUp ? 'ok' : 'store_down',
          answersInFlight: app.inFlight.size,
          store: { kind: app.store.kind, up: storeUp },
          model: app.offline ? { state: 'offline' } : { state: 'configured', default: app.config.models.chat },
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
