/**
 * A strict fake of Together AI's API on 127.0.0.1, written from Together AI's published API
 * reference (not from a client library): `POST /v1/files/upload` (multipart: file, file_name,
 * purpose=fine-tune), `POST /v1/fine-tunes` (JSON: training_file and model required; other fields
 * only those the reference lists), `GET /v1/fine-tunes/{id}`, `GET /v1/fine-tunes/{id}/events`,
 * `POST /v1/fine-tunes/{id}/cancel`, and `POST /v1/chat/completions` (OpenAI-compatible, streamed)
 * for the fine-tuned models it produced. Requests need `Authorization: Bearer <apiKey>`. Anything
 * else is refused with a 4xx *and* kept in `violations` (call `assertNoViolations()` in afterEach).
 * Jobs move on under test control: `jobs.advance(id)` (see fake-jobs.ts).
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeJobBook, multipartFields, type FakeJob } from './fake-jobs';
import { checkChatTrainingFile, splitIntoDeltas } from './fake-openai';
import { readBody } from './local-server';

/** The create request's fields in the reference. */
const CREATE_FIELDS = new Set([
  'training_file',
  'validation_file',
  'model',
  'n_epochs',
  'n_checkpoints',
  'n_evals',
  'batch_size',
  'learning_rate',
  'lr_scheduler',
  'warmup_ratio',
  'max_grad_norm',
  'weight_decay',
  'suffix',
  'wandb_api_key',
  'wandb_base_url',
  'wandb_project_name',
  'wandb_name',
  'train_on_inputs',
  'training_method',
  'training_type',
  'from_checkpoint',
  'from_hf_model',
  'hf_model_revision',
  'hf_api_token',
  'hf_output_repo_name',
]);

const TOGETHER_STATUS: Record<FakeJob['phase'], string> = {
  validating: 'pending',
  queued: 'queued',
  running: 'running',
  succeeded: 'completed',
  failed: 'error',
  cancelled: 'cancelled',
};

export interface TogetherRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: unknown;
}

export class FakeTogether {
  readonly requests: TogetherRequest[] = [];
  readonly violations: Array<{ readonly method: string; readonly path: string; readonly problems: readonly string[] }> = [];
  readonly jobs = new FakeJobBook(
    { file: 'file-', job: 'ft-' },
    (job) => `fake-account/${job.model.split('/').pop() ?? job.model}-${job.suffix ?? 'ft'}-${job.id.slice(-6)}`,
  );

  private constructor(
    private readonly server: http.Server,
    readonly apiKey: string,
  ) {}

  static async start(apiKey = 'together-test-key'): Promise<FakeTogether> {
    let fake: FakeTogether | undefined;
    const server = http.createServer((req, res) => {
      fake?.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) send(res, 500, { error: { message: String(err) } });
        else res.destroy();
      });
    });
    fake = new FakeTogether(server, apiKey);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  /** What FINETUNE_BASE_URL should be (includes `/v1`). */
  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  chatBodies(): Array<{ model: string; messages: Array<{ role: string; content: string }> }> {
    return this.requests
      .filter((r) => r.path === '/v1/chat/completions')
      .map((r) => r.body as { model: string; messages: Array<{ role: string; content: string }> });
  }

  assertNoViolations(): void {
    if (this.violations.length === 0) return;
    throw new Error(
      `The fake Together API received requests the real API would refuse:\n${this.violations.map((v) => `${v.method} ${v.path}: ${v.problems.join('; ')}`).join('\n')}`,
    );
  }

  async close(): Promise<void> {
    const done = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await done;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawBody = await readBody(req);
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const contentType = req.headers['content-type'] ?? '';
    let body: unknown;
    if (rawBody && /^application\/json\b/.test(contentType)) body = JSON.parse(rawBody);
    this.requests.push({ method, path, headers: { ...req.headers }, body });
    const refuse = (status: number, problems: string[]) => {
      this.violations.push({ method, path, problems });
      send(res, status, { error: { message: problems.join('; '), type: 'invalid_request_error' } });
    };
    if (req.headers.authorization !== `Bearer ${this.apiKey}`) {
      send(res, 401, { error: { message: 'Invalid API key provided', type: 'invalid_request_error' } });
      return;
    }

    if (path === '/v1/files/upload' && method === 'POST') {
      if (!/^multipart\/form-data\b/.test(contentType)) return refuse(400, ['content-type is not multipart/form-data']);
      const fields = await multipartFields(Buffer.from(rawBody, 'utf8'), contentType);
      const problems: string[] = [];
      for (const name of fields.keys()) if (!['file', 'file_name', 'purpose', 'file_type'].includes(name)) problems.push(`unknown field ${name}`);
      const file = fields.get('file');
      if (!file?.fileName) problems.push('file: required, as a file part');
      if (!fields.get('file_name')?.value) problems.push('file_name: required');
      if (fields.get('purpose')?.value !== 'fine-tune') problems.push('purpose: must be fine-tune');
      if (file) problems.push(...checkChatTrainingFile(file.value));
      if (problems.length) return refuse(400, problems);
      const stored = this.jobs.addFile(fields.get('file_name')?.value ?? '', 'fine-tune', file?.value ?? '');
      send(res, 200, {
        id: stored.id,
        object: 'file',
        created_at: stored.createdAt,
        filename: stored.name,
        bytes: Buffer.byteLength(stored.content),
        purpose: 'fine-tune',
        FileType: 'jsonl',
        Processed: true,
        LineCount: stored.content.split('\n').filter(Boolean).length,
      });
      return;
    }
    if (path === '/v1/fine-tunes' && method === 'POST') {
      const request = (body ?? {}) as Record<string, unknown>;
      const problems = Object.keys(request)
        .filter((k) => !CREATE_FIELDS.has(k))
        .map((k) => `unknown field ${k}`);
      if (typeof request['training_file'] !== 'string' || !this.jobs.files.has(request['training_file']))
        problems.push('training_file: required, an uploaded file id');
      if (typeof request['model'] !== 'string' || !request['model']) problems.push('model: required');
      if (request['n_epochs'] !== undefined && (!Number.isInteger(request['n_epochs']) || (request['n_epochs'] as number) < 1))
        problems.push('n_epochs: a whole number from 1');
      if (request['suffix'] !== undefined && (typeof request['suffix'] !== 'string' || request['suffix'].length > 64))
        problems.push('suffix: a string of at most 64 characters');
      if (problems.length) return refuse(400, problems);
      const job = this.jobs.create({
        model: request['model'] as string,
        trainingFile: request['training_file'] as string,
        suffix: request['suffix'] as string | undefined,
        epochs: request['n_epochs'] as number | undefined,
        metadata: undefined,
      });
      send(res, 200, togetherJob(job));
      return;
    }
    const match = /^\/v1\/fine-tunes\/([^/]+)(?:\/(events|cancel))?$/.exec(path);
    if (match) {
      const job = this.jobs.jobs.get(decodeURIComponent(match[1] ?? ''));
      const action = match[2];
      if (action === 'cancel' ? method !== 'POST' : method !== 'GET') return refuse(404, [`no ${method} ${path} in the reference`]);
      if (!job) return void send(res, 404, { error: { message: `Fine-tune job ${match[1] ?? ''} not found` } });
      if (action === 'events') {
        send(res, 200, {
          data: job.events.map((e) => ({
            object: 'fine-tune-event',
            created_at: new Date(e.at * 1000).toISOString(),
            level: e.level,
            message: e.message,
            type: e.level === 'error' ? 'job_error' : 'job_start',
            param_count: 0,
            token_count: 0,
            wandb_url: '',
            hash: e.id,
          })),
        });
      } else if (action === 'cancel') {
        send(res, 200, togetherJob(this.jobs.cancel(job.id) ?? job));
      } else {
        send(res, 200, await this.jobs.retrieve(job.id, () => togetherJob(job)));
      }
      return;
    }
    if (path === '/v1/chat/completions' && method === 'POST') {
      const chat = (body ?? {}) as { model?: string; messages?: Array<{ role: string; content: string }>; stream?: boolean };
      if (!chat.model || !this.jobs.isFineTuned(chat.model))
        return void send(res, 404, {
          error: { message: `Unable to access model ${String(chat.model)}`, type: 'invalid_request_error', code: 'model_not_available' },
        });
      const lastUser = [...(chat.messages ?? [])].reverse().find((m) => m.role === 'user')?.content ?? '';
      const text = this.jobs.fineTunedAnswer(chat.model, lastUser) ?? '';
      streamChat(res, chat.model, text, chat.stream === true);
      return;
    }
    refuse(404, [`no ${method} ${path} in the reference`]);
  }
}

function togetherJob(job: FakeJob) {
  return {
    id: job.id,
    status: TOGETHER_STATUS[job.phase],
    model: job.model,
    model_output_name: job.fineTunedModel ?? null,
    training_file: job.trainingFile,
    n_epochs: job.epochs ?? 1,
    suffix: job.suffix ?? null,
    created_at: new Date(job.createdAt * 1000).toISOString(),
    updated_at: new Date().toISOString(),
    events: job.events.map((e) => ({ object: 'fine-tune-event', created_at: new Date(e.at * 1000).toISOString(), level: e.level, message: e.message })),
  };
}

/** An OpenAI-compatible answer, streamed as Together streams it (SSE chunks, a usage chunk, [DONE]). */
function streamChat(res: ServerResponse, model: string, text: string, stream: boolean): void {
  const usage = { prompt_tokens: 10, completion_tokens: splitIntoDeltas(text).length, total_tokens: 10 + splitIntoDeltas(text).length };
  const base = { id: `chat-${Date.now()}`, created: Math.floor(Date.now() / 1000), model };
  if (!stream) {
    send(res, 200, {
      ...base,
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
      usage,
    });
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const chunk = (delta: object, finish: string | null) => ({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] });
  res.write(`data: ${JSON.stringify(chunk({ role: 'assistant', content: '' }, null))}\n\n`);
  for (const part of splitIntoDeltas(text)) res.write(`data: ${JSON.stringify(chunk({ content: part }, null))}\n\n`);
  res.write(`data: ${JSON.stringify(chunk({}, 'stop'))}\n\n`);
  res.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [], usage })}\n\n`);
  res.end('data: [DONE]\n\n');
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
