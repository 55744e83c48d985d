/**
 * The baseline: the Slack bot a user would write by hand with Bolt and the openai SDK. Each
 * mention → one chat completion (not streamed) → one chat.postMessage in the mention's thread. No
 * store, no de-duplication, no profiles, Bolt's default logger: what channelwise's extra work is
 * measured against. With `streamModel` it asks for the completion streamed, as channelwise does, and
 * still posts the whole text once: that variant shows what streaming the model's answer costs by itself.
 */
import type { Server } from 'node:http';
import { App, HTTPReceiver } from '@slack/bolt';
import OpenAI from 'openai';
import type { RunningApp } from './channelwise-app';

export interface BareBoltOptions {
  readonly botToken: string;
  readonly signingSecret: string;
  /** Web API base URL, ending with '/'. */
  readonly slackApiUrl: string;
  /** Includes `/v1`. */
  readonly openaiBaseUrl: string;
  readonly model: string;
  readonly systemPrompt: string;
  /** Ask for the completion streamed and gather its deltas (then post once, as without). */
  readonly streamModel?: boolean;
}

export async function startBareBolt(options: BareBoltOptions): Promise<RunningApp> {
  const app = new App({
    token: options.botToken,
    receiver: new HTTPReceiver({ signingSecret: options.signingSecret }),
    // No retries, as for channelwise in this benchmark (a refused call should show at once).
    clientOptions: { slackApiUrl: options.slackApiUrl, retryConfig: { retries: 0 } },
  });
  const openai = new OpenAI({ apiKey: 'bench-key', baseURL: options.openaiBaseUrl });
  app.event('app_mention', async ({ event, client }) => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: 'system', content: options.systemPrompt },
      { role: 'user', content: event.text },
    ];
    let text = '';
    if (options.streamModel) {
      const stream = await openai.chat.completions.create({ model: options.model, messages, stream: true });
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    } else {
      const completion = await openai.chat.completions.create({ model: options.model, messages });
      text = completion.choices[0]?.message.content ?? '';
    }
    await client.chat.postMessage({ channel: event.channel, thread_ts: event.thread_ts ?? event.ts, text });
  });
  const server = (await app.start(0)) as Server;
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('the bare Bolt app did not report its port');
  return {
    eventsUrl: `http://127.0.0.1:${address.port}/slack/events`,
    stop: async () => {
      await app.stop();
    },
  };
}
