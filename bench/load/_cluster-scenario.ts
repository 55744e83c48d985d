/**
 * What the load scenarios of issue #12 share: which stores to run on (`--store <url>`, default both
 * shared stores on this machine), their result rows (`| scenario | store | figure | target | result |`)
 * and the exit code (1 when a target is missed).
 */

export const DEFAULT_STORES: readonly string[] = ['redis://127.0.0.1:6379', 'postgresql://postgres@127.0.0.1:5432/test'];

export interface Figure {
  readonly figure: string;
  readonly target: string;
  readonly met: boolean;
}

/** `--store <url>` (repeatable) from the arguments, else both shared stores. */
export function storesFromArgs(argv: readonly string[]): string[] {
  const stores: string[] = [];
  argv.forEach((arg, i) => {
    if (arg === '--store' && argv[i + 1]) stores.push(argv[i + 1]!);
    else if (arg.startsWith('--store=')) stores.push(arg.slice('--store='.length));
  });
  return stores.length > 0 ? stores : [...DEFAULT_STORES];
}

export function storeName(url: string): string {
  return url.startsWith('redis') ? 'Redis' : url.startsWith('postgres') ? 'PostgreSQL' : url.split(':')[0]!;
}

/**
 * Runs `measure` on each store in turn, printing each figure as a row as soon as it is known;
 * exits 1 when any target was missed (or a run failed).
 */
export async function runScenario(scenario: string, measure: (storeUrl: string) => Promise<readonly Figure[]>): Promise<void> {
  let missed = false;
  for (const url of storesFromArgs(process.argv.slice(2))) {
    try {
      for (const { figure, target, met } of await measure(url)) {
        missed ||= !met;
        process.stdout.write(`| ${scenario} | ${storeName(url)} | ${figure} | ${target} | ${met ? 'met' : 'MISSED'} |\n`);
      }
    } catch (err) {
      missed = true;
      process.stdout.write(`| ${scenario} | ${storeName(url)} | failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)} | | MISSED |\n`);
    }
  }
  process.exit(missed ? 1 : 0);
}
