/**
 * App Home (the bot's Home tab). Admins see every configured channel of the workspace with the
 * first line of its persona, its route and model, and the last 7 days of measured usage; members
 * see how to use the bot. Gathering is separate from building the (pure) view.
 */
import type { types } from '@slack/bolt';
import type { App } from '../../app';
import { firstLine } from '../../core/commands/describe';
import { hitRate, usageFigures } from '../../core/usage/report';
import type { LineTotals } from '../../core/usage/usage-log';
import { slackScope } from './inbound';
import { escapeMrkdwn, neutraliseMentions } from './slack-text';

export interface ChannelSummary {
  readonly channel: string;
  readonly personaFirstLine: string;
  readonly personaVersion?: number;
  readonly route: string;
  readonly model: string;
  /** The `total` of `/usage 7d`: the same numbers. */
  readonly usage7d: LineTotals;
}

/** Home views hold at most 100 blocks; two per channel plus the header leaves room for this many. */
export const HOME_MAX_CHANNELS = 45;

export async function summariseChannels(app: Pick<App, 'profiles' | 'usage'>, team: string): Promise<ChannelSummary[]> {
  const keys = await app.profiles.channelsOf(slackScope(team, ''));
  return Promise.all(
    keys.map(async (key) => {
      const channel = key.split(':').slice(2).join(':');
      const scope = slackScope(team, channel);
      const [profile, usage] = await Promise.all([app.profiles.resolve(scope), app.usage.report(scope, 7)]);
      return {
        channel,
        personaFirstLine: firstLine(profile.persona.value),
        ...(profile.persona.version !== undefined ? { personaVersion: profile.persona.version } : {}),
        route: profile.route.value,
        model: profile.route.value === 'finetune' && profile.fineTunedModel.value ? profile.fineTunedModel.value : profile.model.value,
        usage7d: usage.total,
      };
    }),
  );
}

const n = (value: number) => value.toLocaleString('en-US');

/** The `total` line of `/usage 7d`, with its cache hit rate. */
export function usageLine(usage: LineTotals): string {
  if (usage.requests === 0) return 'Last 7 days: no requests';
  return `${usageFigures('Last 7 days', usage)} · cache hit rate ${hitRate(usage)}${usage.errors ? ` · ${n(usage.errors)} failed` : ''}`;
}

const section = (text: string): types.SectionBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });

export function buildHomeView(summaries: readonly ChannelSummary[] | undefined): types.HomeView {
  const blocks: types.KnownBlock[] = [{ type: 'header', text: { type: 'plain_text', text: 'channelwise' } }];
  if (!summaries) {
    blocks.push(
      section(
        'Mention me in a channel, write to me here, or keep talking in a thread I am in. ' +
          'Channel admins shape how I answer with `/persona`, `/fewshot` and `/route`; anyone can look with `/persona show`, `/fewshot list` and `/route`.',
      ),
    );
    return { type: 'home', blocks };
  }
  if (summaries.length === 0) {
    blocks.push(section('No channel has a setup of its own yet. Use `/persona set`, `/fewshot add` or `/route` in a channel to configure it.'));
    return { type: 'home', blocks };
  }
  blocks.push(section(`*Configured channels* (${n(summaries.length)})`));
  for (const s of summaries.slice(0, HOME_MAX_CHANNELS)) {
    const persona = escapeMrkdwn(neutraliseMentions(s.personaFirstLine));
    blocks.push(
      section(
        `*<#${s.channel}>*\n` +
          `Persona${s.personaVersion !== undefined ? ` (v${s.personaVersion})` : ''}: ${persona}\n` +
          `Route: \`${s.route}\` · Model: \`${escapeMrkdwn(s.model)}\`\n` +
          usageLine(s.usage7d),
      ),
      { type: 'divider' },
    );
  }
  if (summaries.length > HOME_MAX_CHANNELS) blocks.push(section(`…and ${n(summaries.length - HOME_MAX_CHANNELS)} more channels.`));
  return { type: 'home', blocks };
}
