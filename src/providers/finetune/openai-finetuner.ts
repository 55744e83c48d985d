/**
 * `FINETUNE_PROVIDER=openai`: any server with OpenAI's `/files` + `/fine_tuning/jobs` API (OpenAI,
 * Azure OpenAI and compatible services), through the openai SDK.
 */
import type OpenAI from 'openai';
import { toFile } from 'openai';
import type { FineTuneCheckpoint, FineTuneEvent, FineTuneJobState, FineTuner, FineTuneRequest, FineTuneStatus } from '../../core/ports';
import { createOpenAIClient, type OpenAIClientOptions } from '../openai/client';
import { toFinetuneError } from './errors';

const STATUSES: Readonly<Record<string, FineTuneStatus>> = {
  validating_files: 'validating',
  queued: 'queued',
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
};

function stateOf(job: OpenAI.FineTuning.FineTuningJob): FineTuneJobState {
  return {
    id: job.id,
    status: STATUSES[job.status] ?? 'unknown',
    providerStatus: job.status,
    ...(job.fine_tuned_model ? { fineTunedModel: job.fine_tuned_model } : {}),
    ...(job.error?.message ? { error: job.error.message } : {}),
  };
}

export class OpenAIFineTuner implements FineTuner {
  readonly provider = 'openai';
  private readonly client: OpenAI;

  constructor(options: OpenAIClientOptions) {
    this.client = createOpenAIClient(options);
  }

  private async call<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      throw toFinetuneError(err, 'openai');
    }
  }

  upload(fileName: string, jsonl: string): Promise<string> {
    return this.call(async () => {
      const file = await this.client.files.create({
        file: await toFile(Buffer.from(jsonl, 'utf8'), fileName, { type: 'application/jsonl' }),
        purpose: 'fine-tune',
      });
      return file.id;
    });
  }

  create(request: FineTuneRequest): Promise<FineTuneJobState> {
    return this.call(async () =>
      stateOf(
        await this.client.fineTuning.jobs.create({
          model: request.model,
          training_file: request.trainingFile,
          suffix: request.suffix,
          metadata: { ...request.metadata },
          method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: request.epochs } } },
        }),
      ),
    );
  }

  retrieve(jobId: string): Promise<FineTuneJobState> {
    return this.call(async () => stateOf(await this.client.fineTuning.jobs.retrieve(jobId)));
  }

  events(jobId: string, limit: number): Promise<FineTuneEvent[]> {
    return this.call(async () => {
      // The API lists newest first.
      const page = await this.client.fineTuning.jobs.listEvents(jobId, { limit });
      return page.data.map((e) => ({ at: new Date(e.created_at * 1000).toISOString(), message: e.message })).reverse();
    });
  }

  checkpoints(jobId: string): Promise<FineTuneCheckpoint[]> {
    return this.call(async () => {
      const page = await this.client.fineTuning.jobs.checkpoints.list(jobId, { limit: 10 });
      return page.data
        .map((c) => ({
          step: c.step_number,
          ...(c.metrics.train_loss !== undefined ? { trainLoss: c.metrics.train_loss } : {}),
          ...(c.metrics.valid_loss !== undefined ? { validLoss: c.metrics.valid_loss } : {}),
        }))
        .sort((a, b) => a.step - b.step);
    });
  }

  cancel(jobId: string): Promise<FineTuneJobState> {
    return this.call(async () => stateOf(await this.client.fineTuning.jobs.cancel(jobId)));
  }
}
