/**
 * `npm run bench:load` (issue #12): every load scenario `bench/load/<scenario>.ts` in turn (not this
 * file, not `_<name>.ts` helper modules), each as its own `tsx` child so one scenario's processes,
 * timers and memory never colour the next. Arguments pass through to every scenario
 * (`--store redis://… | --store postgresql://…`), except `--only a,b`, which picks scenarios by name.
 * A scenario prints Markdown rows `| scenario | store | figure | target | result |` and exits 1 when
 * a target is missed; the rows of all are printed together at the end, and the exit code is 1 when
 * any scenario failed.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

const HERE = __dirname;
const TSX = path.resolve(HERE, '..', '..', 'node_modules', '.bin', 'tsx');

export function scenarioFiles(names: readonly string[] = readdirSync(HERE)): string[] {
  return names.filter((name) => name.endsWith('.ts') && name !== 'run.ts' && !name.startsWith('_')).sort();
}

/** Splits `--only a,b` (or `--only=a,b`) off the arguments; the rest pass through. */
export function splitArgs(args: readonly string[]): { only: Set<string> | undefined; passThrough: string[] } {
  const passThrough: string[] = [];
  let only: Set<string> | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = arg === '--only' ? args[++i] : arg.startsWith('--only=') ? arg.slice('--only='.length) : undefined;
    if (value === undefined) passThrough.push(arg);
    else only = new Set(value.split(',').map((name) => name.trim().replace(/\.ts$/, '')));
  }
  return { only, passThrough };
}

/** Runs one scenario, echoing its output as it comes; resolves with its exit code and table rows. */
function runScenario(file: string, args: readonly string[]): Promise<{ code: number; rows: string[] }> {
  return new Promise((resolve) => {
    const child = spawn(TSX, [path.join(HERE, file), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      process.stdout.write(chunk);
    });
    child.on('exit', (code, signal) => {
      const rows = stdout.split('\n').filter((line) => line.startsWith('|') && !/^\|\s*-/.test(line) && !/^\|\s*scenario\s*\|/.test(line));
      resolve({ code: code ?? (signal ? 1 : 0), rows });
    });
  });
}

async function main(): Promise<void> {
  const { only, passThrough } = splitArgs(process.argv.slice(2));
  const files = scenarioFiles().filter((file) => !only || only.has(file.replace(/\.ts$/, '')));
  if (files.length === 0) throw new Error(`no load scenario matches ${only ? [...only].join(', ') : 'bench/load/*.ts'}`);
  const rows: string[] = [];
  const failed: string[] = [];
  for (const file of files) {
    console.log(`\n## ${file.replace(/\.ts$/, '')}`);
    const result = await runScenario(file, passThrough);
    rows.push(...result.rows);
    if (result.code !== 0) failed.push(file);
  }
  console.log('\n| scenario | store | figure | target | result |\n| --- | --- | --- | --- | --- |');
  for (const row of rows) console.log(row);
  if (failed.length > 0) {
    console.error(`\nmissed a target or failed: ${failed.join(', ')}`);
    process.exitCode = 1;
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
