/** Where the benchmarked app's logs go: nowhere, at the price of a write system call per line, as stderr costs in production. */
import { closeSync, openSync, writeSync } from 'node:fs';
import { Writable } from 'node:stream';

export function devNull(): { stream: Writable; close: () => void } {
  const fd = openSync('/dev/null', 'w');
  // decodeStrings (the default) hands write() Buffers only.
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      writeSync(fd, chunk);
      done();
    },
  });
  return { stream, close: () => closeSync(fd) };
}
