/** Fine-tuning providers' failures as `UserError`s: the admin who started the job can act on them. */
import { APIConnectionError, APIError } from 'openai';
import { ErrorCode, UserError } from '../../core/errors';

export const FINETUNE_UNAVAILABLE = 'The fine-tuning provider is unavailable right now; please try again later.';

/** The first sentence of a provider's message, so the reply stays one sentence. */
function firstSentence(text: string): string {
  const sentence = text.split(/(?<=[.!?])\s/)[0]?.trim() ?? '';
  return sentence.replace(/[.!?]$/, '').slice(0, 300);
}

export function refused(status: number | undefined, providerMessage: string, provider: string): UserError {
  if (status === 401 || status === 403) {
    return new UserError(ErrorCode.ModelRejected, `${provider} rejected the fine-tuning API key (FINETUNE_API_KEY).`, { status, providerMessage });
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return new UserError(ErrorCode.ModelRejected, `${provider} refused the fine-tuning request: ${firstSentence(providerMessage) || `HTTP ${status}`}.`, {
      status,
      providerMessage,
    });
  }
  return new UserError(ErrorCode.ModelUnavailable, FINETUNE_UNAVAILABLE, { status, providerMessage });
}

export function toFinetuneError(err: unknown, provider: string): UserError {
  if (err instanceof UserError) return err;
  if (err instanceof APIError && !(err instanceof APIConnectionError)) return refused(err.status, err.message, provider);
  return new UserError(ErrorCode.ModelUnavailable, FINETUNE_UNAVAILABLE, {}, { cause: err });
}
