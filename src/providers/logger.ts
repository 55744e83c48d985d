/** The core's `Logger` port on pino. Logs go to stderr so they never mix with console chat output. */
import pino from 'pino';
import type { Logger } from '../core/ports';

/**
 * Where a credential could sit in something logged: an auth header of a request or of an error
 * carrying its request (axios-style `config.headers`, `request.headers`), an `apiKey`, a
 * `password`. Nothing logs them today (test/scale/secrets.e2e.test.ts scans a full debug run);
 * this keeps a future `logger.warn({ err })` of some SDK's error from printing one.
 */
const REDACTED_PATHS = [
  ...['headers', '*.headers', '*.config.headers', '*.request.headers', '*.*.headers'].flatMap((at) =>
    ['authorization', 'Authorization', '["x-api-key"]', 'cookie'].map((name) => `${at}${name.startsWith('[') ? '' : '.'}${name}`),
  ),
  'apiKey',
  '*.apiKey',
  'password',
  '*.password',
];

export function createLogger(level: 'debug' | 'info' | 'warn' | 'error', destination: NodeJS.WritableStream = process.stderr): Logger {
  return wrap(pino({ level, base: { app: 'channelwise' }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination as pino.DestinationStream));
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
