/**
 * `npx tsx bench/load/kill9-writes.ts [--store <url>]` (also `--store sqlite:///tmp/x.sqlite`):
 * 200 `/fewshot add`s, each acknowledged by its reply, the process SIGKILLed (its whole group) after
 * 100 acknowledgements, restarted on the same store. Target (issue #12): every acknowledged write
 * present after the restart.
 */
import { BotCluster } from '../../test/helpers/bot-cluster';
import { killDuringWrites } from '../../test/helpers/kill9-writes';
import { type Rows, runOnEachStore } from './_faults';

const WRITES = 200;
const KILL_AFTER = 100;

async function killOnce(storeUrl: string, rows: Rows): Promise<void> {
  const cluster = await BotCluster.start({ processes: 1, storeUrl, model: false });
  try {
    const result = await killDuringWrites(cluster, WRITES, KILL_AFTER, `C0B9${Date.now().toString(36).toUpperCase()}`);
    rows.row(storeUrl, 'acknowledged writes before the kill', `≥ ${KILL_AFTER} of ${WRITES}`, String(result.acknowledged), result.acknowledged >= KILL_AFTER);
    rows.row(storeUrl, 'acknowledged writes missing after restart', '0', String(result.lost.length), result.lost.length === 0);
    rows.row(storeUrl, 'writes cut off unacknowledged by the kill', '—', String(result.unanswered));
  } finally {
    await cluster.close();
  }
}

runOnEachStore('kill9-writes', killOnce);
