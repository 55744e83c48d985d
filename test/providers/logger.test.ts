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

  it('redacts auth headers, API keys and passwords wherever an error or request object carries them', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const logger = createLogger('debug', out);
    const err = Object.assign(new Error('request failed'), {
      config: { headers: { Authorization: 'Bearer sk-secret-1' } },
      request: { headers: { authorization: 'Bearer sk-secret-2', 'x-api-key': 'sk-secret-3' } },
      client: { options: { apiKey: 'sk-secret-7' } },
    });
    logger.warn({ err, apiKey: 'sk-secret-4', password: 'pw-secret-5', headers: { cookie: 'session=secret-6' } }, 'call failed');
    logger.error({ err: new Error('plain', { cause: { password: 'pw-secret-8' } }) }, 'with a cause');
    await new Promise((resolve) => setImmediate(resolve));
    expect(text).toContain('request failed');
    expect(text).toContain('with a cause');
    expect(text).toContain('[redacted]');
    expect(text).not.toMatch(/secret-\d/);
  });
});
