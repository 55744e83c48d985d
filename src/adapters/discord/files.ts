/**
 * Discord attachments (of a message, or a `/kb add` attachment option) → the core's `Attachment`s.
 * Discord serves them from its CDN at signed URLs that need no token, so none is sent. Every file is
 * untrusted (SPEC §6): only Discord's own hosts (plus the host of DISCORD_API_URL, for a proxy or
 * the tests' fake) are fetched, the size Discord declares is only a hint, the limit is enforced on
 * the bytes received, and a download that stalls is cut off.
 */
import { ErrorCode, tooLarge, UserError } from '../../core/errors';
import type { Attachment } from '../../core/types';
import { downloadFailure, readAtMost } from '../shared/download';

export interface DiscordFile {
  readonly name: string;
  readonly url: string;
  readonly size?: number;
  readonly contentType?: string | null;
}

export interface FileDownloadOptions {
  readonly maxBytes: number;
  readonly timeoutMs: number;
  readonly extraHosts?: readonly string[];
}

export const FILE_DOWNLOAD_TIMEOUT_MS = 60_000;
const DISCORD_CDN = ['cdn.discordapp.com', 'media.discordapp.net'];

function fromDiscord(url: URL, extraHosts: readonly string[]): boolean {
  if (extraHosts.includes(url.hostname)) return url.protocol === 'http:' || url.protocol === 'https:';
  return url.protocol === 'https:' && DISCORD_CDN.includes(url.hostname.toLowerCase());
}

export function discordAttachments(files: readonly DiscordFile[], options: FileDownloadOptions): Attachment[] {
  return files.map((file) => ({
    name: file.name,
    ...(file.contentType ? { contentType: file.contentType } : {}),
    ...(typeof file.size === 'number' && Number.isFinite(file.size) ? { size: file.size } : {}),
    download: () => download(file, options),
  }));
}

async function download(file: DiscordFile, options: FileDownloadOptions): Promise<Uint8Array> {
  const context = { name: file.name };
  const tooBig = () => tooLarge(file.name, { limit: options.maxBytes, unit: 'bytes', limitName: 'file limit' });
  let url: URL;
  try {
    url = new URL(file.url);
  } catch {
    throw new UserError(ErrorCode.FetchFailed, 'Discord gave no valid download link for it.', context);
  }
  if (!fromDiscord(url, options.extraHosts ?? [])) {
    throw new UserError(ErrorCode.AddressRefused, 'its download link does not point to Discord, so I did not fetch it.', { ...context, host: url.hostname });
  }
  const signal = AbortSignal.timeout(options.timeoutMs);
  try {
    const response = await fetch(url, { signal });
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw new UserError(ErrorCode.HttpStatus, `Discord refused to hand it over (HTTP ${response.status}).`, { ...context, status: response.status });
    }
    if (Number(response.headers.get('content-length') ?? NaN) > options.maxBytes) {
      await response.body?.cancel().catch(() => undefined);
      throw tooBig();
    }
    return await readAtMost(response, options.maxBytes, tooBig);
  } catch (err) {
    throw downloadFailure(err, signal.aborted, 'Discord', options.timeoutMs, context);
  }
}
