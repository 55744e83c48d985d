/**
 * What a click on a 👍 / 👎 button means on every platform: a second click on the button of the
 * user's current vote takes the vote back (the core's `none`); any other click is that vote.
 */
import type { Feedback, VoteValue } from '../../core/feedback/feedback';
import type { ChannelScope, UserRef } from '../../core/types';

export async function toggled(feedback: Feedback, scope: ChannelScope, user: UserRef, answerId: string, clicked: VoteValue): Promise<VoteValue | 'none'> {
  return (await feedback.votesOf(scope, answerId))[user.id]?.value === clicked ? 'none' : clicked;
}
