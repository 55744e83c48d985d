/**
 * A fake OpenAI-compatible server on 127.0.0.1: a real HTTP server speaking the Chat Completions
 * (streaming and not), Embeddings and Models endpoints the way the real API does. Every request is
 * recorded and its body validated against the vendor's OpenAPI spec; a body the real API would
 * refuse gets the real API's 400 *and* is kept in `violations`, so the test fails even when the code
 * under test swallows the error (call `assertNoViolations()` in afterEach).
 *
 * Fine-tuning too: `/files` (multipart upload, purpose fine-tune, each JSONL line checked against
 * the chat fine-tuning format's message schemas) and `/fine_tuning/jobs` (create, retrieve, events,
 * checkpoints, cancel); tests move a job on with `fineTuning.advance(id)`, and a succeeded job's
 * model answers chat completions in the trained style (see fake-jobs.ts).
 *
 * Behaviour is scriptable per request: reply text, delays, errors (429 with Retry-After, 5xx, 400
 * context length…), hanging, dropping the connection mid-stream.
 *
 * Standalone, for manual checks: `npx tsx test/helpers/fake-openai.ts --port 8089`, then point
 * OPENAI_BASE_URL at the printed address; it echoes the last user message.
 */
import { createHash } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeJobBook, multipartFields, type FakeJob } from './fake-jobs';
import { checkOpenAISchema, type OpenAISchemaName } from './openai-schema';
import { readBody } from './local-server';

export type FakeEndpoint = 'chat' | 'embeddings' | 'models';

export interface RecordedRequest {
  readonly method: string;
  /** Path including the `/v1` prefix, without the query string. */
  readonly path: string;
  readonly endpoint: FakeEndpoint | undefined;
  /** Header names lower-cased, as node gives them. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Parsed JSON body; undefined for GET or when the body was not JSON. */
  readonly body: unknown;
  readonly rawBody: string;
}

/** Usage the fake reported to the client, one entry per response that carried it. */
export interface ReportedUsage {
  readonly endpoint: 'chat' | 'embeddings';
  readonly model: string;
  readonly promptTokens: number;
  readonly cachedTokens: number;
  readonly completionTokens: number;
}

export interface Violation {
  readonly method: string;
  readonly path: string;
  readonly problems: readonly string[];
  readonly body: unknown;
}

/** The fields of a chat request tests usually look at (the body passed schema validation). */
export interface ChatRequestBody {
  readonly model: string;
  readonly messages: ReadonlyArray<{ readonly role: string; readonly content: unknown }>;
  readonly stream?: boolean;
  readonly stream_options?: { readonly include_usage?: boolean };
  readonly temperature?: number;
  readonly max_tokens?: number;
  readonly max_completion_tokens?: number;
  readonly [key: string]: unknown;
}

export interface FakeError {
  readonly status: number;
  readonly message?: string;
  readonly type?: string;
  readonly code?: string | null;
  readonly param?: string | null;
  /** Sent as the `Retry-After` header (seconds). */
  readonly retryAfterSeconds?: number;
}

export interface FakeBehaviour {
  /** Chat reply text; split into word-sized deltas when streamed. */
  readonly text?: string;
  /** Exact deltas to stream (overrides `text`). */
  readonly deltas?: readonly string[];
  readonly finishReason?: 'stop' | 'length' | 'content_filter';
  /** Overrides the usage the fake computes. */
  readonly usage?: { readonly promptTokens?: number; readonly cachedTokens?: number; readonly completionTokens?: number };
  /** Answer with this error instead of a result. */
  readonly error?: FakeError;
  /** Wait before the response headers (and so before the first token). */
  readonly firstTokenDelayMs?: number;
  /** Wait between streamed chunks. */
  readonly tokenDelayMs?: number;
  /**
   * `before-headers`: never answer at all. `after-first-delta`: send the headers and the first delta,
   * then go silent with the connection open.
   */
  readonly hang?: 'before-headers' | 'after-first-delta';
  /** Destroy the connection after streaming this many content deltas (no finish, no [DONE]). */
  readonly dropAfterDeltas?: number;
  /** Send no `usage` at all, as some compatible servers do (even when `include_usage` was asked for). */
  readonly omitUsage?: boolean;
}

export interface FakeOpenAIOptions {
  /** Default vector size when the request does not ask for `dimensions`. */
  readonly embeddingDimensions?: number;
  /** When set, a request for any other model gets the real API's 404 `model_not_found`. */
  readonly knownModels?: readonly string[];
  /** `shutdown_date` of models in `GET /models` (OpenAI reports it); models not named here leave it out. */
  readonly shutdownDates?: Readonly<Record<string, string | null>>;
  /** When set, requests must carry `Authorization: Bearer <apiKey>` or get a 401. */
  readonly apiKey?: string;
  /**
   * Prompt caching as OpenAI does it: a prompt whose leading messages were already sent reports
   * those tokens as `cached_tokens`, once the cached prefix reaches this many tokens (OpenAI: 1024).
   */
  readonly cacheMinTokens?: number;
  /** Cached tokens are reported in steps of this many (OpenAI: 128). */
  readonly cacheStepTokens?: number;
  /**
   * A strict server (vLLM with its strict mode, some gateways): chat request fields outside
   * `STRICT_CHAT_FIELDS` get HTTP 400 "Unrecognized request argument supplied", even fields the
   * OpenAI spec has (such as `prompt_cache_key`). Kept in `violations` like every refused body.
   */
  readonly strict?: boolean;
  readonly port?: number;
}

/** The chat request fields a strict server knows: the long-standing core of the API. */
export const STRICT_CHAT_FIELDS: readonly string[] = [
  'model',
  'messages',
  'stream',
  'stream_options',
  'temperature',
  'top_p',
  'n',
  'stop',
  'max_tokens',
  'max_completion_tokens',
  'presence_penalty',
  'frequency_penalty',
  'logit_bias',
  'logprobs',
  'top_logprobs',
  'seed',
  'user',
  'tools',
  'tool_choice',
  'response_format',
];

/** Errors shaped like the real API's. */
export const fakeErrors = {
  rateLimited: (retryAfterSeconds?: number): FakeError => ({
    status: 429,
    type: 'requests',
    code: 'rate_limit_exceeded',
    message: 'Rate limit reached for requests. Please try again later.',
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
  }),
  serverError: (status = 500): FakeError => ({
    status,
    type: 'server_error',
    code: null,
    message: 'The server had an error while processing your request. Sorry about that!',
  }),
  contextLengthExceeded: (): FakeError => ({
    status: 400,
    type: 'invalid_request_error',
    code: 'context_length_exceeded',
    param: 'messages',
    message:
      "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens. Please reduce the length of the messages.",
  }),
  invalidApiKey: (): FakeError => ({
    status: 401,
    type: 'invalid_request_error',
    code: 'invalid_api_key',
    message: 'Incorrect API key provided.',
  }),
  modelNotFound: (model: string): FakeError => ({
    status: 404,
    type: 'invalid_request_error',
    code: 'model_not_found',
    message: `The model \`${model}\` does not exist or you do not have access to it.`,
  }),
};

const ROUTES: Record<string, { method: string; endpoint: FakeEndpoint; schema?: OpenAISchemaName }> = {
  '/v1/chat/completions': { method: 'POST', endpoint: 'chat', schema: 'CreateChatCompletionRequest' },
  '/v1/embeddings': { method: 'POST', endpoint: 'embeddings', schema: 'CreateEmbeddingRequest' },
  '/v1/models': { method: 'GET', endpoint: 'models' },
};

const DEFAULT_MODELS = ['gpt-4o-mini', 'text-embedding-3-small'];

/** Deterministic stand-in for a tokenizer: about four characters a token, as OpenAI's rule of thumb. */
export function fakeTokenCount(text: string): number {
  return Math.ceil(text.length / 4);
}

function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((part: unknown) => (typeof part === 'object' && part !== null && 'text' in part ? String(part.text) : '')).join('');
  }
  return '';
}

/** The default reply: `You said: <last user message>`. */
export function echoLastUserMessage(body: ChatRequestBody): string {
  const lastUser = [...body.messages].reverse().find((message) => message.role === 'user');
  return `You said: ${messageText(lastUser?.content)}`;
}

/** Splits text into word-sized deltas that join back to exactly the text. */
export function splitIntoDeltas(text: string): string[] {
  return text.match(/\s*\S+|\s+/g) ?? [];
}

/** Hashed bag of words, L2-normalised: texts sharing words get similar vectors. */
export function fakeEmbedding(input: string | readonly number[], dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  const words = typeof input === 'string' ? (input.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) : input.map(String);
  for (const word of words) {
    const hash = createHash('sha1').update(word).digest();
    const index = hash.readUInt32BE(0) % dimensions;
    vector[index] = (vector[index] ?? 0) + 1;
  }
  const norm = Math.hypot(...vector);
  if (norm === 0) {
    vector[0] = 1; // a text without words still gets a unit vector, as the real API returns one
    return vector;
  }
  return vector.map((value) => value / norm);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class FakeOpenAI {
  readonly requests: RecordedRequest[] = [];
  readonly violations: Violation[] = [];
  /** Every usage figure sent back, so tests can compare what the bot recorded with what it was told. */
  readonly reportedUsage: ReportedUsage[] = [];
  /** Reply for chat requests with nothing queued; `reset()` restores the echo. */
  chatReply: (body: ChatRequestBody) => FakeBehaviour | string = echoLastUserMessage;
  /** Uploaded files and fine-tuning jobs; `fineTuning.advance(jobId)` moves a job on. */
  readonly fineTuning = new FakeJobBook({ file: 'file-', job: 'ftjob-' }, (job) => `ft:${job.model}:channelwise:${job.suffix ?? 'model'}:${job.id.slice(-6)}`);

  private readonly queues: Record<FakeEndpoint, FakeBehaviour[]> = { chat: [], embeddings: [], models: [] };
  private readonly seenPrefixes = new Set<string>();
  private completionCounter = 0;
  private closed = false;

  private constructor(
    private readonly server: http.Server,
    private readonly options: FakeOpenAIOptions,
  ) {}

  static async start(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
    let fake: FakeOpenAI | undefined;
    const server = http.createServer((req, res) => {
      fake?.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { error: { message: String(err), type: 'server_error', param: null, code: null } });
        else res.destroy();
      });
    });
    fake = new FakeOpenAI(server, options);
    // Compile the validators now (about a second), not inside the first request's client timeout.
    for (const route of Object.values(ROUTES)) if (route.schema) checkOpenAISchema(route.schema, {}, { closed: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', resolve);
    });
    return fake;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** What OPENAI_BASE_URL should be: it includes `/v1`, as the SDK expects. */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  /** Behaviours used, in order, by the next requests to `endpoint`; then the default applies again. */
  enqueue(endpoint: FakeEndpoint, ...behaviours: FakeBehaviour[]): void {
    this.queues[endpoint].push(...behaviours);
  }

  requestsTo(endpoint: FakeEndpoint): RecordedRequest[] {
    return this.requests.filter((request) => request.endpoint === endpoint);
  }

  /** Bodies of the chat requests received so far. */
  chatBodies(): ChatRequestBody[] {
    return this.requestsTo('chat').map((request) => request.body as ChatRequestBody);
  }

  /** Returns the violations so far and forgets them (for tests that send bad bodies on purpose). */
  takeViolations(): Violation[] {
    return this.violations.splice(0, this.violations.length);
  }

  assertNoViolations(): void {
    if (this.violations.length === 0) return;
    const lines = this.violations.map((v) => `${v.method} ${v.path}:\n  ${v.problems.join('\n  ')}`);
    throw new Error(`The fake OpenAI server received requests the real API would refuse:\n${lines.join('\n')}`);
  }

  reset(): void {
    this.requests.length = 0;
    this.violations.length = 0;
    this.reportedUsage.length = 0;
    for (const queue of Object.values(this.queues)) queue.length = 0;
    this.seenPrefixes.clear();
    this.chatReply = echoLastUserMessage;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const done = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections(); // hanging responses would otherwise keep close() waiting
    await done;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawBody = await readBody(req);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route = ROUTES[path];
    const method = req.method ?? 'GET';
    if (path === '/v1/files' || path.startsWith('/v1/fine_tuning/')) {
      await this.handleFineTuning(req, res, method, path, rawBody);
      return;
    }
    let body: unknown;
    const problems: string[] = [];

    if (rawBody.length > 0) {
      try {
        body = JSON.parse(rawBody);
      } catch {
        problems.push('body is not valid JSON');
      }
    }
    this.requests.push({ method, path, endpoint: route?.endpoint, headers: { ...req.headers }, body, rawBody });

    if (!route || route.method !== method) {
      this.violations.push({ method, path, problems: ['no such endpoint in the fake (or the real API)'], body });
      sendError(res, { status: 404, type: 'invalid_request_error', message: `Invalid URL (${method} ${path})` });
      return;
    }
    if (this.options.apiKey !== undefined && req.headers.authorization !== `Bearer ${this.options.apiKey}`) {
      sendError(res, fakeErrors.invalidApiKey());
      return;
    }
    if (route.schema) {
      if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) problems.push('content-type is not application/json');
      if (body !== undefined) problems.push(...this.checkBody(route.schema, body));
      else if (problems.length === 0) problems.push('missing JSON body');
    }
    if (problems.length > 0) {
      this.violations.push({ method, path, problems, body });
      sendError(res, { status: 400, type: 'invalid_request_error', message: `Invalid request: ${problems.join('; ')}` });
      return;
    }

    const model = (body as { model?: unknown } | undefined)?.model;
    const queued = this.queues[route.endpoint].shift();
    let behaviour: FakeBehaviour = queued ?? {};
    const fineTuned = typeof model === 'string' && this.fineTuning.isFineTuned(model);
    if (!queued && route.endpoint === 'chat') {
      const lastUser = messageText([...(body as ChatRequestBody).messages].reverse().find((m) => m.role === 'user')?.content);
      const reply = fineTuned ? (this.fineTuning.fineTunedAnswer(model, lastUser) ?? '') : this.chatReply(body as ChatRequestBody);
      behaviour = typeof reply === 'string' ? { text: reply } : reply;
    }
    if (!behaviour.error && !fineTuned && typeof model === 'string' && this.options.knownModels && !this.options.knownModels.includes(model)) {
      behaviour = { error: fakeErrors.modelNotFound(model) };
    }

    if (behaviour.hang === 'before-headers') return; // the client's timeout has to end this
    if (behaviour.firstTokenDelayMs) await sleep(behaviour.firstTokenDelayMs);
    if (behaviour.error) {
      sendError(res, behaviour.error);
      return;
    }
    switch (route.endpoint) {
      case 'chat':
        await this.answerChat(res, body as ChatRequestBody, behaviour);
        return;
      case 'embeddings': {
        const response = this.embeddingResponse(body as EmbeddingRequestBody);
        if (!behaviour.omitUsage) {
          this.reportedUsage.push({
            endpoint: 'embeddings',
            model: response.model,
            promptTokens: response.usage.prompt_tokens,
            cachedTokens: 0,
            completionTokens: 0,
          });
        }
        sendJson(res, 200, behaviour.omitUsage ? { ...response, usage: undefined } : response);
        return;
      }
      case 'models':
        sendJson(res, 200, {
          object: 'list',
          data: (this.options.knownModels ?? DEFAULT_MODELS).map((id) => ({
            id,
            object: 'model',
            created: 1700000000,
            owned_by: 'system',
            ...(this.options.shutdownDates && id in this.options.shutdownDates ? { shutdown_date: this.options.shutdownDates[id] } : {}),
          })),
        });
        return;
    }
  }

  /** `/files` and `/fine_tuning/jobs…`, each request and response checked against the spec. */
  private async handleFineTuning(req: IncomingMessage, res: ServerResponse, method: string, path: string, rawBody: string): Promise<void> {
    const contentType = req.headers['content-type'] ?? '';
    let body: unknown;
    const problems: string[] = [];
    if (rawBody && /^application\/json\b/.test(contentType)) {
      try {
        body = JSON.parse(rawBody);
      } catch {
        problems.push('body is not valid JSON');
      }
    }
    this.requests.push({ method, path, endpoint: undefined, headers: { ...req.headers }, body, rawBody });
    const refuse = (status: number, list: string[]) => {
      this.violations.push({ method, path, problems: list, body });
      sendError(res, { status, type: 'invalid_request_error', message: `Invalid request: ${list.join('; ')}` });
    };
    if (this.options.apiKey !== undefined && req.headers.authorization !== `Bearer ${this.options.apiKey}`) {
      sendError(res, fakeErrors.invalidApiKey());
      return;
    }
    const answer = (schema: OpenAISchemaName, value: unknown) => {
      const check = checkOpenAISchema(schema, value);
      if (!check.valid) this.violations.push({ method, path, problems: [`the fake's own ${schema} is off the spec: ${check.errors.join('; ')}`], body: value });
      sendJson(res, 200, value);
    };
    if (path === '/v1/files' && method === 'POST') {
      if (!/^multipart\/form-data\b/.test(contentType)) return refuse(400, ['content-type is not multipart/form-data']);
      const fields = await multipartFields(Buffer.from(rawBody, 'utf8'), contentType);
      const file = fields.get('file');
      const purpose = fields.get('purpose')?.value;
      const shape: Record<string, unknown> = {};
      for (const [name, field] of fields) shape[name] = field.value;
      problems.push(...checkOpenAISchema('CreateFileRequest', shape, { closed: true }).errors);
      if (!file?.fileName) problems.push('file: must be a file part with a filename');
      if (purpose === 'fine-tune' && file) problems.push(...checkChatTrainingFile(file.value));
      if (problems.length) return refuse(400, problems);
      const stored = this.fineTuning.addFile(file?.fileName ?? 'file', purpose ?? '', file?.value ?? '');
      answer('OpenAIFile', {
        id: stored.id,
        object: 'file',
        bytes: Buffer.byteLength(stored.content),
        created_at: stored.createdAt,
        filename: stored.name,
        purpose: stored.purpose,
        status: 'processed',
      });
      return;
    }
    if (path === '/v1/fine_tuning/jobs' && method === 'POST') {
      if (body === undefined) problems.push('missing JSON body');
      else problems.push(...checkOpenAISchema('CreateFineTuningJobRequest', body, { closed: true }).errors);
      const request = (body ?? {}) as {
        model?: string;
        training_file?: string;
        suffix?: string;
        metadata?: Record<string, string>;
        method?: { supervised?: { hyperparameters?: { n_epochs?: unknown } } };
      };
      const file = request.training_file ? this.fineTuning.files.get(request.training_file) : undefined;
      if (problems.length === 0 && file?.purpose !== 'fine-tune')
        problems.push(`training_file: no file ${String(request.training_file)} uploaded with purpose fine-tune`);
      if (problems.length) return refuse(400, problems);
      const epochs = request.method?.supervised?.hyperparameters?.n_epochs;
      const job = this.fineTuning.create({
        model: request.model ?? '',
        trainingFile: request.training_file ?? '',
        suffix: request.suffix,
        epochs: typeof epochs === 'number' ? epochs : undefined,
        metadata: request.metadata,
      });
      answer('FineTuningJob', openAIJob(job));
      return;
    }
    const match = /^\/v1\/fine_tuning\/jobs\/([^/]+)(?:\/(events|checkpoints|cancel))?$/.exec(path);
    const job = match ? this.fineTuning.jobs.get(decodeURIComponent(match[1] ?? '')) : undefined;
    const action = match?.[2];
    if (!match || (action === 'cancel' ? method !== 'POST' : method !== 'GET')) return refuse(404, ['no such endpoint in the fake (or the real API)']);
    if (!job) {
      sendError(res, { status: 404, type: 'invalid_request_error', code: 'fine_tune_not_found', message: `Could not find fine-tune job: ${match[1] ?? ''}` });
      return;
    }
    if (action === undefined) {
      answer('FineTuningJob', await this.fineTuning.retrieve(job.id, () => openAIJob(job)));
    } else if (action === 'events') {
      const data = [...job.events]
        .reverse()
        .map((e) => ({ object: 'fine_tuning.job.event', id: e.id, created_at: e.at, level: e.level, message: e.message, type: 'message', data: {} }));
      answer('ListFineTuningJobEventsResponse', { object: 'list', data, has_more: false });
    } else if (action === 'checkpoints') {
      const data =
        job.phase === 'succeeded' || job.phase === 'running'
          ? [1, 2]
              .map((n) => ({
                object: 'fine_tuning.job.checkpoint',
                id: `ftckpt-${job.id}-${n}`,
                created_at: job.createdAt,
                fine_tuned_model_checkpoint: `${job.fineTunedModel ?? `ft:${job.model}:channelwise:ckpt`}:ckpt-step-${n * 10}`,
                fine_tuning_job_id: job.id,
                step_number: n * 10,
                metrics: {
                  step: n * 10,
                  train_loss: 1 / (n + 1),
                  train_mean_token_accuracy: 0.5,
                  valid_loss: 1.2 / (n + 1),
                  valid_mean_token_accuracy: 0.5,
                  full_valid_loss: 1.2 / (n + 1),
                  full_valid_mean_token_accuracy: 0.5,
                },
              }))
              .reverse()
          : [];
      answer('ListFineTuningJobCheckpointsResponse', {
        object: 'list',
        data,
        has_more: false,
        first_id: data[0]?.id ?? null,
        last_id: data.at(-1)?.id ?? null,
      });
    } else {
      const cancelled = this.fineTuning.cancel(job.id) ?? job;
      answer('FineTuningJob', openAIJob(cancelled));
    }
  }

  /** Spec validation plus the rules the real API enforces beyond the schema. */
  private checkBody(schema: OpenAISchemaName, body: unknown): string[] {
    // Closed: the real API refuses arguments it does not know ("Unrecognized request argument").
    const problems = checkOpenAISchema(schema, body, { closed: true }).errors;
    if (problems.length > 0) return problems;
    if (schema === 'CreateEmbeddingRequest') {
      const input = (body as EmbeddingRequestBody).input;
      if (input === '' || (Array.isArray(input) && input.some((item) => item === ''))) {
        problems.push("/input: '$.input' is invalid (the real API refuses empty strings)");
      }
    }
    if (schema === 'CreateChatCompletionRequest') {
      const chat = body as ChatRequestBody;
      if (this.options.strict) {
        for (const field of Object.keys(chat)) {
          if (!STRICT_CHAT_FIELDS.includes(field)) problems.push(`Unrecognized request argument supplied: ${field}`);
        }
      }
      if (chat.stream_options !== undefined && chat.stream !== true) {
        problems.push("stream_options: The 'stream_options' parameter is only allowed when 'stream' is enabled.");
      }
      if (chat.max_tokens !== undefined && chat.max_completion_tokens !== undefined) {
        problems.push('max_tokens and max_completion_tokens: only one of them may be set');
      }
    }
    return problems;
  }

  private async answerChat(res: ServerResponse, body: ChatRequestBody, behaviour: FakeBehaviour): Promise<void> {
    const deltas = behaviour.deltas ? [...behaviour.deltas] : splitIntoDeltas(behaviour.text ?? '');
    const usage = this.usageFor(body, deltas, behaviour);
    const base = {
      id: `chatcmpl-fake${++this.completionCounter}`,
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      service_tier: 'default',
      system_fingerprint: 'fp_fake',
    };
    const finishReason = behaviour.finishReason ?? 'stop';

    const report = () =>
      this.reportedUsage.push({
        endpoint: 'chat',
        model: body.model,
        promptTokens: usage.prompt_tokens,
        cachedTokens: usage.prompt_tokens_details.cached_tokens,
        completionTokens: usage.completion_tokens,
      });
    if (body.stream !== true) {
      if (!behaviour.omitUsage) report();
      sendJson(res, 200, {
        ...base,
        object: 'chat.completion',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: deltas.join(''), refusal: null, annotations: [] },
            logprobs: null,
            finish_reason: finishReason,
          },
        ],
        ...(behaviour.omitUsage ? {} : { usage }),
      });
      return;
    }

    const includeUsage = body.stream_options?.include_usage === true && !behaviour.omitUsage;
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({
      ...base,
      object: 'chat.completion.chunk',
      choices,
      ...(includeUsage ? { usage: null } : {}),
      ...extra,
    });
    const choice = (delta: Record<string, unknown>, finish: string | null = null) => ({
      index: 0,
      delta,
      logprobs: null,
      finish_reason: finish,
    });

    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...responseHeaders() });
    let open = true;
    res.on('close', () => (open = false));
    // Each event is flushed before the next step, so a drop or a hang happens *after* it was sent.
    const send = (data: unknown) =>
      new Promise<void>((resolve) => {
        if (!open) return resolve();
        res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`, () => resolve());
      });

    await send(chunk([choice({ role: 'assistant', content: '', refusal: null })]));
    for (const [index, text] of deltas.entries()) {
      if (behaviour.dropAfterDeltas !== undefined && index >= behaviour.dropAfterDeltas) {
        res.destroy(); // connection lost mid-answer: no finish_reason, no [DONE]
        return;
      }
      if (index > 0 && behaviour.tokenDelayMs) await sleep(behaviour.tokenDelayMs);
      if (!open) return;
      await send(chunk([choice({ content: text })]));
      if (index === 0 && behaviour.hang === 'after-first-delta') return; // silence, connection open
    }
    if (behaviour.tokenDelayMs) await sleep(behaviour.tokenDelayMs);
    await send(chunk([choice({}, finishReason)]));
    if (includeUsage) {
      report();
      await send(chunk([], { usage }));
    }
    await send('[DONE]');
    if (open) res.end();
  }

  private usageFor(body: ChatRequestBody, deltas: readonly string[], behaviour: FakeBehaviour) {
    const promptTokens = behaviour.usage?.promptTokens ?? this.promptTokens(body.messages);
    const cachedTokens = behaviour.usage?.cachedTokens ?? this.cachedTokens(body);
    const completionTokens = behaviour.usage?.completionTokens ?? deltas.length;
    return {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      prompt_tokens_details: { cached_tokens: cachedTokens, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    };
  }

  private promptTokens(messages: ChatRequestBody['messages']): number {
    // Each message costs a few tokens of framing on top of its content, as with the real API.
    return messages.reduce((sum, message) => sum + 4 + fakeTokenCount(messageText(message.content)), 3);
  }

  /**
   * Tokens of the longest leading run of messages already seen with this model and the same
   * `prompt_cache_key` (requests with different keys are routed apart, as OpenAI does), reported
   * once they reach `cacheMinTokens` and in steps of `cacheStepTokens`, as OpenAI reports them.
   */
  private cachedTokens(body: ChatRequestBody): number {
    const cacheKey = typeof body.prompt_cache_key === 'string' ? body.prompt_cache_key : '';
    const keys = body.messages.map((_, i) =>
      createHash('sha256')
        .update(body.model)
        .update('\u0000')
        .update(cacheKey)
        .update('\u0000')
        .update(JSON.stringify(body.messages.slice(0, i + 1)))
        .digest('hex'),
    );
    let cachedCount = 0;
    keys.forEach((key, i) => {
      if (this.seenPrefixes.has(key)) cachedCount = i + 1;
    });
    for (const key of keys) this.seenPrefixes.add(key);
    const shared = cachedCount === 0 ? 0 : this.promptTokens(body.messages.slice(0, cachedCount));
    const step = this.options.cacheStepTokens ?? 128;
    const cached = Math.floor(shared / step) * step;
    return cached >= (this.options.cacheMinTokens ?? 1024) && cached > 0 ? cached : 0;
  }

  private embeddingResponse(body: EmbeddingRequestBody) {
    const inputs: Array<string | number[]> =
      typeof body.input === 'string'
        ? [body.input]
        : body.input.every((item) => typeof item === 'number')
          ? [body.input as number[]]
          : (body.input as Array<string | number[]>);
    const dimensions = body.dimensions ?? this.options.embeddingDimensions ?? 64;
    const tokens = inputs.reduce<number>((sum, input) => sum + (typeof input === 'string' ? fakeTokenCount(input) : input.length), 0);
    return {
      object: 'list',
      model: body.model,
      data: inputs.map((input, index) => {
        const vector = fakeEmbedding(input, dimensions);
        return {
          object: 'embedding',
          index,
          // The SDK asks for base64 unless told otherwise: little-endian float32, as the real API.
          embedding: body.encoding_format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector,
        };
      }),
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    };
  }
}

const OPENAI_STATUS: Record<FakeJob['phase'], string> = {
  validating: 'validating_files',
  queued: 'queued',
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
};

function openAIJob(job: FakeJob) {
  const finished = job.phase === 'succeeded' || job.phase === 'failed' || job.phase === 'cancelled';
  return {
    object: 'fine_tuning.job',
    id: job.id,
    model: job.model,
    created_at: job.createdAt,
    finished_at: finished ? job.createdAt + 60 : null,
    fine_tuned_model: job.fineTunedModel ?? null,
    organization_id: 'org-fake',
    result_files: [],
    status: OPENAI_STATUS[job.phase],
    validation_file: null,
    training_file: job.trainingFile,
    hyperparameters: { n_epochs: job.epochs ?? 'auto', batch_size: 'auto', learning_rate_multiplier: 'auto' },
    trained_tokens: job.phase === 'succeeded' ? 1000 : null,
    error: job.phase === 'failed' ? { code: 'invalid_training_file', message: job.error ?? 'failed', param: 'training_file' } : null,
    seed: 42,
    estimated_finish: null,
    integrations: null,
    method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: job.epochs ?? 'auto', batch_size: 'auto', learning_rate_multiplier: 'auto' } } },
    metadata: job.metadata ?? null,
    user_provided_suffix: job.suffix ?? null,
  };
}

/**
 * Each line of a chat training file: `{"messages":[…]}` with system and user turns and at least one
 * assistant turn, every message valid by the spec's schema for its role (the real API rejects the
 * file at validation otherwise; here the upload is refused, so the test sees it at once).
 */
export function checkChatTrainingFile(content: string): string[] {
  const problems: string[] = [];
  const schemaOf: Record<string, OpenAISchemaName> = {
    system: 'ChatCompletionRequestSystemMessage',
    user: 'ChatCompletionRequestUserMessage',
    assistant: 'FineTuneChatCompletionRequestAssistantMessage',
  };
  const lines = content.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines.length === 0) problems.push('training file: empty');
  lines.forEach((line, i) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      problems.push(`line ${i + 1}: not JSON`);
      return;
    }
    const keys = typeof parsed === 'object' && parsed !== null ? Object.keys(parsed) : [];
    const messages = (parsed as { messages?: unknown }).messages;
    if (!Array.isArray(messages) || keys.some((k) => k !== 'messages' && k !== 'tools' && k !== 'parallel_tool_calls')) {
      problems.push(`line ${i + 1}: expected {"messages": [...]}`);
      return;
    }
    if (!messages.some((m: { role?: unknown }) => m.role === 'assistant')) problems.push(`line ${i + 1}: no assistant message`);
    messages.forEach((m: { role?: unknown; content?: unknown }, j) => {
      const schema = typeof m.role === 'string' ? schemaOf[m.role] : undefined;
      if (!schema) return problems.push(`line ${i + 1} message ${j + 1}: role ${String(m.role)} is not one of system, user, assistant`);
      for (const error of checkOpenAISchema(schema, m, { closed: true }).errors) problems.push(`line ${i + 1} message ${j + 1}: ${error}`);
      if (typeof m.content === 'string' && m.content.trim() === '') problems.push(`line ${i + 1} message ${j + 1}: empty content`);
      return undefined;
    });
  });
  return problems;
}

interface EmbeddingRequestBody {
  readonly model: string;
  readonly input: string | ReadonlyArray<string | number | number[]>;
  readonly dimensions?: number;
  readonly encoding_format?: 'float' | 'base64';
}

let requestCounter = 0;
function responseHeaders(): Record<string, string> {
  return { 'x-request-id': `req_fake${++requestCounter}`, 'openai-processing-ms': '1', 'openai-version': '2020-10-01' };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...responseHeaders(), ...headers });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, error: FakeError): void {
  const headers: Record<string, string> = {};
  if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
  sendJson(
    res,
    error.status,
    {
      error: {
        message: error.message ?? `Error ${error.status}`,
        type: error.type ?? (error.status >= 500 ? 'server_error' : 'invalid_request_error'),
        param: error.param ?? null,
        code: error.code ?? null,
      },
    },
    headers,
  );
}

async function main(argv: readonly string[]): Promise<void> {
  const portIndex = argv.indexOf('--port');
  const port = portIndex >= 0 ? Number(argv[portIndex + 1]) : 8089;
  const fake = await FakeOpenAI.start({ port, cacheMinTokens: 0 });
  fake.chatReply = (body) => ({ text: echoLastUserMessage(body), tokenDelayMs: 50 }); // visibly streams
  console.log(`fake OpenAI listening: OPENAI_BASE_URL=${fake.baseUrl}`);
  setInterval(() => {
    for (const violation of fake.takeViolations()) console.error('VIOLATION', violation.method, violation.path, violation.problems);
  }, 500);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
