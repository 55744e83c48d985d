/**
 * What every load scenario shares: which stores to run on (`--store <url>`, repeatable; both local
 * services by default) and the Markdown rows it prints (`| scenario | store | figure | target |
 * result |`), with exit code 1 when a target is missed.
 */
export const DEFAULT_STORES = ['redis://127.0.0.1:6379', 'postgresql://postgres@127.0.0.1:5432/test'] as const;

export function storesFromArgs(args: readonly string[] = process.argv.slice(2)): string[] {
  const stores: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--store' && args[i + 1]) stores.push(args[++i]!);
    else if (arg.startsWith('--store=')) stores.push(arg.slice('--store='.length));
  }
  return stores.length > 0 ? stores : [...DEFAULT_STORES];
}

/** `Redis` / `PostgreSQL` / `SQLite`: the store column of a row. */
export function storeName(url: string): string {
  if (url.startsWith('redis')) return 'Redis';
  if (url.startsWith('postgres')) return 'PostgreSQL';
  return 'SQLite';
}

export interface Figure {
  readonly figure: string;
  readonly target: string;
  readonly met: boolean;
}

/** Prints a scenario's rows; remembers a missed target so `finish()` exits 1. */
export class Rows {
  private missed = false;

  constructor(private readonly scenario: string) {}

  add(store: string, { figure, target, met }: Figure): void {
    if (!met) this.missed = true;
    console.log(`| ${this.scenario} | ${storeName(store)} | ${figure} | ${target} | ${met ? 'met' : 'MISSED'} |`);
  }

  /** Sets the exit code: 1 when any target was missed. */
  finish(): void {
    if (this.missed) process.exitCode = 1;
  }
}
