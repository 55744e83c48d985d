/**
 * Where a CPU profile's time went, per mention:
 * `npx tsx bench/profile-summary.ts <app.cpuprofile> [<baseline.cpuprofile>] [--top N]`
 * (profiles from `npx tsx bench/slack-vs-bolt.ts --profile /tmp/p`, one per app and round).
 *
 * Views:
 * - time by owner: each sample goes to the nearest frame, from the leaf up, that belongs to the
 *   project or to a package (JSON.stringify called by pino counts as pino; node's own http and
 *   stream code counts for the package that called it). Samples with no package above them (the
 *   HTTP parser, socket writes flushed on a later tick) go to the node module at the leaf. Owners
 *   are then grouped into the costs the performance work talks about (store, Slack calls, logging,
 *   token counting…); with a baseline profile, the difference per group is shown too.
 * - self time by function (file:line), the hot spots themselves.
 *
 * The V8 profiler samples wall time: on a loaded machine a thread waiting for a CPU is charged to
 * the function it was in. Where the profile carries the round's main-thread CPU time (`mainCpuMs`),
 * the busy (non-idle) samples are scaled to it, so figures read as CPU µs per mention.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  /** Added by bench/slack-vs-bolt.ts: mentions answered while the profile ran. */
  readonly mentions?: number;
  /** Added by bench/slack-vs-bolt.ts: main-thread CPU milliseconds over the same time. */
  readonly mainCpuMs?: number;
}

const ROOT = path.resolve(__dirname, '..');

/** Owner groups, first match wins; an owner is a package name or a project path. */
const GROUPS: readonly (readonly [string, RegExp])[] = [
  ['store (keyv, SQLite/Redis drivers, src/providers/store)', /^(keyv|@keyv\/|sqlite3|better-sqlite3|@redis\/|redis|cluster-key-slot|src\/providers\/store\/)/],
  ['token counting (js-tiktoken, tokenizer)', /^(js-tiktoken|src\/providers\/tokenizer)/],
  [
    'logging (pino and the logger wrappers)',
    /^(pino|sonic-boom|fast-redact|quick-format-unescaped|on-exit-leak-free|thread-stream|safe-stable-stringify|atomic-sleep|src\/providers\/logger|src\/adapters\/slack\/bolt-logger|bench\/log-sink)/,
  ],
  [
    'Slack Web API client (@slack/web-api and the fetch calls it makes)',
    /^(@slack\/web-api|eventemitter3|p-queue|p-retry|p-timeout|p-finally|retry|is-stream|is-electron)/,
  ],
  [
    'Bolt (receiver, middleware, listeners)',
    /^(@slack\/bolt|@slack\/oauth|@slack\/logger|@slack\/socket-mode|raw-body|tsscmp|path-to-regexp|express|body-parser)/,
  ],
  ['openai SDK (and the fetch calls it makes)', /^openai/],
  ['fetch (undici) resumed on a later tick: either client', /^undici$/],
  ['channelwise Slack adapter (src/adapters)', /^src\/adapters\//],
  ['channelwise core (src/core)', /^src\/core\//],
  ['channelwise other providers and http (src/providers, src/http)', /^src\//],
  ['node http server/client, sockets, streams, timers (no package above)', /^node:/],
  ['garbage collector', /^\(garbage collector\)$/],
  ['V8 and native, not attributed', /^\((program|root)\)$/],
];

/** The benchmark's own files, whose samples are left out (the baseline app lives in bench/ too: bare-bolt.ts stays). */
const HARNESS = /^bench\/(slack-vs-bolt|slack|worker|cpu|app-host)\.ts/;

/** Node's fetch (undici, bundled or the package Bolt brings) with its WebAssembly HTTP parser. */
function isFetch(url: string): boolean {
  return url.startsWith('node:internal/deps/undici') || url.startsWith('wasm:') || /\/node_modules\/undici\//.test(url);
}

/**
 * Package name or project path of a frame; undefined for frames that take their caller's owner:
 * natives, node's own modules and fetch (undici), which both the Slack Web API client and the
 * openai SDK call, so its cost lands on whichever of them is on the stack.
 */
export function ownerOf(frame: CallFrame): string | undefined {
  const { url, functionName } = frame;
  if (!url) return ['(program)', '(idle)', '(garbage collector)'].includes(functionName) ? functionName : undefined;
  if (url.startsWith('node:') || isFetch(url)) return undefined;
  const file = url.startsWith('file://') ? decodeURIComponent(new URL(url).pathname) : url;
  const modules = file.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const [first, second] = file.slice(modules + '/node_modules/'.length).split('/');
    return first?.startsWith('@') ? `${first}/${second}` : first;
  }
  return path.relative(ROOT, file);
}

function groupOf(owner: string): string {
  return GROUPS.find(([, pattern]) => pattern.test(owner))?.[0] ?? `other (${owner})`;
}

function frameName(frame: CallFrame): string {
  const owner = ownerOf(frame) ?? 'native';
  return `${owner}:${frame.functionName || '(anonymous)'}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
}

export interface ProfileSummary {
  /** Sampled wall time, idle included. */
  readonly totalMs: number;
  readonly mentions: number;
  /** What one sampled ms of busy (non-idle) time stands for in CPU ms (1 without `mainCpuMs`). */
  readonly cpuPerBusyMs: number;
  readonly selfByFunction: readonly (readonly [string, number])[];
  readonly byOwner: readonly (readonly [string, number])[];
  readonly byGroup: readonly (readonly [string, number])[];
}

export function summarizeProfile(profile: CpuProfile): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const attributed = new Map<number, string | null>(); // node id → nearest owner at or above it, memoised
  const ownerAbove = (id: number): string | null => {
    const known = attributed.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id);
    const up = parent.get(id);
    const owner = (node ? ownerOf(node.callFrame) : undefined) ?? (up !== undefined ? ownerAbove(up) : null);
    attributed.set(id, owner);
    return owner;
  };
  /** No owner above (work resumed on a later tick): fetch if it is on the stack, else the node module nearest the leaf. */
  const nodeModuleAt = (id: number): string => {
    let nearest: string | undefined;
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const url = byId.get(at)?.callFrame.url ?? '';
      if (isFetch(url)) return 'undici';
      if (url.startsWith('node:')) nearest ??= url;
    }
    return nearest ?? '(native)';
  };
  const ownerFor = (id: number): string => ownerAbove(id) ?? nodeModuleAt(id);
  const self = new Map<string, number>();
  const owners = new Map<string, number>();
  let totalMs = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    totalMs += ms;
    const node = byId.get(id);
    if (!node) return;
    const name = frameName(node.callFrame);
    self.set(name, (self.get(name) ?? 0) + ms);
    const owner = ownerFor(id);
    owners.set(owner, (owners.get(owner) ?? 0) + ms);
  });
  // The harness's own frames (the profiler starting, the round's bookkeeping) are not the app's cost.
  for (const owner of [...owners.keys()]) {
    if (!HARNESS.test(owner)) continue;
    totalMs -= owners.get(owner) ?? 0;
    owners.delete(owner);
  }
  for (const name of [...self.keys()]) if (HARNESS.test(name)) self.delete(name);
  const busyMs = totalMs - (owners.get('(idle)') ?? 0);
  const cpuPerBusyMs = profile.mainCpuMs !== undefined && busyMs > 0 ? profile.mainCpuMs / busyMs : 1;
  // Idle is not CPU time: it stays out of every figure.
  owners.delete('(idle)');
  self.delete(frameName({ functionName: '(idle)', url: '', lineNumber: 0 }));
  const groups = new Map<string, number>();
  for (const [owner, ms] of owners) groups.set(groupOf(owner), (groups.get(groupOf(owner)) ?? 0) + ms);
  const scaled = (map: Map<string, number>) => [...map.entries()].map(([key, ms]) => [key, ms * cpuPerBusyMs] as const).sort((a, b) => b[1] - a[1]);
  return { totalMs, mentions: profile.mentions ?? 1, cpuPerBusyMs, selfByFunction: scaled(self), byOwner: scaled(owners), byGroup: scaled(groups) };
}

const perMention = (ms: number, mentions: number) => `${((ms / mentions) * 1000).toFixed(0).padStart(6)} µs`;

function table(rows: readonly (readonly [string, number])[], mentions: number): string {
  return rows.map(([name, ms]) => `  ${perMention(ms, mentions)}  ${name}`).join('\n');
}

/** Rows side by side: this app, the baseline, the difference (what the app spends beyond it), biggest first. */
function comparison(app: ProfileSummary, baseline: ProfileSummary, view: 'byGroup' | 'selfByFunction', top = Infinity): string {
  const names = [...new Set([...app[view], ...baseline[view]].map(([name]) => name))];
  const of = (summary: ProfileSummary, name: string) => summary[view].find(([n]) => n === name)?.[1] ?? 0;
  const rows = names
    .map((name) => ({ name, a: of(app, name) / app.mentions, b: of(baseline, name) / baseline.mentions }))
    .sort((x, y) => y.a - y.b - (x.a - x.b))
    .slice(0, top);
  const us = (ms: number) => `${(ms * 1000).toFixed(0).padStart(6)} µs`;
  const total = rows.reduce((sum, r) => ({ a: sum.a + r.a, b: sum.b + r.b }), { a: 0, b: 0 });
  return [
    `  ${'app'.padStart(9)}  ${'baseline'.padStart(9)}  ${'extra'.padStart(9)}`,
    ...rows.map((r) => `  ${us(r.a)}  ${us(r.b)}  ${us(r.a - r.b)}  ${r.name}`),
    ...(top === Infinity ? [`  ${us(total.a)}  ${us(total.b)}  ${us(total.a - total.b)}  total`] : []),
  ].join('\n');
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const topIndex = args.indexOf('--top');
  const top = topIndex >= 0 ? Number(args[topIndex + 1]) : 40;
  const files = args.filter((arg, i) => !arg.startsWith('--') && (topIndex < 0 || i !== topIndex + 1));
  const [file, baselineFile] = files;
  if (!file) {
    console.error('usage: npx tsx bench/profile-summary.ts <app.cpuprofile> [<baseline.cpuprofile>] [--top N]');
    process.exitCode = 1;
  } else {
    const load = (name: string) => summarizeProfile(JSON.parse(readFileSync(name, 'utf8')) as CpuProfile);
    const summary = load(file);
    const { totalMs, mentions } = summary;
    const unit = summary.cpuPerBusyMs === 1 ? 'sampled wall time' : `main-thread CPU (busy samples × ${summary.cpuPerBusyMs.toFixed(2)})`;
    console.log(`${file}: ${totalMs.toFixed(0)} ms sampled over ${mentions} mentions; figures are ${unit} per mention`);
    const baseline = baselineFile ? load(baselineFile) : undefined;
    if (baseline) {
      console.log(`\nby group, against ${baselineFile}:`);
      console.log(comparison(summary, baseline, 'byGroup'));
    } else {
      console.log('\nby group:');
      console.log(table(summary.byGroup, mentions));
    }
    console.log(`\nby owner (top ${top}):`);
    console.log(table(summary.byOwner.slice(0, top), mentions));
    console.log(`\nself time by function (top ${top}):`);
    console.log(table(summary.selfByFunction.slice(0, top), mentions));
    if (baseline) {
      console.log(`\nself time by function, most above the baseline (top ${top}):`);
      console.log(comparison(summary, baseline, 'selfByFunction', top));
    }
  }
}
