/**
 * Families whose features have not landed yet are registered (parsed, listed in help, Slack's
 * manifest and Discord's commands) and answer so, in one sentence, instead of failing.
 */
import { ErrorCode, UserError } from '../errors';
import type { Executor } from './context';
import type { Command } from './types';

export const notAvailableYet: Executor<Command> = async (command) => {
  throw new UserError(ErrorCode.NotAvailable, `/${command.family} is not available yet in this version of channelwise.`);
};
