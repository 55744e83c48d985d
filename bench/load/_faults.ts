/**
 * Shared by the fault scenarios of `npm run bench:load` (store-outage, sigterm-drain, kill9-writes):
 * the `--store` argument (default: Redis and PostgreSQL on this machine), the Markdown rows every
 * scenario prints, and the exit code that says whether every target was met.
 */
export const DEFAULT_STORES = ['redis://127.0.0.1:6379', 'postgresql://postgres@127.0.0.1:5432/test'];

/** The stores named by `--store <url>` (repeatable), else both shared stores. */
export function storesFromArgs(argv: readonly string[] = process.argv.slice(2)): string[] {
  const stores = argv.flatMap((arg, i) => (arg === '--store' && argv[i + 1] ? [argv[i + 1] as string] : []));
  return stores.length > 0 ? stores : DEFAULT_STORES;
}

export function storeName(url: string): string {
  return url.split(':')[0] === 'postgresql' ? 'postgres' : (url.split(':')[0] ?? url);
}

export class Rows {
  private missed = 0;

  constructor(private readonly scenario: string) {}

  /** Prints `| scenario | store | figure | target | result |`; `met` false counts as a missed target. */
  row(store: string, figure: string, target: string, result: string, met = true): void {
    if (!met) this.missed += 1;
    console.log(`| ${this.scenario} | ${storeName(store)} | ${figure} | ${target} | ${result}${met ? '' : ' (missed)'} |`);
  }

  /** Exit 1 when any target was missed. */
  finish(): void {
    process.exitCode = this.missed > 0 ? 1 : 0;
  }
}

/** Runs `once` on each store of the arguments in turn, printing its rows; exit 1 on a missed target or an error. */
export function runOnEachStore(scenario: string, once: (storeUrl: string, rows: Rows) => Promise<void>): void {
  const rows = new Rows(scenario);
  (async () => {
    for (const store of storesFromArgs()) await once(store, rows);
    rows.finish();
  })().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
