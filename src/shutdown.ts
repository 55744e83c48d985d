/**
 * Stopping (SPEC §5): on SIGTERM or SIGINT a process stops taking new work, lets the answers in
 * flight finish — at most `shutdown.drainMs` — stops its background jobs, and exits 0. Started as
 * `npm start` (or by a Procfile runner) the signal reaches every process of the group at once, and
 * npm forwards it once more: every signal after the first is logged and changes nothing.
 */
import type { App } from './app';
import type { Logger } from './core/ports';
import { settlesWithin } from './providers/shared/timeout';

/** A platform adapter, as the shutdown sees it. */
export interface StoppablePart {
  readonly name: string;
  /** Refuse new work from now on (a Socket Mode socket closes); HTTP adapters refuse at their door by `app.inFlight.draining`. */
  stopTakingWork?(): Promise<void>;
  /** Resolves once everything it took on has been handled. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/** After the drain, how long each part may take to close its connections. */
const STOP_GRACE_MS = 3000;

/** Resolves with the first SIGINT or SIGTERM; every later one is logged and ignored (the drain goes on). */
export function stopSignal(logger: Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let first: NodeJS.Signals | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      if (first) {
        logger.info({ signal, first }, 'already stopping; the drain goes on');
        return;
      }
      first = signal;
      logger.info({ signal }, 'shutting down');
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/**
 * Drain, then stop every part (last started first). Returns whether everything in flight finished
 * within `drainMs`; what did not is logged with its count and abandoned.
 */
export async function drainAndStop(app: App, parts: readonly StoppablePart[], drainMs: number, logger: Logger): Promise<boolean> {
  const started = Date.now();
  app.inFlight.startDraining();
  await Promise.all(parts.map((part) => part.stopTakingWork?.().catch((err: unknown) => logger.warn({ err, part: part.name }, 'could not stop taking work'))));
  const everything = Promise.all([app.inFlight.idle(), app.background.stop(), ...parts.map((part) => part.idle())]);
  const drained = await settlesWithin(everything, drainMs);
  if (drained) logger.info({ ms: Date.now() - started }, 'drained: every answer in flight finished');
  else logger.warn({ drainMs, answersInFlight: app.inFlight.size }, 'drain timeout reached: stopping with answers unfinished');
  for (const part of [...parts].reverse()) {
    const stopped = await settlesWithin(
      part.stop().catch((err: unknown) => logger.error({ err, part: part.name }, 'error while stopping')),
      STOP_GRACE_MS,
    );
    if (!stopped) logger.warn({ part: part.name }, 'did not stop in time; leaving it');
  }
  return drained;
}
