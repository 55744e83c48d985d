/**
 * Tenant isolation over Slack's HTTP path (issue #12): the scope comes from the payload's team, so
 * a second workspace naming the first one's ids (document d1, persona "pirate", case 1) through
 * the same app and channel id gets "not found" and sees none of it; the first keeps all of it. The
 * whole command set is covered through the core in test/core/commands/isolation.test.ts.
 */
import { ADMIN, CHANNEL, SlackHarness } from '../../helpers/slack-harness';
import { shownText } from '../../helpers/fake-slack';
import { postCommand } from '../../helpers/slack-requests';

const OTHER_TEAM = 'T0OTHERTEAM';

describe('tenant isolation through the Slack adapter', () => {
  let h: SlackHarness;
  beforeAll(async () => {
    // ADMIN is an admin by id (ADMIN_USER_IDS) in both workspaces, so only the scope tells them apart.
    h = await SlackHarness.start({ adminUserIds: [ADMIN.id] });
    for (const [command, text] of [
      ['/kb', 'add Zebrafish handbook: the vault code is 4417.'],
      ['/persona', 'set You are Zebrafish.'],
      ['/persona', 'save pirate'],
      ['/eval', 'add What is the vault code? => 4417'],
    ] as const) {
      expect((await h.run(command, text)).status).toBe(200);
    }
  });
  afterAll(async () => {
    h.slack.assertNoViolations();
    await h.stop();
  });

  /** A slash command from the other workspace, same channel id and user; what the caller was told. */
  async function fromOtherTeam(command: string, text: string): Promise<string> {
    const responseUrl = h.slack.newResponseUrl();
    const id = responseUrl.split('/').pop() ?? '';
    const { status } = await postCommand(h.url, { command, text, team: OTHER_TEAM, channel: CHANNEL, user: ADMIN.id, userName: ADMIN.name, responseUrl });
    expect(status).toBe(200);
    await h.idle();
    return h.slack.responses
      .filter((r) => r.id === id)
      .map((r) => shownText(r.body))
      .join('\n');
  }

  it.each([
    ['/kb', 'remove d1', /^There is no document d1 here/],
    ['/persona', 'use pirate', /^There is no saved persona named "pirate"/],
    ['/persona', 'rollback 1', /persona version|no persona versions/],
    ['/eval', 'remove 1', /^There is no case 1/],
    ['/kb', 'list', /^The knowledge base is empty/],
    ['/eval', 'list', /^This channel has no evaluation cases yet/],
    ['/persona', 'list', /^No saved personas yet/],
  ])("the other team's %s %s: nothing of the first team's", async (command, text, expected) => {
    const told = await fromOtherTeam(command, text);
    expect(told).toMatch(expected);
    expect(told).not.toMatch(/Zebrafish|4417/);
  });

  it('the first team still has all of it', async () => {
    expect((await h.run('/kb', 'list')).told).toContain('Zebrafish handbook');
    expect((await h.run('/persona', 'show')).told).toContain('You are Zebrafish.');
    expect((await h.run('/persona', 'list')).told).toContain('pirate');
    expect((await h.run('/eval', 'list')).told).toBe('1. What is the vault code? => 4417');
  });
});
