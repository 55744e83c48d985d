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
import type { AdviceDeps } from '../advice/deps';
import type { Evaluation } from '../evaluation/evaluation';
import type { ChartRenderer, CommandContext, Executor } from './context';
import { addCaseFromAnswer, evalAddOfForm } from './families/eval';
import { parseCommand } from './grammar';
import { NOT_ADMIN_SENTENCE } from './permissions';
import type { ProgressSink } from './progress';
import { reply, type CommandReply, type FormSubmission } from './reply';
import { familySpec, isAdminAction, isMutating, usageOf } from './table';
import type { Command, CommandFamily, ParseLimits } from './types';

/** The executor of the command's family, from the command table. */
function executorOf(command: Command): Executor<Command> {
  return familySpec(command.family).execute;
}

/** The command row each form fills in (its admin rule applies to the submission). */
const FORM_ROWS: { readonly [K in FormSubmission['kind']]: { readonly family: CommandFamily; readonly action: string } } = {
  'persona-edit': { family: 'persona', action: 'set' },
  'fewshot-add': { family: 'fewshot', action: 'add' },
  'eval-add': { family: 'eval', action: 'add' },
};

/** The command a submitted form stands for; may refuse a field as the typed command would. */
function commandOfForm(form: FormSubmission, limits: ParseLimits): Command {
  switch (form.kind) {
    case 'persona-edit':
      return { family: 'persona', action: 'set', text: form.text };
    case 'fewshot-add':
      return { family: 'fewshot', action: 'add', input: form.input, output: form.output };
    case 'eval-add':
      return evalAddOfForm(form, limits);
  }
}

/** What the platform can show the caller while a command runs. */
export interface RunOptions {
  /** Progress notes of long commands (`/eval run`), rendered by the adapter. */
  readonly progress?: ProgressSink;
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

  private context(scope: ChannelScope, user: UserRef, attachments: readonly Attachment[] = [], progress?: ProgressSink): CommandContext {
    const log = this.deps.logger;
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
      // A note that cannot be shown is logged; the command goes on.
      ...(progress ? { progress: (note) => progress(note).catch((err: unknown) => log.warn({ err: asCodedError(err) }, 'could not show progress')) } : {}),
    };
  }

  async run(inbound: InboundCommand, options: RunOptions = {}): Promise<CommandReply> {
    const parsed = parseCommand(inbound.name, inbound.text, this.deps.limits);
    if (!parsed.ok) return reply(parsed.error.message);
    const command = parsed.command;
    if (command.action === 'help') return reply(usageOf(command.family));
    return this.guard(inbound.scope, inbound.user, isMutating(command), { family: command.family, action: command.action }, () =>
      executorOf(command)(command, this.context(inbound.scope, inbound.user, inbound.attachments, options.progress)),
    );
  }

  /** A submitted form (modal): the same permission rule and validation as the typed command. */
  async submitForm(scope: ChannelScope, user: UserRef, form: FormSubmission): Promise<CommandReply> {
    const row = FORM_ROWS[form.kind];
    return this.guard(scope, user, isAdminAction(row.family, row.action), { ...row, form: true }, async () => {
      const command = commandOfForm(form, this.deps.limits);
      return executorOf(command)(command, this.context(scope, user));
    });
  }

  /**
   * "Add as evaluation case" on one of the bot's messages (`messageId`: the platform's id of any
   * part of the answer): `/eval add`'s admin rule, then the 👍 rule of `addCaseFromAnswer`.
   */
  async addEvalCaseFromMessage(scope: ChannelScope, user: UserRef, messageId: string): Promise<CommandReply> {
    return this.guard(scope, user, isAdminAction('eval', 'add'), { family: 'eval', action: 'add', from: 'message' }, () =>
      addCaseFromAnswer(messageId, this.context(scope, user)),
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
