/** The core's `Logger` port on pino. Logs go to stderr so they never mix with console chat output. */
import pino from 'pino';
import type { Logger } from '../core/ports';

export function createLogger(level: 'debug' | 'info' | 'warn' | 'error', destination: NodeJS.WritableStream = process.stderr): Logger {
  return wrap(pino({ level, base: { app: 'channelwise' } }, destination as pino.DestinationStream));
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
