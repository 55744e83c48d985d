/**
 * The effective profile of a channel: config defaults, overridden by the workspace profile,
 * overridden by the channel profile (SPEC §1). Each value remembers where it came from.
 */
import type { ChannelScope, FewshotExample, FewshotMode, NoSourcePolicy, Route, Sourced, Trigger } from '../types';
import { channelKey, workspaceKey } from '../types';
import type { ProfileRecord } from './records';

/** The config-level values every channel starts from. */
export interface ProfileDefaults {
  readonly persona: string;
  readonly route: Route;
  readonly model: string;
  readonly temperature: number;
  readonly trigger: Trigger;
  readonly fewshotMode: FewshotMode;
  readonly noSource: NoSourcePolicy;
}

export interface EffectiveProfile {
  readonly scope: ChannelScope;
  readonly persona: Sourced<string> & { readonly version?: number };
  readonly fewshot: Sourced<readonly FewshotExample[]>;
  readonly fewshotMode: Sourced<FewshotMode>;
  readonly route: Sourced<Route>;
  readonly model: Sourced<string>;
  readonly fineTunedModel: Sourced<string | undefined>;
  readonly temperature: Sourced<number>;
  readonly trigger: Sourced<Trigger>;
  readonly knowledgeBases: Sourced<readonly string[]>;
  readonly noSource: Sourced<NoSourcePolicy>;
}

/** A channel's own knowledge base id: every channel has one, even before anything is added. */
export function channelKnowledgeBase(scope: ChannelScope): string {
  return channelKey(scope);
}

/** The workspace-wide knowledge base that channels may attach (`/kb attach`). */
export function workspaceKnowledgeBase(scope: ChannelScope): string {
  return workspaceKey(scope);
}

function pick<T>(fallback: T, workspace: T | undefined, channel: T | undefined): Sourced<T> {
  if (channel !== undefined) return { value: channel, source: 'channel' };
  if (workspace !== undefined) return { value: workspace, source: 'workspace' };
  return { value: fallback, source: 'config' };
}

export function resolveProfile(
  scope: ChannelScope,
  defaults: ProfileDefaults,
  workspace: ProfileRecord | undefined,
  channel: ProfileRecord | undefined,
): EffectiveProfile {
  const persona: EffectiveProfile['persona'] = channel?.persona
    ? { value: channel.persona.text, version: channel.persona.version, source: 'channel' }
    : workspace?.persona
      ? { value: workspace.persona.text, version: workspace.persona.version, source: 'workspace' }
      : { value: defaults.persona, source: 'config' };
  const ownKb = channelKnowledgeBase(scope);
  const attached = pick<readonly string[]>([], workspace?.knowledgeBases, channel?.knowledgeBases);
  return {
    scope,
    persona,
    fewshot: pick<readonly FewshotExample[]>([], workspace?.fewshot, channel?.fewshot),
    fewshotMode: pick(defaults.fewshotMode, workspace?.fewshotMode, channel?.fewshotMode),
    route: pick(defaults.route, workspace?.route, channel?.route),
    model: pick(defaults.model, workspace?.model, channel?.model),
    fineTunedModel: pick<string | undefined>(undefined, workspace?.fineTunedModel, channel?.fineTunedModel),
    temperature: pick(defaults.temperature, workspace?.temperature, channel?.temperature),
    trigger: pick(defaults.trigger, workspace?.trigger, channel?.trigger),
    noSource: pick(defaults.noSource, workspace?.noSource, channel?.noSource),
    // The channel's own knowledge base always comes first; attached (workspace-wide) ones follow.
    knowledgeBases: {
      value: [ownKb, ...attached.value.filter((id) => id !== ownKb)],
      source: attached.source,
    },
  };
}

export function levelKeys(scope: ChannelScope): { channel: string; workspace: string } {
  return { channel: channelKey(scope), workspace: workspaceKey(scope) };
}
