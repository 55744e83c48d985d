/**
 * Preloaded into bot processes by `bench/load/conversations.ts --profile <dir>` (NODE_OPTIONS
 * refuses --cpu-prof): profiles the bot's main thread from SIGUSR2 (sent when the load starts, so
 * start-up and warm-up stay out) and writes `<dir>/bot-<pid>.cpuprofile` on SIGTERM, before the
 * bot's own shutdown runs. The tsx wrapper process (argv[1] is tsx's cli) is left alone.
 */
const inspector = require('node:inspector');
const fs = require('node:fs');
const path = require('node:path');

const dir = process.env.CHANNELWISE_PROFILE_DIR;
if (dir && /index\.ts$/.test(process.argv[1] ?? '')) {
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  process.once('SIGUSR2', () => session.post('Profiler.start'));
  process.prependOnceListener('SIGTERM', () => {
    session.post('Profiler.stop', (err, result) => {
      if (!err) fs.writeFileSync(path.join(dir, `bot-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
