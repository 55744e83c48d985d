/**
 * `npm start` with Slack credentials, as a deployment runs it (Procfile `web:`): the real entry
 * point in a child process, Slack over HTTP on PORT, the Web API at SLACK_API_URL (the fake), and
 * /healthz beside /slack/events. Stops cleanly on SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FakeSlack, shownText } from '../../helpers/fake-slack';
import { freePort, waitFor } from '../../helpers/processes';
import { SIGNING_SECRET, appMentionEvent, envelope, postCommand, postEvent } from '../../helpers/slack-requests';

const ROOT = path.resolve(__dirname, '../../..');

describe('npm start with Slack over HTTP', () => {
  let slack: FakeSlack;
  let child: ChildProcess;
  let dir: string;
  let port: number;
  let stderr = '';

  beforeAll(async () => {
    slack = await FakeSlack.start();
    dir = mkdtempSync(path.join(tmpdir(), 'channelwise-slack-e2e-'));
    port = await freePort();
    child = spawn(path.join(ROOT, 'node_modules', '.bin', 'tsx'), [path.join(ROOT, 'src', 'index.ts')], {
      cwd: dir,
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: dir,
        SLACK_BOT_TOKEN: slack.botToken,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: slack.apiUrl,
        PORT: String(port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  });
  afterAll(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await slack.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves /healthz naming the store and the model state', async () => {
    const health = await waitFor(async () => {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      return res.ok ? ((await res.json()) as Record<string, unknown>) : undefined;
    }, '/healthz');
    expect(health).toMatchObject({ status: 'ok', answersInFlight: 0, store: { kind: 'sqlite', up: true }, model: { state: 'offline' } });
    expect(health['jobs']).toMatchObject({ finetune: { active: 0 }, evaluationsRunning: 0, background: { status: 'watching' } });
  });

  it('answers a signed mention in its thread, and refuses a badly signed one', async () => {
    const ts = slack.nextTs();
    const event = appMentionEvent({ channel: 'C0E2E0001', user: 'U0PERSON1', team: slack.team, ts, text: `<@${slack.botUserId}> what time is it?` });
    const bad = await postEvent(`http://127.0.0.1:${port}/slack/events`, envelope(event, { team: slack.team, botUserId: slack.botUserId }), {
      secret: 'wrong-secret',
    });
    expect(bad.status).toBe(401);

    const good = await postEvent(`http://127.0.0.1:${port}/slack/events`, envelope(event, { team: slack.team, botUserId: slack.botUserId }));
    expect(good.status).toBe(200);
    const replies = await waitFor(async () => {
      const messages = slack.botMessages('C0E2E0001', ts).filter((m) => m.streaming !== 'in_progress');
      return messages.length > 0 && messages.some((m) => shownText(m).includes('what time is it?')) ? messages : undefined;
    }, 'the answer in the thread');
    expect(replies.map(shownText).join('\n')).toContain('Offline mode');
    slack.assertNoViolations();
  });

  it('serves /metrics in the Prometheus format: the answer, a refused command and the process figures', async () => {
    const member = 'U0MEMBER09';
    slack.addUser({ id: member, name: 'mo' });
    const refused = await postCommand(`http://127.0.0.1:${port}/slack/events`, {
      command: '/persona',
      text: 'set Be terse.',
      team: slack.team,
      channel: 'C0E2E0001',
      user: member,
      userName: 'mo',
      responseUrl: slack.newResponseUrl(),
    });
    expect(refused.status).toBe(200);
    const text = await waitFor(async () => {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      const body = await res.text();
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      return /channelwise_commands_total\{[^}]*outcome="refused"[^}]*\} 1/.test(body) ? body : undefined;
    }, 'the refused command in /metrics');
    expect(text).toMatch(/channelwise_messages_total\{platform="slack",route="prompt",outcome="offline"\} 1/);
    expect(text).toMatch(/channelwise_commands_total\{platform="slack",family="persona",outcome="refused"\} 1/);
    expect(text).toMatch(/channelwise_answer_duration_seconds_count\{platform="slack",route="prompt"\} 1/);
    expect(text).toMatch(/channelwise_answer_duration_seconds_bucket\{le="\+Inf",platform="slack",route="prompt"\} 1/);
    expect(text).toMatch(/channelwise_errors_total\{code="channelwise_not_admin"\} 1/);
    // Node's own process figures: event-loop lag, heap and GC.
    for (const series of ['nodejs_eventloop_lag_p99_seconds', 'nodejs_heap_size_used_bytes', 'process_resident_memory_bytes', 'nodejs_gc_duration_seconds']) {
      expect(text).toContain(`# TYPE ${series}`);
    }
  });

  it('stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).not.toMatch(/Error|failed/);
  });
});
