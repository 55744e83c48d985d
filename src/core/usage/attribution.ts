/**
 * Which channel a model call is made for, carried along the async call chain. Embeddings are made
 * deep inside the knowledge index (indexing a document, embedding a query), which knows knowledge
 * bases, not channels; the assistant and the command runner run their work inside `forChannel`,
 * so the call is counted for the channel whose message or command caused it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ChannelScope } from '../types';

const current = new AsyncLocalStorage<ChannelScope>();

export function forChannel<T>(scope: ChannelScope, work: () => Promise<T>): Promise<T> {
  return current.run(scope, work);
}

/** The channel the running work is for; undefined outside a message or command. */
export function currentChannel(): ChannelScope | undefined {
  return current.getStore();
}
