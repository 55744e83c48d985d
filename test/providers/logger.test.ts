import { PassThrough } from 'node:stream';
import { createLogger } from '../../src/providers/logger';
import { InternalError, ErrorCode } from '../../src/core/errors';

describe('createLogger', () => {
  it('writes errors whole: type, message, code and stack, also from child loggers', async () => {
    const out = new PassThrough();
    const lines: string[] = [];
    out.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
    const logger = createLogger('info', out).child({ scope: 'slack:T1:C1' });
    logger.error({ err: new InternalError(ErrorCode.StoreError, 'redis store could not read "k"', { cause: new Error('ECONNREFUSED') }) }, 'could not answer');
    await new Promise((resolve) => setImmediate(resolve));
    const entry = JSON.parse(lines[0] ?? '{}') as { msg: string; scope: string; err: { type: string; message: string; code: string; stack: string } };
    expect(entry).toMatchObject({ msg: 'could not answer', scope: 'slack:T1:C1' });
    expect(entry.err).toMatchObject({ type: 'InternalError', message: 'redis store could not read "k": ECONNREFUSED', code: 'channelwise_store_error' });
    expect(entry.err.stack).toMatch(/^InternalError: redis store could not read "k"\n\s+at /);
    expect(JSON.stringify(entry.err)).toContain('ECONNREFUSED'); // the cause is kept too
  });
});
