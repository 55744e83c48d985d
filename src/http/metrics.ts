/**
 * The core's measurements as Prometheus series, on prom-client (SPEC §7 `/metrics`). One registry
 * per process (not prom-client's global one), so each process — and each test — reports only its
 * own figures; a Prometheus scrape of several processes tells them apart by its `instance` label.
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CommandMeasure, MessageMeasure, Telemetry } from '../core/ports';

/** Answer latency buckets (seconds): a cached short answer takes tenths, a long RAG answer tens. */
const ANSWER_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64];

export class Metrics implements Telemetry {
  readonly registry = new Registry();
  private readonly messages = new Counter({
    name: 'channelwise_messages_total',
    help: 'Chat messages handled, by platform, route and outcome (ok, offline, error, ignored, duplicate, limited).',
    labelNames: ['platform', 'route', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly commands = new Counter({
    name: 'channelwise_commands_total',
    help: 'Commands handled, by platform, command family and outcome (ok, refused, error).',
    labelNames: ['platform', 'family', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly answerSeconds = new Histogram({
    name: 'channelwise_answer_duration_seconds',
    help: 'Time from a message reaching the core to its complete answer, by platform and route.',
    labelNames: ['platform', 'route'] as const,
    buckets: ANSWER_BUCKETS,
    registers: [this.registry],
  });
  private readonly tokens = new Counter({
    name: 'channelwise_tokens_total',
    help: 'Model tokens as the API reported them, by kind (prompt, cached, completion).',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  private readonly errors = new Counter({
    name: 'channelwise_errors_total',
    help: 'Failed answers and commands, by error code.',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  constructor() {
    // Event-loop lag, heap, GC and the rest of Node's process metrics.
    collectDefaultMetrics({ register: this.registry });
  }

  message(measure: MessageMeasure): void {
    const route = measure.route ?? 'none';
    this.messages.inc({ platform: measure.platform, route, outcome: measure.outcome });
    if (measure.latencyMs !== undefined) this.answerSeconds.observe({ platform: measure.platform, route }, measure.latencyMs / 1000);
    if (measure.usage) {
      this.tokens.inc({ kind: 'prompt' }, measure.usage.promptTokens);
      this.tokens.inc({ kind: 'cached' }, measure.usage.cachedTokens);
      this.tokens.inc({ kind: 'completion' }, measure.usage.completionTokens);
    }
    if (measure.errorCode) this.errors.inc({ code: measure.errorCode });
  }

  command(measure: CommandMeasure): void {
    this.commands.inc({ platform: measure.platform, family: measure.family, outcome: measure.outcome });
    if (measure.errorCode) this.errors.inc({ code: measure.errorCode });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
