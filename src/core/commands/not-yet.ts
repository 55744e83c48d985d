/** Commands whose features have not landed yet answer so, in one sentence, instead of failing. */
import { ErrorCode, UserError } from '../errors';
import type { Executor } from './context';
import type { AdviseCommand, FinetuneCommand, UsageCommand } from './types';

export const notAvailableYet: Executor<FinetuneCommand | UsageCommand | AdviseCommand> = async (command) => {
  throw new UserError(ErrorCode.NotAvailable, `/${command.family} is not available yet in this version of channelwise.`);
};
