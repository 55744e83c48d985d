/** Helpers for tests that run the real entry point in a child process. */
import net from 'node:net';

/** A TCP port nobody listens on right now (for PORT). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Polls `probe` every 100 ms until it gives a value (a throw counts as not yet). */
export async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, attempts = 200): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const value = await Promise.resolve(probe()).catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}
