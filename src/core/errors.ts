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
  /** Only for what is not built yet (a registered command whose issue has not landed). */
  /** Needs something this deployment has not set up (a model, a fine-tuning provider). */
  NotConfigured = 'channelwise_not_configured',
  InputTooLong = 'channelwise_input_too_long',
  /** The channel's monthly budget is spent: the model is not called. */
  BudgetReached = 'channelwise_budget_reached',
  /** A person or a channel sent more messages this minute than `rateLimits` allows: the model is not called. */
  RateLimited = 'channelwise_rate_limited',
  // fetching something the user pointed at (a URL, a shared file)
  /** The connection failed, or the source would not hand the content over. */
  FetchFailed = 'channelwise_fetch_failed',
  /** The server answered with a status other than 2xx. */
  HttpStatus = 'channelwise_http_status',
  Timeout = 'channelwise_timeout',
  /** The bot will not send the request there (private address, a token that must stay with Slack). */
  AddressRefused = 'channelwise_address_refused',
  /** The content arrived but cannot be read as text (wrong encoding, damaged or unsupported file). */
  UnreadableFile = 'channelwise_unreadable_file',
  // model provider
  ModelUnavailable = 'channelwise_model_unavailable',
  ModelRateLimited = 'channelwise_model_rate_limited',
  ModelTimeout = 'channelwise_model_timeout',
  ModelRejected = 'channelwise_model_rejected',
  /** The store (Redis, PostgreSQL) cannot be reached right now: the user is told, nothing hangs. */
  StoreUnavailable = 'channelwise_store_unavailable',
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
    /** The failure underneath (a socket error, a parser's exception): logged with its stack. */
    options?: { cause?: unknown },
  ) {
    super(message, options);
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
  return err instanceof Error && typeof (err as Partial<CodedError>).code === 'string' && Object.values(ErrorCode).includes((err as CodedError).code);
}

/** Wrap an unknown thrown value once, keeping coded errors as they are. */
export function asCodedError(err: unknown): CodedError {
  if (isCodedError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new InternalError(ErrorCode.Internal, message, { cause: err });
}

export type SizeUnit = 'characters' | 'bytes';

export interface SizeRefusal {
  /** How big the thing is, when known (a download cut off at the limit only knows it is bigger). */
  readonly actual?: number;
  readonly limit: number;
  readonly unit: SizeUnit;
  /** What the limit is called in the sentence: "limit" unless told (e.g. "file limit"). */
  readonly limitName?: string;
  /** Extra detail for logs. */
  readonly context?: Record<string, unknown>;
}

function formatSize(amount: number, unit: SizeUnit): string {
  if (unit === 'characters') return `${amount.toLocaleString('en-US')} characters`;
  return `${(amount / 1_000_000).toLocaleString('en-US')} MB`;
}

/**
 * Every "too large" refusal is phrased here, so they all read alike: "The persona is 9,001
 * characters; the limit is 8,000." or, when only the limit is known, "big.pdf is larger than the
 * file limit of 20 MB." `subject` is written as it should open the sentence.
 */
export function tooLarge(subject: string, size: SizeRefusal): UserError {
  const limitName = size.limitName ?? 'limit';
  const context = { ...size.context, limit: size.limit, ...(size.actual !== undefined ? { actual: size.actual } : {}) };
  const limit = formatSize(size.limit, size.unit);
  const actual = size.actual === undefined ? undefined : formatSize(size.actual, size.unit);
  // Rounded to the same figure, "20 MB; the limit is 20 MB" would not read as a refusal.
  if (actual === undefined || actual === limit) {
    return new UserError(ErrorCode.TooLarge, `${subject} is larger than the ${limitName} of ${limit}.`, context);
  }
  // The unit is said once, after the actual size: "9,001 characters; the limit is 8,000."
  const bareLimit = size.unit === 'characters' ? size.limit.toLocaleString('en-US') : limit;
  return new UserError(ErrorCode.TooLarge, `${subject} is ${actual}; the ${limitName} is ${bareLimit}.`, context);
}

export const STORE_UNAVAILABLE_SENTENCE = "I can't reach my storage right now; please try again in a moment.";

/**
 * The store did not answer (refused, dropped or timed-out connections): one sentence for the user,
 * the backend's detail for the log. Stores throw it; commands show it as it is.
 */
export function storeUnavailable(detail: string, cause?: unknown): UserError {
  return new UserError(ErrorCode.StoreUnavailable, STORE_UNAVAILABLE_SENTENCE, { detail }, cause === undefined ? undefined : { cause });
}

export function isStoreUnavailable(err: unknown): boolean {
  return isCodedError(err) && err.code === ErrorCode.StoreUnavailable;
}

/** The one sentence a user sees for any failure. */
export function userMessage(err: unknown): string {
  if (err instanceof UserError) return err.message;
  return 'Something went wrong on my side; the team has the details in the logs.';
}
