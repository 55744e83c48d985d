/** Reading /usage the way a user does (its text), and sending answers through the message pipeline. */
import type { CommandReply } from '../../src/core/commands/reply';
import type { ReplyEvent, FinalReply } from '../../src/core/assistant';
import type { ChannelScope, UserRef } from '../../src/core/types';
import type { TestApp } from './app';
import { admin, testPermissions } from './app';

export interface UsageFigures {
  readonly requests: number;
  readonly promptTokens: number;
  readonly cachedTokens: number;
  readonly completionTokens: number;
  /** The cost as printed, e.g. `$0.0012`. */
  readonly cost: string;
}

const LINE = /^(\w+) — requests ([\d,]+) · prompt tokens ([\d,]+) · cached tokens ([\d,]+) · completion tokens ([\d,]+) · cost (\$[\d.e-]+)$/;
const num = (text: string) => Number(text.replace(/,/g, ''));

/** The lines of a /usage answer in SPEC §7's form, by name (`prompt`, `rag`, …, `total`). */
export function parseUsage(text: string): Record<string, UsageFigures> {
  const lines: Record<string, UsageFigures> = {};
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    lines[m[1]!] = { requests: num(m[2]!), promptTokens: num(m[3]!), cachedTokens: num(m[4]!), completionTokens: num(m[5]!), cost: m[6]! };
  }
  return lines;
}

export function command(app: TestApp, scope: ChannelScope, line: string, user: UserRef = admin): Promise<CommandReply> {
  const match = /^\/(\S+)\s*([\s\S]*)$/.exec(line)!;
  return app.commands(testPermissions).run({ scope, user, name: match[1]!, text: match[2]! });
}

let counter = 0;

/** One message through the pipeline (claimed once, answered), as a platform would send it; the final reply. */
export async function ask(app: TestApp, scope: ChannelScope, text: string): Promise<FinalReply> {
  let reply: FinalReply | undefined;
  const pipeline = app.messages({ run: async () => ({ text: '' }) });
  await pipeline.handle(
    {
      scope,
      user: { id: 'U_MEMBER', name: 'bob', isBot: false },
      text,
      messageId: `m-${process.pid}-${++counter}-${Math.random()}`,
      mentioned: true,
      isDirect: false,
    },
    {
      answer: async (events: AsyncIterable<ReplyEvent>) => {
        for await (const event of events) if (event.type === 'done') reply = event.reply;
      },
      tellSender: async () => undefined,
    },
  );
  if (!reply) throw new Error('no reply');
  return reply;
}
