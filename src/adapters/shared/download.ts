import { ErrorCode, UserError } from '../../core/errors';

/**
 * Reading a downloaded file under a size limit, shared by the chat platforms' attachment downloads:
 * the declared size is only a hint, so the limit is enforced on the bytes actually received and the
 * connection is closed as soon as they pass it.
 */

/** Reads the body, giving up (and closing the connection) as soon as it passes `maxBytes`; `tooBig` makes the error. */
export async function readAtMost(response: Response, maxBytes: number, tooBig: () => Error): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooBig();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}

/**
 * What a failed attachment download tells the user, the same way on every platform: a sentence of
 * its own passes through, a download cut off by its time limit says so, anything else is a failed fetch.
 */
export function downloadFailure(err: unknown, timedOut: boolean, from: string, timeoutMs: number, context: Record<string, unknown>): UserError {
  if (err instanceof UserError) return err;
  if (timedOut) {
    return new UserError(ErrorCode.Timeout, `it took longer than ${(timeoutMs / 1000).toLocaleString('en-US')} seconds to download from ${from}.`, context);
  }
  return new UserError(ErrorCode.FetchFailed, `it could not be downloaded from ${from}.`, context, { cause: err });
}
