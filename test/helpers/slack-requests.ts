/**
 * What Slack sends to the app, for tests: Events API envelopes, slash commands and interactivity
 * payloads, shaped like the samples in ../shared/api-specs/slack/samples (AppMentionPayload.json,
 * MessagePayload.json, AppHomeOpenedPayload.json) and checked against the Events API schemas, then
 * POSTed to Bolt with Slack's v0 signature (HMAC-SHA256 of `v0:<timestamp>:<body>`).
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { SLACK_SPEC_DIR } from './fake-slack';

export const SIGNING_SECRET = 'test-signing-secret-0123456789';

export interface SignedPostOptions {
  readonly secret?: string;
  /** Seconds since the epoch used in the signature (default: now). */
  readonly timestamp?: number;
  readonly headers?: Record<string, string>;
  /** Sign a different body than the one sent (a tampered request). */
  readonly signBody?: string;
}

export interface PostResult {
  readonly status: number;
  readonly body: string;
  /** Monotonic ms when the response arrived (ordering against the fakes' recorded times). */
  readonly receivedAt: number;
}

export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export async function signedPost(url: string, body: string, contentType: string, options: SignedPostOptions = {}): Promise<PostResult> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': contentType,
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': slackSignature(options.secret ?? SIGNING_SECRET, timestamp, options.signBody ?? body),
      ...options.headers,
    },
    body,
  });
  const text = await response.text();
  return { status: response.status, body: text, receivedAt: Number(process.hrtime.bigint()) / 1e6 };
}

// ── Events API ─────────────────────────────────────────────────────────────────────────────────

let validators: { wrapper: ValidateFunction; message: ValidateFunction } | undefined;

function eventValidators(): { wrapper: ValidateFunction; message: ValidateFunction } {
  if (validators) return validators;
  const ajv = new Ajv({ strict: false, allErrors: true });
  const wrapper = JSON.parse(readFileSync(path.join(SLACK_SPEC_DIR, 'slack_common_event_wrapper_schema.json'), 'utf8')) as Record<string, unknown>;
  delete wrapper['$schema'];
  const events = JSON.parse(readFileSync(path.join(SLACK_SPEC_DIR, 'slack_events_api_async_v1.json'), 'utf8')) as {
    topics: Record<string, { subscribe: { payload: Record<string, unknown> } }>;
  };
  // The `message` topic was generated from a message_deleted sample and marks that subtype's fields
  // required; its property *types* still apply to every message event, so only `required` is dropped.
  const messageSchema = JSON.parse(JSON.stringify(events.topics['message']!.subscribe.payload), (key, value: unknown) =>
    key === 'required' ? undefined : value,
  ) as Record<string, unknown>;
  validators = { wrapper: ajv.compile(wrapper), message: ajv.compile(messageSchema) };
  return validators;
}

/** Throws when an envelope the test built is not what Slack sends. */
export function assertValidEnvelope(envelope: Record<string, unknown>): void {
  const { wrapper, message } = eventValidators();
  const problems: string[] = [];
  if (!wrapper(envelope)) problems.push(...(wrapper.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`));
  const event = envelope['event'] as { type?: string } | undefined;
  if (event?.type === 'message' && !message(envelope)) problems.push(...(message.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`));
  if (problems.length) throw new Error(`test envelope does not match the Events API schema: ${problems.join('; ')}`);
}

let eventCounter = 0;

export interface EnvelopeOptions {
  readonly team: string;
  readonly appId?: string;
  readonly botUserId?: string;
  readonly eventId?: string;
}

/** An `event_callback` envelope around `event`, as AppMentionPayload.json / MessagePayload.json. */
export function envelope(event: Record<string, unknown>, options: EnvelopeOptions): Record<string, unknown> {
  eventCounter += 1;
  const body = {
    token: 'verification-token-unused',
    team_id: options.team,
    api_app_id: options.appId ?? 'A0APP0001',
    event,
    type: 'event_callback',
    event_id: options.eventId ?? `Ev${String(eventCounter).padStart(8, '0')}`,
    event_time: Math.floor(Date.now() / 1000),
    authed_users: [options.botUserId ?? 'U0BOT0001'],
    authorizations: [{ enterprise_id: null, team_id: options.team, user_id: options.botUserId ?? 'U0BOT0001', is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
    event_context: `4-${Buffer.from(String(eventCounter)).toString('base64')}`,
  };
  assertValidEnvelope(body);
  return body;
}

export interface MessageFields {
  readonly channel: string;
  readonly user: string;
  readonly text: string;
  readonly ts: string;
  readonly thread_ts?: string;
  readonly channel_type?: 'channel' | 'group' | 'im' | 'mpim';
  readonly team: string;
  readonly bot_id?: string;
  readonly subtype?: string;
}

export function appMentionEvent(fields: MessageFields): Record<string, unknown> {
  return {
    type: 'app_mention',
    client_msg_id: `cm-${fields.ts}`,
    user: fields.user,
    text: fields.text,
    ts: fields.ts,
    team: fields.team,
    channel: fields.channel,
    event_ts: fields.ts,
    ...(fields.thread_ts ? { thread_ts: fields.thread_ts } : {}),
  };
}

export function messageEvent(fields: MessageFields): Record<string, unknown> {
  return {
    type: 'message',
    ...(fields.subtype ? { subtype: fields.subtype } : { client_msg_id: `cm-${fields.ts}` }),
    user: fields.user,
    text: fields.text,
    ts: fields.ts,
    team: fields.team,
    channel: fields.channel,
    event_ts: fields.ts,
    channel_type: fields.channel_type ?? (fields.channel.startsWith('D') ? 'im' : 'channel'),
    ...(fields.thread_ts ? { thread_ts: fields.thread_ts } : {}),
    ...(fields.bot_id ? { bot_id: fields.bot_id } : {}),
  };
}

export function appHomeOpenedEvent(user: string, channel: string): Record<string, unknown> {
  const ts = `${Math.floor(Date.now() / 1000)}.000100`;
  return { type: 'app_home_opened', user, channel, tab: 'home', event_ts: ts };
}

export function postEvent(url: string, body: Record<string, unknown>, options: SignedPostOptions = {}): Promise<PostResult> {
  return signedPost(url, JSON.stringify(body), 'application/json', options);
}

// ── Slash commands and interactivity ───────────────────────────────────────────────────────────

export interface SlashFields {
  readonly command: string;
  readonly text: string;
  readonly team: string;
  readonly channel: string;
  readonly user: string;
  readonly userName: string;
  readonly responseUrl: string;
  readonly triggerId?: string;
}

let triggerCounter = 0;
export function newTriggerId(): string {
  triggerCounter += 1;
  return `${triggerCounter}.1700000000.abcdef${triggerCounter}`;
}

/** The form fields Slack posts for a slash command. */
export function slashCommandBody(fields: SlashFields): string {
  return new URLSearchParams({
    token: 'verification-token-unused',
    team_id: fields.team,
    team_domain: 'fake-team',
    channel_id: fields.channel,
    channel_name: 'general',
    user_id: fields.user,
    user_name: fields.userName,
    command: fields.command,
    text: fields.text,
    api_app_id: 'A0APP0001',
    is_enterprise_install: 'false',
    response_url: fields.responseUrl,
    trigger_id: fields.triggerId ?? newTriggerId(),
  }).toString();
}

export function postCommand(url: string, fields: SlashFields, options: SignedPostOptions = {}): Promise<PostResult> {
  return signedPost(url, slashCommandBody(fields), 'application/x-www-form-urlencoded', options);
}

/** Interactivity (modals, shortcuts) arrives as a form with one `payload` field holding JSON. */
export function postInteraction(url: string, payload: Record<string, unknown>, options: SignedPostOptions = {}): Promise<PostResult> {
  return signedPost(url, new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded', options);
}

export function viewSubmissionPayload(args: {
  team: string;
  user: string;
  userName: string;
  view: Record<string, unknown>;
  values: Record<string, string>;
}): Record<string, unknown> {
  const values: Record<string, Record<string, { type: string; value: string }>> = {};
  for (const [blockId, value] of Object.entries(args.values)) values[blockId] = { value: { type: 'plain_text_input', value } };
  return {
    type: 'view_submission',
    team: { id: args.team, domain: 'fake-team' },
    user: { id: args.user, username: args.userName, name: args.userName, team_id: args.team },
    api_app_id: 'A0APP0001',
    token: 'verification-token-unused',
    trigger_id: newTriggerId(),
    view: { ...args.view, id: 'V0VIEW001', team_id: args.team, state: { values }, hash: '1700000000.abc', app_id: 'A0APP0001', bot_id: 'B0BOT0001' },
    response_urls: [],
    is_enterprise_install: false,
  };
}

export function messageShortcutPayload(args: {
  team: string;
  channel: string;
  user: string;
  userName: string;
  callbackId: string;
  message: Record<string, unknown>;
  responseUrl: string;
}): Record<string, unknown> {
  return {
    type: 'message_action',
    token: 'verification-token-unused',
    action_ts: `${Math.floor(Date.now() / 1000)}.000200`,
    team: { id: args.team, domain: 'fake-team' },
    user: { id: args.user, username: args.userName, name: args.userName, team_id: args.team },
    channel: { id: args.channel, name: 'general' },
    is_enterprise_install: false,
    callback_id: args.callbackId,
    trigger_id: newTriggerId(),
    response_url: args.responseUrl,
    message_ts: args.message['ts'],
    message: args.message,
  };
}

/**
 * A click on a `feedback_buttons` button of a bot message, as Slack sends it (a `block_actions`
 * payload; docs.slack.dev/reference/interaction-payloads/block_actions-payload): the button's
 * `value` and text come from the message as it was posted, so a test clicks what a user sees.
 */
export function feedbackClickPayload(args: {
  team: string;
  channel: string;
  user: string;
  userName: string;
  message: { ts: string; thread_ts?: string; text: string; blocks?: Record<string, unknown>[] };
  side: 'positive_button' | 'negative_button';
  responseUrl: string;
}): Record<string, unknown> {
  const blocks = args.message.blocks ?? [];
  const block = blocks.find((b) => b['type'] === 'context_actions');
  const element = (block?.['elements'] as Record<string, unknown>[] | undefined)?.find((e) => e['type'] === 'feedback_buttons');
  const button = element?.[args.side] as { value: string; text: Record<string, unknown> } | undefined;
  if (!block || !element || !button) throw new Error(`message ${args.message.ts} has no feedback buttons to click`);
  return {
    type: 'block_actions',
    user: { id: args.user, username: args.userName, name: args.userName, team_id: args.team },
    api_app_id: 'A0APP0001',
    token: 'verification-token-unused',
    container: {
      type: 'message',
      message_ts: args.message.ts,
      channel_id: args.channel,
      is_ephemeral: false,
      ...(args.message.thread_ts ? { thread_ts: args.message.thread_ts } : {}),
    },
    trigger_id: newTriggerId(),
    team: { id: args.team, domain: 'fake-team' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: args.channel, name: 'general' },
    message: { type: 'message', user: 'U0BOT0001', ...args.message },
    state: { values: {} },
    response_url: args.responseUrl,
    actions: [
      {
        type: 'feedback_buttons',
        action_id: element['action_id'],
        block_id: block['block_id'] ?? 'fb0',
        value: button.value,
        text: button.text,
        action_ts: `${Math.floor(Date.now() / 1000)}.000300`,
      },
    ],
  };
}

/** A `reaction_added` event on a message (docs.slack.dev/reference/events/reaction_added). */
export function reactionAddedEvent(user: string, channel: string, ts: string, reaction: string, itemUser = 'U0BOT0001'): Record<string, unknown> {
  return {
    type: 'reaction_added',
    user,
    reaction,
    item_user: itemUser,
    item: { type: 'message', channel, ts },
    event_ts: `${Math.floor(Date.now() / 1000)}.000400`,
  };
}
