import type { Logger } from './ports';

/**
 * A child logger made on its first use. Per-message loggers are mostly never written to (a
 * message that goes well logs one line, with its fields), and making a pino child for every
 * message is measurable on the hot path.
 */
export function lazyChild(parent: Logger, bindings: Record<string, unknown>): Logger {
  let child: Logger | undefined;
  const get = (): Logger => (child ??= parent.child(bindings));
  return {
    debug: (obj, msg) => get().debug(obj, msg),
    info: (obj, msg) => get().info(obj, msg),
    warn: (obj, msg) => get().warn(obj, msg),
    error: (obj, msg) => get().error(obj, msg),
    child: (more) => get().child(more),
  };
}
