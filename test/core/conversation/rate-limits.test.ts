/**
 * The rate limits' windows on one process (SQLite: counters in memory). The limits across
 * processes on Redis and PostgreSQL, through real `npm start` processes: test/scale/rate-limits.e2e.test.ts.
 */
import { InProcessCounters, RateLimits } from '../../../src/core/conversation/rate-limits';
import type { ChannelScope } from '../../../src/core/types';

const scope: ChannelScope = { platform: 'slack', workspace: 'T1', channel: 'C1' };
const other: ChannelScope = { platform: 'slack', workspace: 'T1', channel: 'C2' };
const ann = { id: 'U1', name: 'ann' };
const bob = { id: 'U2', name: 'bob' };

function limits(settings: { userPerMinute: number; channelPerMinute: number }) {
  let now = Date.UTC(2026, 11, 2, 10, 0, 5);
  const clock = { now: () => new Date(now) };
  return { limits: new RateLimits(new InProcessCounters(() => now), clock, settings), advance: (ms: number) => (now += ms) };
}

describe('RateLimits with counters in memory', () => {
  it('refuses one person past the limit across channels, tells them once, and lets them in the next minute', async () => {
    const { limits: l, advance } = limits({ userPerMinute: 2, channelPerMinute: 0 });
    expect(await l.check(scope, ann)).toEqual({ allowed: true });
    expect(await l.check(other, ann)).toEqual({ allowed: true });
    expect(await l.check(scope, bob)).toEqual({ allowed: true }); // someone else has a count of their own
    const over = await l.check(scope, ann);
    expect(over).toEqual({ allowed: false, notify: true, sentence: 'You have sent me 2 messages this minute, the limit per person; try again in 55 seconds.' });
    expect(await l.check(scope, ann)).toMatchObject({ allowed: false, notify: false });
    advance(55_000);
    expect(await l.check(scope, ann)).toEqual({ allowed: true });
  });

  it("counts a channel's messages from everyone into its limit; 0 turns a limit off", async () => {
    const { limits: l } = limits({ userPerMinute: 0, channelPerMinute: 3 });
    for (const user of [ann, bob, ann]) expect(await l.check(scope, user)).toEqual({ allowed: true });
    expect(await l.check(scope, bob)).toMatchObject({
      allowed: false,
      notify: true,
      sentence: expect.stringMatching(/^This channel has sent me 3 messages this minute/),
    });
    expect(await l.check(other, bob)).toEqual({ allowed: true });
  });
});
