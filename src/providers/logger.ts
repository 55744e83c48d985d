/** The core's `Logger` port on pino. Logs go to stderr so they never mix with console chat output. */
import pino from 'pino';
import type { Logger } from '../core/ports';

/**
 * Where a credential could sit in something logged: an auth header, an `apiKey`, a `password` —
 * at the top of a log object, or anywhere inside a logged error (an SDK's error carrying its
 * request: axios-style `config.headers`, `request.headers`). Nothing logs them today
 * (test/scale/secrets.e2e.test.ts scans a full debug run); this keeps a future `logger.warn({ err })`
 * of some SDK's error from printing one. Only fixed paths go to pino's redact: its wildcard paths
 * cost ~60 µs on every line (measured), errors are censored by their serializer instead.
 */
const REDACTED_PATHS = ['headers.authorization', 'headers.Authorization', 'headers["x-api-key"]', 'headers.cookie', 'apiKey', 'password'];
const SECRET_KEYS = new Set(['authorization', 'x-api-key', 'cookie', 'apikey', 'api_key', 'password']);
const CENSOR = '[redacted]';

/** A copy of `value` with every secret-named key censored, however deep (cycles and depth bounded). */
function censorSecrets(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value !== 'object' || value === null || depth > 8 || seen.has(value)) return value;
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => censorSecrets(item, depth + 1, seen));
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) copy[key] = SECRET_KEYS.has(key.toLowerCase()) ? CENSOR : censorSecrets(item, depth + 1, seen);
  return copy;
}

export function createLogger(level: 'debug' | 'info' | 'warn' | 'error', destination: NodeJS.WritableStream = process.stderr): Logger {
  return wrap(
    pino(
      {
        level,
        base: { app: 'channelwise' },
        redact: { paths: REDACTED_PATHS, censor: CENSOR },
        serializers: { err: (err: Error) => censorSecrets(pino.stdSerializers.err(err)) },
      },
      destination as pino.DestinationStream,
    ),
  );
}

function wrap(logger: pino.Logger): Logger {
  return {
    debug: (obj, msg) => logger.debug(obj, msg),
    info: (obj, msg) => logger.info(obj, msg),
    warn: (obj, msg) => logger.warn(obj, msg),
    error: (obj, msg) => logger.error(obj, msg),
    child: (bindings) => wrap(logger.child(bindings)),
  };
}
