/** Everything a command could change in one channel (and its workspace), read straight from the store. */
import type { DocumentStore } from '../../../src/core/ports';
import { storeKeys } from '../../../src/core/profiles/records';
import { channelKey, workspaceKey, type ChannelScope } from '../../../src/core/types';

export async function storeSnapshot(store: DocumentStore, scope: ChannelScope): Promise<string> {
  const keys = [
    storeKeys.profile(channelKey(scope)),
    storeKeys.profile(workspaceKey(scope)),
    storeKeys.personaHistory(channelKey(scope)),
    storeKeys.audit(channelKey(scope)),
    storeKeys.audit(workspaceKey(scope)),
    storeKeys.library(workspaceKey(scope)),
    `kb-catalog:${channelKey(scope)}`,
    `kb-catalog:${workspaceKey(scope)}`,
    `budget:${channelKey(scope)}`,
  ];
  return JSON.stringify(await Promise.all(keys.map((key) => store.get(key))));
}
