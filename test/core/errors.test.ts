import { ErrorCode, isCodedError, tooLarge, UserError } from '../../src/core/errors';

describe('tooLarge', () => {
  it('names the size and the limit in characters, with thousands separators', () => {
    const err = tooLarge('The persona', { actual: 9001, limit: 8000, unit: 'characters' });
    expect(err).toBeInstanceOf(UserError);
    expect(err.code).toBe(ErrorCode.TooLarge);
    expect(err.message).toBe('The persona is 9,001 characters; the limit is 8,000.');
    expect(err.context).toEqual({ actual: 9001, limit: 8000 });
  });

  it('says "larger than" when only the limit is known, in MB for bytes, with the limit named as asked', () => {
    expect(tooLarge('big.pdf', { limit: 20_000_000, unit: 'bytes', limitName: 'file limit' }).message).toBe('big.pdf is larger than the file limit of 20 MB.');
    expect(tooLarge('https://example.com/x', { limit: 100_000, unit: 'bytes' }).message).toBe('https://example.com/x is larger than the limit of 0.1 MB.');
  });

  it('gives the size in MB when it is known and reads differently from the limit', () => {
    expect(tooLarge('big.pdf', { actual: 25_300_000, limit: 20_000_000, unit: 'bytes', limitName: 'file limit' }).message).toBe(
      'big.pdf is 25.3 MB; the file limit is 20 MB.',
    );
    // 20,000,001 bytes rounds to the limit's own figure: "20 MB; the limit is 20 MB" would not read as a refusal.
    expect(tooLarge('big.pdf', { actual: 20_000_001, limit: 20_000_000, unit: 'bytes' }).message).toBe('big.pdf is larger than the limit of 20 MB.');
  });

  it('keeps the caller’s log context beside the sizes', () => {
    expect(tooLarge('x', { actual: 2, limit: 1, unit: 'characters', context: { file: 'F1' } }).context).toEqual({ file: 'F1', actual: 2, limit: 1 });
  });
});

describe('error codes', () => {
  it('every code is distinct and namespaced', () => {
    const values = Object.values(ErrorCode);
    expect(new Set(values).size).toBe(values.length);
    for (const value of values) expect(value).toMatch(/^channelwise_[a-z_]+$/);
  });

  it('a UserError is a coded error and keeps the failure underneath it for the logs', () => {
    const socket = new Error('connect ECONNREFUSED');
    const err = new UserError(ErrorCode.FetchFailed, 'I could not fetch it.', {}, { cause: socket });
    expect(isCodedError(err)).toBe(true);
    expect(err.cause).toBe(socket);
    expect(isCodedError(new UserError(ErrorCode.Timeout, 'x'))).toBe(true);
    expect(isCodedError(new Error('x'))).toBe(false);
  });
});
