/**
 * The commands' one entry point: parse (pure), check permission, execute (thin), each step taken
 * from the command table. Every platform calls `run` with an `InboundCommand` and renders the
 * `CommandReply`.
 */
import { ErrorCode, UserError, asCodedError, userMessage } from '../errors';
import type { Clock, KnowledgeIndex, Logger, Permissions, Telemetry } from '../ports';
import type { Feedback } from '../feedback/feedback';
import type { Budgets } from '../usage/budget';
import type { UsageLog } from '../usage/usage-log';
import type { ProfileService } from '../profiles/profile-service';
import type { RetrievalSettings } from '../routes/rag-route';
import type { Attachment, ChannelScope, InboundCommand, UserRef } from '../types';
import type { FinetuneJobs } from '../finetune/jobs';
import type { AdviceDeps, ChartRenderer, CommandContext, Evaluation, Executor } from './context';
import { parseCommand } from './grammar';
import { NOT_ADMIN_SENTENCE } from './permissions';
import { reply, type CommandReply, type FormSubmission } from './reply';
import { familySpec, isMutating, usageOf } from './table';
import type { Command, ParseLimits } from './types';

/** The executor of the command's family, from the command table. */
function executorOf(command: Command): Executor<Command> {
  return familySpec(command.family).execute;
}

export interface CommandRunnerDeps {
  readonly profiles: ProfileService;
  readonly knowledge: KnowledgeIndex;
  readonly permissions: Permissions;
  readonly limits: ParseLimits;
  readonly retrieval: RetrievalSettings;
  readonly fileBytes: number;
  readonly logger: Logger;
  readonly telemetry: Telemetry;
  readonly usage: UsageLog;
  readonly budgets: Budgets;
  readonly feedback?: Feedback;
  readonly evaluation?: Evaluation;
  readonly advice: AdviceDeps;
  readonly charts?: ChartRenderer;
  readonly clock: Clock;
  readonly finetune?: FinetuneJobs;
}

export class CommandRunner {
  constructor(private readonly deps: CommandRunnerDeps) {}

  private context(scope: ChannelScope, user: UserRef, attachments: readonly Attachment[] = []): CommandContext {
    return {
      scope,
      user,
      profiles: this.deps.profiles,
      knowledge: this.deps.knowledge,
      retrieval: this.deps.retrieval,
      attachments,
      fileBytes: this.deps.fileBytes,
      usage: this.deps.usage,
      budgets: this.deps.budgets,
      ...(this.deps.feedback ? { feedback: this.deps.feedback } : {}),
      ...(this.deps.evaluation ? { evaluation: this.deps.evaluation } : {}),
      isAdmin: () => this.deps.permissions.isAdmin(user, scope),
      advice: this.deps.advice,
      ...(this.deps.charts ? { charts: this.deps.charts } : {}),
      clock: this.deps.clock,
      ...(this.deps.finetune ? { finetune: this.deps.finetune } : {}),
    };
  }

  async run(inbound: InboundCommand): Promise<CommandReply> {
    const parsed = parseCommand(inbound.name, inbound.text, this.deps.limits);
    if (!parsed.ok) return reply(parsed.error.message);
    const command = parsed.command;
    if (command.action === 'help') return reply(usageOf(command.family));
    return this.guard(inbound.scope, inbound.user, isMutating(command), { family: command.family, action: command.action }, () =>
      executorOf(command)(command, this.context(inbound.scope, inbound.user, inbound.attachments)),
    );
  }

  /** A submitted form (modal): the same permission rule and validation as the typed command. */
  async submitForm(scope: ChannelScope, user: UserRef, form: FormSubmission): Promise<CommandReply> {
    const command: Command =
      form.kind === 'persona-edit'
        ? { family: 'persona', action: 'set', text: form.text }
        : { family: 'fewshot', action: 'add', input: form.input, output: form.output };
    return this.guard(scope, user, isMutating(command), { family: command.family, action: command.action, form: true }, () =>
      executorOf(command)(command, this.context(scope, user)),
    );
  }

  private async guard(
    scope: ChannelScope,
    user: UserRef,
    mutating: boolean,
    what: Record<string, unknown>,
    execute: () => Promise<CommandReply>,
  ): Promise<CommandReply> {
    const log = this.deps.logger.child({ ...what, user: user.id, scope: `${scope.platform}:${scope.workspace}:${scope.channel}` });
    try {
      if (mutating && !(await this.deps.permissions.isAdmin(user, scope))) {
        log.info({}, 'refused: not an admin');
        throw new UserError(ErrorCode.NotAdmin, NOT_ADMIN_SENTENCE);
      }
      const result = await execute();
      if (mutating) log.info({}, 'command applied');
      this.count(scope, what, 'ok');
      return result;
    } catch (err) {
      const coded = asCodedError(err);
      if (err instanceof UserError) {
        this.count(scope, what, coded.code === ErrorCode.NotAdmin ? 'refused' : 'error', coded.code);
        return reply(err.message);
      }
      log.error({ err: coded }, 'command failed');
      this.count(scope, what, 'error', coded.code);
      return reply(userMessage(err));
    }
  }

  private count(scope: ChannelScope, what: Record<string, unknown>, outcome: 'ok' | 'refused' | 'error', errorCode?: string): void {
    this.deps.telemetry.command({ platform: scope.platform, family: String(what['family']), outcome, ...(errorCode ? { errorCode } : {}) });
  }
}
