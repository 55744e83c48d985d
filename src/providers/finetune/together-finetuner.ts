/**
 * `FINETUNE_PROVIDER=together`: Together AI's `/files` + `/fine-tunes` API, with fetch. Written from
 * Together AI's published API reference (files/upload multipart; fine-tunes create, retrieve,
 * events, cancel), not from a client library: the shapes below are the ones the reference gives.
 * The fine-tuned model (`model_output_name`) is then served by Together's OpenAI-compatible chat
 * completions, which the `finetune` route calls through FINETUNE_BASE_URL.
 */
import type { FineTuneCheckpoint, FineTuneEvent, FineTuneJobState, FineTuner, FineTuneRequest, FineTuneStatus } from '../../core/ports';
import { FINETUNE_UNAVAILABLE, refused } from './errors';
import { ErrorCode, UserError } from '../../core/errors';

/** Together's job statuses (the reference's FinetuneJobStatus enum). */
const STATUSES: Readonly<Record<string, FineTuneStatus>> = {
  pending: 'validating',
  queued: 'queued',
  running: 'running',
  compressing: 'running',
  uploading: 'running',
  cancel_requested: 'running',
  cancelled: 'cancelled',
  error: 'failed',
  user_error: 'failed',
  completed: 'succeeded',
};

interface TogetherJob {
  readonly id: string;
  readonly status: string;
  readonly model_output_name?: string | null;
  readonly output_name?: string | null;
  readonly events?: ReadonlyArray<TogetherEvent>;
}

interface TogetherEvent {
  readonly created_at: string;
  readonly message: string;
  readonly level?: string | null;
  readonly type?: string;
}

export interface TogetherOptions {
  /** Includes `/v1`. */
  readonly baseUrl: string;
  readonly apiKey?: string;
  readonly timeoutMs: number;
}

export const TOGETHER_DEFAULT_BASE_URL = 'https://api.together.xyz/v1';

function stateOf(job: TogetherJob): FineTuneJobState {
  const status = STATUSES[job.status] ?? 'unknown';
  const model = job.model_output_name ?? job.output_name;
  const lastError = status === 'failed' ? [...(job.events ?? [])].reverse().find((e) => e.level === 'error')?.message : undefined;
  return {
    id: job.id,
    status,
    providerStatus: job.status,
    ...(model && status === 'succeeded' ? { fineTunedModel: model } : {}),
    ...(status === 'failed' ? { error: lastError ?? `the job ended in status ${job.status}` } : {}),
  };
}

export class TogetherFineTuner implements FineTuner {
  readonly provider = 'together';
  private readonly base: string;

  constructor(private readonly options: TogetherOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
  }

  private async request<T>(method: 'GET' | 'POST', path: string, body?: FormData | object): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, {
        method,
        headers: {
          ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
          ...(body && !(body instanceof FormData) ? { 'content-type': 'application/json' } : {}),
          accept: 'application/json',
        },
        ...(body ? { body: body instanceof FormData ? body : JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (err) {
      throw new UserError(ErrorCode.ModelUnavailable, FINETUNE_UNAVAILABLE, { path }, { cause: err });
    }
    const text = await response.text();
    if (!response.ok) {
      let message = text;
      try {
        const parsed = JSON.parse(text) as { error?: { message?: string } | string; message?: string };
        message = typeof parsed.error === 'string' ? parsed.error : (parsed.error?.message ?? parsed.message ?? text);
      } catch {
        // not JSON: keep the text
      }
      throw refused(response.status, message, 'together');
    }
    return JSON.parse(text) as T;
  }

  async upload(fileName: string, jsonl: string): Promise<string> {
    const form = new FormData();
    form.append('purpose', 'fine-tune');
    form.append('file_name', fileName);
    form.append('file', new Blob([jsonl], { type: 'application/jsonl' }), fileName);
    const file = await this.request<{ id: string }>('POST', '/files/upload', form);
    return file.id;
  }

  async create(request: FineTuneRequest): Promise<FineTuneJobState> {
    // Together keeps no free-form metadata on a job: the scope travels in the suffix (the channel).
    return stateOf(
      await this.request<TogetherJob>('POST', '/fine-tunes', {
        training_file: request.trainingFile,
        model: request.model,
        n_epochs: request.epochs,
        suffix: request.suffix,
      }),
    );
  }

  async retrieve(jobId: string): Promise<FineTuneJobState> {
    return stateOf(await this.request<TogetherJob>('GET', `/fine-tunes/${encodeURIComponent(jobId)}`));
  }

  async events(jobId: string, limit: number): Promise<FineTuneEvent[]> {
    const list = await this.request<{ data: TogetherEvent[] }>('GET', `/fine-tunes/${encodeURIComponent(jobId)}/events`);
    return list.data.slice(-limit).map((e) => ({ at: new Date(e.created_at).toISOString(), message: e.message }));
  }

  /** The reference's job events carry no loss figures we can rely on: none reported. */
  async checkpoints(): Promise<FineTuneCheckpoint[]> {
    return [];
  }

  async cancel(jobId: string): Promise<FineTuneJobState> {
    return stateOf(await this.request<TogetherJob>('POST', `/fine-tunes/${encodeURIComponent(jobId)}/cancel`));
  }
}
