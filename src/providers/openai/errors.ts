/**
 * SDK and transport failures translated, at this edge, into `UserError`s the core can show as they
 * are: one sentence for the user, the status and the provider's own words in `context` for logs.
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { ErrorCode, UserError } from '../../core/errors';

export type ModelOperation = 'chat' | 'embeddings';

export interface ModelCallContext {
  readonly operation: ModelOperation;
  readonly model: string;
}

export const MODEL_SENTENCES = {
  rateLimited: 'The model is rate limited right now; please try again in a minute.',
  unavailable: 'The model is unavailable right now; please try again in a moment.',
  timeout: 'The model took too long to answer; please try again.',
  messageTooLong: 'That message is too long for the model.',
  textTooLong: 'That text is too long for the embedding model.',
  badApiKey: 'The model provider rejected the configured API key.',
  outOfQuota: 'The model account has run out of quota; an admin needs to check its billing.',
  rejected: 'The model rejected this request; the details are in the logs.',
  forbidden: (model: string) => `The model provider refused access to the model "${model}".`,
  unknownModel: (model: string) => `The model provider does not know the model "${model}"; an admin can choose another with /model set.`,
} as const;

export function modelTimeout(call: ModelCallContext, detail: Record<string, unknown> = {}): UserError {
  return new UserError(ErrorCode.ModelTimeout, MODEL_SENTENCES.timeout, { ...call, ...detail });
}

export function modelUnavailable(call: ModelCallContext, detail: Record<string, unknown> = {}): UserError {
  return new UserError(ErrorCode.ModelUnavailable, MODEL_SENTENCES.unavailable, { ...call, ...detail });
}

function isContextLengthError(err: APIError): boolean {
  return err.code === 'context_length_exceeded' || /maximum context length/i.test(err.message);
}

/** Translates whatever a model call threw. Everything thrown at this edge is the provider's doing. */
export function toModelError(err: unknown, call: ModelCallContext): UserError {
  if (err instanceof UserError) return err;
  if (err instanceof APIConnectionTimeoutError) return modelTimeout(call, { providerMessage: err.message });
  if (err instanceof APIConnectionError) {
    return modelUnavailable(call, { providerMessage: err.message, cause: describeCause(err.cause) });
  }
  if (!(err instanceof APIError)) {
    // e.g. the connection dropped mid-stream (undici "terminated") or a garbled event
    return modelUnavailable(call, { cause: describeCause(err) });
  }

  const context = {
    ...call,
    status: err.status,
    providerMessage: err.message,
    providerCode: err.code,
    providerType: err.type,
    requestId: err.requestID,
  };
  const rejected = (message: string) => new UserError(ErrorCode.ModelRejected, message, context);
  const status = err.status;

  if (isContextLengthError(err)) {
    return rejected(call.operation === 'chat' ? MODEL_SENTENCES.messageTooLong : MODEL_SENTENCES.textTooLong);
  }
  if (err.code === 'insufficient_quota') return rejected(MODEL_SENTENCES.outOfQuota);
  if (status === 429 || err.code === 'rate_limit_exceeded') {
    return new UserError(ErrorCode.ModelRateLimited, MODEL_SENTENCES.rateLimited, context);
  }
  if (status === 401) return rejected(MODEL_SENTENCES.badApiKey);
  if (status === 403) return rejected(MODEL_SENTENCES.forbidden(call.model));
  if (status === 404 || err.code === 'model_not_found') return rejected(MODEL_SENTENCES.unknownModel(call.model));
  if (status === 408) return new UserError(ErrorCode.ModelTimeout, MODEL_SENTENCES.timeout, context);
  if (status !== undefined && status >= 400 && status < 500 && status !== 409) return rejected(MODEL_SENTENCES.rejected);
  // 409 and 5xx after the retries, and errors sent inside a stream (no status)
  return new UserError(ErrorCode.ModelUnavailable, MODEL_SENTENCES.unavailable, context);
}

function describeCause(cause: unknown): string | undefined {
  if (cause === undefined) return undefined;
  if (!(cause instanceof Error)) return String(cause);
  const inner = cause.cause instanceof Error ? ` (${cause.cause.message})` : '';
  return `${cause.name}: ${cause.message}${inner}`;
}
