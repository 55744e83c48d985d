/** Bolt and the Web API client log through our logger (one format, one level), not to the console. */
import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../../core/ports';

function text(parts: readonly unknown[]): string {
  return parts.map((part) => (part instanceof Error ? part.message : typeof part === 'string' ? part : JSON.stringify(part))).join(' ');
}

export function boltLogger(logger: Logger, level: LogLevel = LogLevel.INFO): BoltLogger {
  let current = level;
  let name = 'slack';
  return {
    debug: (...msg: unknown[]) => logger.debug({ component: name }, text(msg)),
    info: (...msg: unknown[]) => logger.info({ component: name }, text(msg)),
    warn: (...msg: unknown[]) => logger.warn({ component: name }, text(msg)),
    error: (...msg: unknown[]) => logger.error({ component: name }, text(msg)),
    setLevel: (next: LogLevel) => {
      current = next;
    },
    getLevel: () => current,
    setName: (next: string) => {
      name = next;
    },
  };
}
