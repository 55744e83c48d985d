/** A Redis shared with others keeps nothing of a benchmark run (claims and thread memory have long TTLs). */
import { createClient } from '@redis/client';

/** Deletes every key naming `team` (each run uses a team of its own). */
export async function deleteRunKeys(url: string, team: string): Promise<void> {
  const client = createClient({ url });
  await client.connect();
  try {
    const keys: string[] = [];
    for await (const batch of client.scanIterator({ MATCH: `*${team}*`, COUNT: 1000 })) keys.push(...batch);
    for (let i = 0; i < keys.length; i += 500) await client.del(keys.slice(i, i + 500));
  } finally {
    await client.quit();
  }
}
