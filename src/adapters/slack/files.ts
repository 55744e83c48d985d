/**
 * Files attached to Slack messages → the core's `Attachment`s. Slack serves a file's bytes at its
 * `url_private_download` (or `url_private`) to requests carrying a token with `files:read`. Every
 * file is untrusted (SPEC §6): the declared `size` is only a hint, so the limit is enforced on the
 * bytes actually received, a download that stalls is cut off, and whatever goes wrong becomes a
 * one-sentence reason the core reports for that file while the others still go in.
 */
import { ErrorCode, tooLarge, UserError } from '../../core/errors';
import type { Attachment } from '../../core/types';
import { downloadFailure, readAtMost } from '../shared/download';

/** The fields of a Slack file object (message `files[]`) that matter here. */
export interface SlackFile {
  readonly id?: string;
  readonly name?: string;
  readonly title?: string;
  readonly mimetype?: string;
  readonly size?: number;
  /** `tombstone` (deleted), `hidden_by_limit` (free-plan history), `external`, `hosted`, … */
  readonly mode?: string;
  readonly is_external?: boolean;
  readonly url_private?: string;
  readonly url_private_download?: string;
}

export interface FileDownloadOptions {
  readonly botToken: string;
  /** The knowledge base's file limit (config `knowledge.fileBytes`). */
  readonly maxBytes: number;
  readonly timeoutMs: number;
  /**
   * Hosts the bot token may be sent to besides Slack's own (`slack.com`, `slack-gov.com` and their
   * subdomains, over https): the host of SLACK_API_URL, so a proxy or a test fake works too.
   */
  readonly extraHosts?: readonly string[];
}

export const FILE_DOWNLOAD_TIMEOUT_MS = 60_000;

/** Worded like the core's check of the declared size (src/core/commands/kb.ts), so both read alike. */
function tooBig(name: string, maxBytes: number): UserError {
  return tooLarge(name, { limit: maxBytes, unit: 'bytes', limitName: 'file limit' });
}

/** The bot token goes only to Slack: an external file's URL points elsewhere and must not get it. */
function tokenMayGoTo(url: URL, extraHosts: readonly string[]): boolean {
  if (extraHosts.includes(url.hostname) && (url.protocol === 'https:' || url.protocol === 'http:')) return true;
  const host = url.hostname.toLowerCase();
  const slack = ['slack.com', 'slack-gov.com'].some((domain) => host === domain || host.endsWith(`.${domain}`));
  return url.protocol === 'https:' && slack;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}

function fileName(file: SlackFile): string {
  return text(file.name) ?? text(file.title) ?? text(file.id) ?? 'file';
}

/** The message's file objects, whatever shape the payload's `files` field has. */
export function messageFiles(files: unknown): SlackFile[] {
  return Array.isArray(files) ? files.filter((f): f is SlackFile => typeof f === 'object' && f !== null) : [];
}

/** One `Attachment` per file; nothing is fetched until the core asks (after its admin check). */
export function slackAttachments(files: readonly SlackFile[], options: FileDownloadOptions): Attachment[] {
  return files.map((file) => {
    const name = fileName(file);
    const contentType = text(file.mimetype);
    return {
      name,
      ...(contentType ? { contentType } : {}),
      ...(typeof file.size === 'number' && Number.isFinite(file.size) ? { size: file.size } : {}),
      download: () => downloadFile(file, name, options),
    };
  });
}

async function downloadFile(file: SlackFile, name: string, options: FileDownloadOptions): Promise<Uint8Array> {
  const context = { file: file.id, name };
  if (file.mode === 'tombstone') throw new UserError(ErrorCode.NotFound, 'it has been deleted from Slack.', context);
  if (file.mode === 'hidden_by_limit')
    throw new UserError(ErrorCode.FetchFailed, "it is hidden by the workspace's plan limits, so Slack will not hand it over.", context);
  if (file.is_external || file.mode === 'external') {
    throw new UserError(ErrorCode.AddressRefused, 'it is stored outside Slack; add its link with /kb add <url> instead.', context);
  }
  const raw = text(file.url_private_download) ?? text(file.url_private);
  let url: URL | undefined;
  try {
    url = raw ? new URL(raw) : undefined;
  } catch {
    url = undefined;
  }
  if (!url) throw new UserError(ErrorCode.FetchFailed, 'Slack gave no download link for it.', context);
  if (!tokenMayGoTo(url, options.extraHosts ?? [])) {
    throw new UserError(ErrorCode.AddressRefused, 'its download link does not point to Slack, so I did not fetch it.', { ...context, host: url.hostname });
  }

  const signal = AbortSignal.timeout(options.timeoutMs);
  try {
    const response = await fetch(url, { headers: { authorization: `Bearer ${options.botToken}` }, signal });
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw new UserError(ErrorCode.HttpStatus, `Slack refused to hand it over (HTTP ${response.status}).`, { ...context, status: response.status });
    }
    // Without the files:read scope Slack answers 200 with its sign-in page instead of the file.
    const type = response.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
    if (type === 'text/html' && !/html/i.test(text(file.mimetype) ?? '') && !/\.html?$/i.test(name)) {
      await response.body?.cancel().catch(() => undefined);
      throw new UserError(
        ErrorCode.FetchFailed,
        'Slack sent its sign-in page instead of the file; the app needs the files:read scope (reinstall it from config/slack-manifest.json).',
        context,
      );
    }
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (declared > options.maxBytes) {
      await response.body?.cancel().catch(() => undefined);
      throw tooBig(name, options.maxBytes);
    }
    return await readAtMost(response, options.maxBytes, () => tooBig(name, options.maxBytes));
  } catch (err) {
    throw downloadFailure(err, signal.aborted, 'Slack', options.timeoutMs, context);
  }
}
