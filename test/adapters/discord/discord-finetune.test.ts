/**
 * Fine-tuning on Discord: `/finetune export` answers privately with the JSONL attached, and the
 * background posts (job progress) arrive as channel messages that ping no one.
 */
import { discordScope } from '../../../src/adapters/discord/inbound';
import { checkChatTrainingFile } from '../../helpers/fake-openai';
import { admin as coreAdmin } from '../../helpers/app';
import { allEphemeral, told, useDiscordHarness } from '../../helpers/discord-harness';

const ctx = useDiscordHarness();

describe('/finetune on Discord', () => {
  it('attaches the export to the private answer', async () => {
    const { h } = ctx;
    const scope = discordScope(h.guild.id, h.channel.id);
    for (let i = 1; i <= 2; i++) await h.app.profiles.addExample(scope, coreAdmin, `question ${i}`, `answer ${i}`);
    const record = await h.slash(h.admin, 'finetune', 'export');
    expect(told(record)).toBe(`The training set: 2 examples as chat fine-tuning JSONL (training-${h.channel.id}.jsonl).`);
    expect(allEphemeral(record)).toBe(true);
    const files = [...record.edits, ...record.followups].flatMap((body) => (body as { files?: Array<{ name: string; content: string }> }).files ?? []);
    expect(files.map((f) => f.name)).toEqual([`training-${h.channel.id}.jsonl`]);
    expect(checkChatTrainingFile(files[0]?.content ?? '')).toEqual([]);
  });

  it('posts background messages in the channel without pinging anyone', async () => {
    const { h } = ctx;
    await h.app.posters.post(discordScope(h.guild.id, h.channel.id), 'Fine-tuning job ft-1 is now running. @everyone');
    const [message] = h.discord.botMessages(h.channel.id);
    expect(message?.content).toBe('Fine-tuning job ft-1 is now running. @everyone');
    expect(message?.pings).toEqual([]);
  });
});
