/**
 * The local console: a terminal chat in one local channel where the user is admin (SPEC §5). Lines
 * starting with `/` are commands, anything else is a message to the bot. It reads until end of
 * input or `/exit`, answering each line before reading the next, so piped input works as a script.
 * A line ending in `\` continues on the next line (multi-line personas).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { CommandRunner } from '../../core/commands/registry';
import type { MessagePipeline, Replier } from '../../core/conversation/pipeline';
import type { CommandReply, FormRequest } from '../../core/commands/reply';
import type { ChannelPoster, Permissions } from '../../core/ports';
import type { ChannelScope, ChatMessage } from '../../core/types';

export const CONSOLE_SCOPE: ChannelScope = { platform: 'console', workspace: 'local', channel: 'local' };
export const CONSOLE_USER = { id: 'console', name: 'you' } as const;

/** On the console the person at the keyboard owns the bot. */
export const consolePermissions: Permissions = { isAdmin: async () => true };

export interface ConsoleOptions {
  readonly input: NodeJS.ReadableStream;
  readonly output: NodeJS.WritableStream;
  /** The core's message pipeline, built with `commands` (`app.messages(commands)`). */
  readonly messages: MessagePipeline;
  readonly commands: CommandRunner;
  /** Show a prompt and a greeting (interactive terminal). */
  readonly interactive: boolean;
  readonly offline: boolean;
  /** Files a command gives (the /finetune export) are written in this folder and their path printed; absent: printed inline. */
  readonly fileDir?: string;
}

export class ConsoleAdapter {
  private readonly history: ChatMessage[] = [];
  private messageCount = 0;
  /** Message ids are claimed in the store (answered once): unique per run, so a new run is answered. */
  private readonly runId = randomUUID();

  constructor(private readonly options: ConsoleOptions) {}

  private write(text: string): void {
    this.options.output.write(text);
  }

  /** What the bot posts in the channel from the background (fine-tuning progress, shutdown warnings). */
  poster(): ChannelPoster {
    return { post: async (_scope, text) => this.write(`[posted in the channel] ${text}\n`) };
  }

  /** Resolves when input ends or the user types /exit. */
  async run(): Promise<void> {
    const { input, interactive } = this.options;
    const lines = createInterface({ input, terminal: false, crlfDelay: Infinity });
    if (interactive) {
      this.write(
        `channelwise console — channel "local", you are admin${this.options.offline ? ', offline mode (no model configured)' : ''}.\n` +
          'Type a message, or a command such as /persona set <text>, /fewshot add <input> => <output>, /route. /exit quits.\n> ',
      );
    }
    let pending = '';
    for await (const raw of lines) {
      const line = pending + raw;
      if (line.endsWith('\\')) {
        pending = `${line.slice(0, -1)}\n`;
        continue;
      }
      pending = '';
      const text = line.trim();
      if (text === '/exit' || text === '/quit') break;
      if (text) await this.handleLine(text);
      if (interactive) this.write('> ');
    }
    lines.close();
  }

  async handleLine(text: string): Promise<void> {
    if (text.startsWith('/')) {
      const match = /^\/(\S+)\s*([\s\S]*)$/.exec(text);
      const reply = await this.options.commands.run(
        { scope: CONSOLE_SCOPE, user: CONSOLE_USER, name: match?.[1] ?? '', text: match?.[2] ?? '' },
        // A long command's progress, line by line as it comes.
        { progress: async (note) => this.write(`${note.text}\n`) },
      );
      this.renderCommandReply(reply);
      return;
    }
    await this.answer(text);
  }

  private renderCommandReply(reply: CommandReply): void {
    // A form's reply says it is opening one; the console has none, so it says what to type instead.
    if (reply.form) this.write(`${consoleInsteadOfForm(reply.form)}\n`);
    else this.write(`${reply.text}\n`);
    if (reply.announce) this.write(`[announced in the channel] ${reply.announce}\n`);
    if (reply.file && this.options.fileDir) {
      mkdirSync(this.options.fileDir, { recursive: true });
      // The name is the bot's own (`training-<channel>.jsonl`), never a path from the user.
      const file = path.join(this.options.fileDir, path.basename(reply.file.name));
      writeFileSync(file, reply.file.content, 'utf8');
      this.write(`Wrote ${file}\n`);
    } else if (reply.file) {
      this.write(`--- ${reply.file.name} ---\n${reply.file.content}\n--- end of ${reply.file.name} ---\n`);
    }
    // A terminal shows no pictures: the chart comes as text.
    if (reply.textChart) this.write(`${reply.textChart}\n`);
  }

  private async answer(text: string): Promise<void> {
    this.messageCount += 1;
    await this.options.messages.handle(
      {
        scope: CONSOLE_SCOPE,
        user: { ...CONSOLE_USER, isBot: false },
        text,
        messageId: `console-${this.runId}-${this.messageCount}`,
        // The console is a direct conversation with the bot: every line is for it.
        mentioned: true,
        isDirect: true,
        loadHistory: async () => [...this.history],
      },
      this.replier(text),
    );
  }

  private replier(text: string): Replier {
    return {
      answer: async (events) => {
        let streamed = '';
        for await (const event of events) {
          if (event.type === 'delta') {
            streamed += event.text;
            this.write(event.text);
            continue;
          }
          const { reply } = event;
          // Streamed text is already on screen; print what the final text adds (e.g. the sources list).
          const rest = reply.text.startsWith(streamed) ? reply.text.slice(streamed.length) : `\n${reply.text}`;
          this.write(`${rest}\n`);
          if (!reply.offline && !reply.error) {
            this.history.push({ role: 'user', content: text }, { role: 'assistant', content: reply.text });
          }
        }
      },
      tellSender: async (reply) => this.renderCommandReply(reply),
    };
  }
}

/** What the console says instead of opening a form: the typed command that does the same. */
function consoleInsteadOfForm(form: FormRequest): string {
  switch (form.kind) {
    case 'persona-edit':
      return `The console has no forms; the current persona is below. Change it with /persona set <text> (end a line with \\ to continue it).\n${form.initial}`;
    case 'fewshot-add':
      return 'The console has no forms; add an example with /fewshot add <input> => <output>.';
    case 'eval-add':
      return 'The console has no forms; add a case with /eval add <input> => <expected>.';
  }
}
