/**
 * What the fake fine-tuning servers (fake OpenAI, fake Together) share: uploaded files, jobs that
 * the test moves through validating → queued → running → succeeded (or failed / cancelled), a log
 * of every job retrieval with its start and end (to show that no two processes polled one job at
 * the same time), and the fine-tuned models' answers "in the trained style": the trained answer for
 * an input it was trained on, else a reply marked as coming from that model.
 */
export type FakeJobPhase = 'validating' | 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

const ORDER: readonly FakeJobPhase[] = ['validating', 'queued', 'running', 'succeeded'];

export interface FakeFile {
  readonly id: string;
  readonly name: string;
  readonly purpose: string;
  readonly content: string;
  readonly createdAt: number;
}

export interface FakeJob {
  readonly id: string;
  readonly model: string;
  readonly trainingFile: string;
  readonly suffix: string | undefined;
  readonly epochs: number | undefined;
  readonly metadata: Readonly<Record<string, string>> | undefined;
  readonly createdAt: number;
  phase: FakeJobPhase;
  fineTunedModel?: string;
  error?: string;
  readonly events: Array<{ readonly id: string; readonly at: number; readonly level: 'info' | 'warn' | 'error'; readonly message: string }>;
}

export interface Retrieval {
  readonly jobId: string;
  readonly start: number;
  readonly end: number;
}

export class FakeJobBook {
  readonly files = new Map<string, FakeFile>();
  readonly jobs = new Map<string, FakeJob>();
  readonly retrievals: Retrieval[] = [];
  /** Each retrieval takes this long (widens the window two pollers would have to overlap in). */
  retrieveDelayMs = 0;
  private counter = 0;
  /** Ids differ between fake instances, as real ones never repeat (shared test stores outlive a run). */
  private readonly run = Math.random().toString(36).slice(2, 8);

  constructor(
    private readonly prefix: { readonly file: string; readonly job: string },
    /** The fine-tuned model's id, as the provider names it. */
    private readonly nameModel: (job: FakeJob) => string,
  ) {}

  private nextId(kind: string): string {
    this.counter += 1;
    return `${kind}${this.run}${String(this.counter).padStart(6, '0')}`;
  }

  addFile(name: string, purpose: string, content: string): FakeFile {
    const file = { id: this.nextId(this.prefix.file), name, purpose, content, createdAt: Math.floor(Date.now() / 1000) };
    this.files.set(file.id, file);
    return file;
  }

  create(spec: Pick<FakeJob, 'model' | 'trainingFile' | 'suffix' | 'epochs' | 'metadata'>): FakeJob {
    const job: FakeJob = { ...spec, id: this.nextId(this.prefix.job), createdAt: Math.floor(Date.now() / 1000), phase: 'validating', events: [] };
    this.event(job, 'info', `Created fine-tuning job: ${job.id}`);
    this.jobs.set(job.id, job);
    return job;
  }

  private event(job: FakeJob, level: 'info' | 'warn' | 'error', message: string): void {
    job.events.push({ id: this.nextId('ev'), at: Math.floor(Date.now() / 1000), level, message });
  }

  /** Moves the job to `to` (default: the next phase of validating → queued → running → succeeded). */
  advance(jobId: string, to?: FakeJobPhase, error?: string): FakeJob {
    const job = this.jobs.get(jobId);
    if (!job) throw new Error(`fake: no job ${jobId}`);
    const next = to ?? ORDER[Math.min(ORDER.indexOf(job.phase) + 1, ORDER.length - 1)] ?? 'succeeded';
    job.phase = next;
    if (next === 'succeeded') job.fineTunedModel = this.nameModel(job);
    if (next === 'failed') job.error = error ?? 'The job failed due to an internal error.';
    this.event(job, next === 'failed' ? 'error' : 'info', next === 'failed' ? (job.error ?? 'failed') : `Job is ${next}`);
    return job;
  }

  /** The one job created so far (tests that start one job). */
  only(): FakeJob {
    const jobs = [...this.jobs.values()];
    if (jobs.length !== 1) throw new Error(`fake: expected one job, have ${jobs.length}`);
    return jobs[0] as FakeJob;
  }

  cancel(jobId: string): FakeJob | undefined {
    const job = this.jobs.get(jobId);
    if (!job) return undefined;
    if (job.phase !== 'succeeded' && job.phase !== 'failed') {
      job.phase = 'cancelled';
      this.event(job, 'info', 'Job cancelled');
    }
    return job;
  }

  /** Records a retrieval around `work`. */
  async retrieve<T>(jobId: string, work: () => T): Promise<T> {
    const start = performance.now();
    if (this.retrieveDelayMs) await new Promise((resolve) => setTimeout(resolve, this.retrieveDelayMs));
    const result = work();
    this.retrievals.push({ jobId, start, end: performance.now() });
    return result;
  }

  /** Pairs of retrievals of one job that overlapped in time. */
  overlappingRetrievals(): Array<[Retrieval, Retrieval]> {
    const out: Array<[Retrieval, Retrieval]> = [];
    this.retrievals.forEach((a, i) =>
      this.retrievals.slice(i + 1).forEach((b) => {
        if (a.jobId === b.jobId && a.start < b.end && b.start < a.end) out.push([a, b]);
      }),
    );
    return out;
  }

  isFineTuned(model: string): boolean {
    return [...this.jobs.values()].some((job) => job.fineTunedModel === model);
  }

  /** A fine-tuned model's reply: the trained answer to a trained input, else marked as that model's. */
  fineTunedAnswer(model: string, lastUser: string): string | undefined {
    const job = [...this.jobs.values()].find((j) => j.fineTunedModel === model);
    if (!job) return undefined;
    for (const line of (this.files.get(job.trainingFile)?.content ?? '').split('\n')) {
      if (!line.trim()) continue;
      const messages = (JSON.parse(line) as { messages?: Array<{ role: string; content: string }> }).messages ?? [];
      if (messages.find((m) => m.role === 'user')?.content === lastUser) return messages.find((m) => m.role === 'assistant')?.content;
    }
    return `[${model}] You said: ${lastUser}`;
  }
}

/** The parts of a multipart/form-data body (Node's own parser: the Fetch API's `formData()`). */
export async function multipartFields(rawBody: Buffer, contentType: string): Promise<Map<string, { value: string; fileName?: string; type?: string }>> {
  const form = await new Response(rawBody, { headers: { 'content-type': contentType } }).formData();
  const fields = new Map<string, { value: string; fileName?: string; type?: string }>();
  for (const [name, value] of form.entries()) {
    if (typeof value === 'string') fields.set(name, { value });
    else fields.set(name, { value: await value.text(), fileName: value.name, type: value.type });
  }
  return fields;
}
