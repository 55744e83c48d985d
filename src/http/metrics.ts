/**
 * A few counters and a latency summary in the Prometheus text format; small enough not to need a
 * client library.
 */

type Labels = Readonly<Record<string, string>>;

function labelText(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`;
}

export class Metrics {
  private readonly counters = new Map<string, { help: string; values: Map<string, number> }>();
  private readonly startedAt = Date.now();

  constructor() {
    this.define('channelwise_messages_total', 'Chat messages answered, by platform, route and outcome.');
    this.define('channelwise_commands_total', 'Slash commands handled, by platform and command.');
    this.define('channelwise_tokens_total', 'Model tokens, by kind (prompt, cached, completion).');
    this.define('channelwise_answer_seconds_sum', 'Total seconds spent answering messages.');
  }

  private define(name: string, help: string): void {
    this.counters.set(name, { help, values: new Map() });
  }

  inc(name: string, labels: Labels = {}, by = 1): void {
    const counter = this.counters.get(name);
    if (!counter) throw new Error(`unknown metric ${name}`);
    const key = labelText(labels);
    counter.values.set(key, (counter.values.get(key) ?? 0) + by);
  }

  render(): string {
    const lines: string[] = [];
    for (const [name, counter] of this.counters) {
      lines.push(`# HELP ${name} ${counter.help}`, `# TYPE ${name} counter`);
      for (const [labels, value] of counter.values) lines.push(`${name}${labels} ${value}`);
    }
    lines.push('# HELP channelwise_uptime_seconds Seconds since start.', '# TYPE channelwise_uptime_seconds gauge');
    lines.push(`channelwise_uptime_seconds ${((Date.now() - this.startedAt) / 1000).toFixed(0)}`);
    return `${lines.join('\n')}\n`;
  }
}
