/**
 * Errors carry codes (as bolt-js `src/errors.ts` does). A `UserError` is meant to be shown: its
 * message is one clear sentence. Anything else is internal: logged with detail, and the user sees
 * only the generic sentence for its code.
 */

export enum ErrorCode {
  // user-facing: the user can do something about these
  ParseError = 'channelwise_parse_error',
  UnknownCommand = 'channelwise_unknown_command',
  NotAdmin = 'channelwise_not_admin',
  TooLarge = 'channelwise_too_large',
  NotFound = 'channelwise_not_found',
  InvalidState = 'channelwise_invalid_state',
  NotAvailable = 'channelwise_not_available',
  InputTooLong = 'channelwise_input_too_long',
  NoKnowledge = 'channelwise_no_knowledge',
  // model provider
  ModelUnavailable = 'channelwise_model_unavailable',
  ModelRateLimited = 'channelwise_model_rate_limited',
  ModelTimeout = 'channelwise_model_timeout',
  ModelRejected = 'channelwise_model_rejected',
  // internal
  ConfigError = 'channelwise_config_error',
  StoreError = 'channelwise_store_error',
  Internal = 'channelwise_internal_error',
}

export interface CodedError extends Error {
  readonly code: ErrorCode;
}

/** An error whose message is written for the person who caused it. */
export class UserError extends Error implements CodedError {
  override readonly name = 'UserError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra detail for logs; never shown. */
    readonly context: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export class InternalError extends Error implements CodedError {
  override readonly name = 'InternalError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isCodedError(err: unknown): err is CodedError {
  return err instanceof Error && typeof (err as Partial<CodedError>).code === 'string' &&
    Object.values(ErrorCode).includes((err as CodedError).code);
}

/** Wrap an unknown thrown value once, keeping coded errors as they are. */
export function asCodedError(err: unknown): CodedError {
  if (isCodedError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new InternalError(ErrorCode.Internal, message, { cause: err });
}

/** The one sentence a user sees for any failure. */
export function userMessage(err: unknown): string {
  if (err instanceof UserError) return err.message;
  return 'Something went wrong on my side; the team has the details in the logs.';
}
