/**
 * A bare HTTP server for the health and metrics routes when no platform receiver serves HTTP
 * (Slack Socket Mode; later a Discord-only worker). Start-up fails with a clear error when the
 * port is taken, instead of an unhandled 'error' event taking the process down.
 */
import http from 'node:http';
import type { HttpRoute } from './endpoints';

export async function serveRoutes(routes: readonly HttpRoute[], port: number): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const route = routes.find((r) => r.path === path && r.method.includes(req.method ?? 'GET'));
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('Not found\n');
      return;
    }
    Promise.resolve(route.handler(req, res)).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(err.code === 'EADDRINUSE' ? `port ${port} is already in use (PORT)` : `cannot listen on port ${port}: ${err.message}`)),
    );
    server.listen(port, resolve);
  });
  return server;
}

export function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
