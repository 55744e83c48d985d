/**
 * Deciding, while jest collects tests, whether a suite that needs Redis or PostgreSQL runs: always
 * in CI (where an unreachable service must fail the run), locally only when the service answers.
 */
import { spawnSync } from 'node:child_process';
import { CI, DATABASE_URL, REDIS_URL } from './env';

/** Whether something accepts TCP connections at the URL's host and port (checked synchronously). */
export function acceptsConnections(url: string, defaultPort: number): boolean {
  const { hostname, port } = new URL(url);
  const host = hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  // jest collects tests synchronously, so the probe runs in a child process we can wait for.
  const probe = `require('node:net').connect(${Number(port) || defaultPort}, ${JSON.stringify(host)})
    .on('connect', () => process.exit(0)).on('error', () => process.exit(1)).setTimeout(1500, () => process.exit(1));`;
  return spawnSync(process.execPath, ['-e', probe], { timeout: 3000 }).status === 0;
}

/**
 * `describe` when the suite should run, else `describe.skip` with a printed notice saying why.
 * Returns the URL to use (or '' when skipped, never used then).
 */
export function describeWithService(service: string, variable: string, url: string | undefined, defaultPort: number): { describe: jest.Describe; url: string } {
  if (CI) return { describe, url: url ?? '' };
  if (!url) {
    console.warn(`Skipping ${service} tests: set ${variable} (or CI=true) to run them.`);
    return { describe: describe.skip, url: '' };
  }
  if (!acceptsConnections(url, defaultPort)) {
    console.warn(`Skipping ${service} tests: nothing answers at ${new URL(url).host} (${variable}).`);
    return { describe: describe.skip, url };
  }
  return { describe, url };
}

/** The stores several processes can share (SPEC §5), as `describeWithService` takes them. */
export const SHARED_STORES: ReadonlyArray<{ readonly service: string; readonly variable: string; readonly url: string | undefined; readonly port: number }> = [
  { service: 'Redis', variable: 'REDIS_URL', url: REDIS_URL, port: 6379 },
  { service: 'PostgreSQL', variable: 'DATABASE_URL', url: DATABASE_URL, port: 5432 },
];

/** Declares `suites` once per shared store, each run or skipped as `describeWithService` decides. */
export function forEachSharedStore(suites: (suite: { describe: jest.Describe; url: string }, service: string) => void): void {
  for (const { service, variable, url, port } of SHARED_STORES) suites(describeWithService(service, variable, url, port), service);
}
