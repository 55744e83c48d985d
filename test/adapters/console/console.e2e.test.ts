/**
 * The console as a user runs it: the real entry point (`npm start` runs `tsx src/index.ts`) in a
 * child process, lines piped to stdin, answers read from stdout.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FakeOpenAI } from '../../helpers/fake-openai';

const ROOT = path.resolve(__dirname, '../../..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runConsole(input: string, env: Record<string, string>, cwd: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    // A clean environment: nothing from the developer's shell (no real OPENAI_API_KEY) leaks in.
    const child = spawn(TSX, [path.join(ROOT, 'src', 'index.ts')], {
      cwd,
      env: { PATH: process.env['PATH'] ?? '', HOME: cwd, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe('console (npm start with no platform credentials)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'channelwise-console-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('offline: applies persona and example and prints the assembled prompt with its token count, then exits 0', async () => {
    const result = await runConsole('/persona set You are a terse librarian.\n/fewshot add Hi => Hello.\nwhat time is it?\n', {}, dir);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Persona set (v1).');
    expect(result.stdout).toContain('Added example 1.');
    expect(result.stdout).toContain('Offline mode: no model is configured');
    expect(result.stdout).toMatch(/prompt tokens: \d+/);
    expect(result.stdout).toContain('[system]\nYou are a terse librarian.\n\n[user]\nHi\n\n[assistant]\nHello.\n\n[user]\nwhat time is it?');
  });

  it('keeps the channel setup in the SQLite file across runs', async () => {
    await runConsole('/persona set Remember me.\n', {}, dir);
    const second = await runConsole('/persona show\n', {}, dir);
    expect(second.stdout).toContain('Persona v1 (set in this channel):\nRemember me.');
  });

  it('stops at /exit and ignores what follows', async () => {
    const result = await runConsole('/route\n/exit\n/persona set Never applied.\n', {}, dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Route: prompt');
    expect(result.stdout).not.toContain('Persona set');
  });

  it('a bad STORE_URL stops start-up with a message naming the variable', async () => {
    const result = await runConsole('hello\n', { STORE_URL: 'mongodb://x' }, dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('STORE_URL: unsupported scheme');
  });

  describe('with OPENAI_BASE_URL set', () => {
    let fake: FakeOpenAI;
    beforeAll(async () => {
      fake = await FakeOpenAI.start();
    });
    afterAll(async () => {
      await fake.close();
    });
    afterEach(() => fake.assertNoViolations());

    it("streams the server's answer and keeps the conversation as history", async () => {
      fake.enqueue('chat', { deltas: ['Nine ', "o'clock", '.'] }, { text: 'You are welcome.' });
      const result = await runConsole('/persona set You are a terse librarian.\nwhat time is it?\nthanks\n', { OPENAI_BASE_URL: fake.baseUrl }, dir);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain("Nine o'clock.\n");
      expect(result.stdout).toContain('You are welcome.\n');
      const bodies = fake.chatBodies();
      expect(bodies).toHaveLength(2);
      expect(bodies[1]?.messages).toEqual([
        { role: 'system', content: 'You are a terse librarian.' },
        { role: 'user', content: 'what time is it?' },
        { role: 'assistant', content: "Nine o'clock." },
        { role: 'user', content: 'thanks' },
      ]);
    });

    it('/eval add alone names the typed form; /eval run prints its start and progress lines before the report', async () => {
      fake.reset();
      // 21 cases: one progress line at 20 answers (evaluation.progressEvery in config/default.json).
      const adds = Array.from({ length: 21 }, (_, i) => `/eval add Question ${i + 1}? => You said: Question ${i + 1}?`).join('\n');
      const result = await runConsole(`/eval add\n${adds}\n/eval run prompt\n`, { OPENAI_BASE_URL: fake.baseUrl }, dir);
      expect(result.code).toBe(0);
      const lines = result.stdout.split('\n');
      expect(lines[0]).toBe('The console has no forms; add a case with /eval add <input> => <expected>.');
      const start = lines.findIndex((line) =>
        /^Evaluating 21 case\(s\) through prompt, estimated cost \$[\d.]+; the report follows when it is done\.$/.test(line),
      );
      expect(start).toBeGreaterThan(0);
      expect(lines[start + 1]).toBe('Evaluating 21 case(s) through prompt: 20 of 21 answers so far.');
      expect(lines[start + 2]).toMatch(/^Evaluated 21 case\(s\) through prompt \(estimated cost \$[\d.]+ before starting\)\.$/);
      expect(result.stdout).toMatch(/^prompt · 21 cases · score 1\.00/m);
    });

    it('/usage prints the totals the server reported and the chart as text; /budget and /advise answer', async () => {
      fake.reset();
      const result = await runConsole('hello\nhello again\n/usage\n/budget set 5 warn 60\n/budget\n/advise\n', { OPENAI_BASE_URL: fake.baseUrl }, dir);
      expect(result.code).toBe(0);
      const prompt = fake.reportedUsage.reduce((sum, u) => sum + u.promptTokens, 0);
      const completion = fake.reportedUsage.reduce((sum, u) => sum + u.completionTokens, 0);
      expect(result.stdout).toMatch(
        new RegExp(`^total — requests 2 · prompt tokens ${prompt.toLocaleString('en-US')} · cached tokens 0 · completion tokens ${completion} · cost \\$`, 'm'),
      );
      expect(result.stdout).toContain('Requests and cost per day:');
      expect(result.stdout).toMatch(/^\d\d-\d\d █+ +2 req /m);
      expect(result.stdout).toContain('Monthly cap set to $5.00, with a warning at 60%.');
      expect(result.stdout).toMatch(/Admins are warned at 60%/);
      expect(result.stdout).toMatch(/^Recommendation: prompt$/m);
    });
  });
});
