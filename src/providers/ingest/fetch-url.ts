/**
 * Fetching a URL for the knowledge base, with the limits untrusted input needs: http(s) only, a
 * size cap, a time cap, at most a few redirects, and no requests to private, loopback, link-local
 * or other non-public addresses unless config allows them. Addresses are checked after DNS
 * resolution, on the address actually connected to (so a public name that resolves to a private
 * address is refused too), and again on every redirect.
 */
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import ipaddr from 'ipaddr.js';
import { ErrorCode, tooLarge, UserError } from '../../core/errors';

export interface FetchLimits {
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly maxRedirects: number;
  /** Allow private, loopback and link-local targets (intranet wikis, tests). */
  readonly allowPrivate: boolean;
}

export interface FetchedResource {
  readonly url: string;
  readonly bytes: Buffer;
  readonly contentType?: string;
}

/** Only ordinary public unicast addresses are fair game by default. */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  return parsed.range() === 'unicast';
}

function refusedAddress(host: string): UserError {
  return new UserError(ErrorCode.AddressRefused, `I won't fetch ${host}: it points to a private, loopback or link-local address.`, { host });
}

function guardedLookup(allowPrivate: boolean): net.LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { all: true, family: options.family as number | undefined }, (err, addresses) => {
      if (err) return (callback as (e: Error) => void)(err);
      const usable = allowPrivate ? addresses : addresses.filter((a) => isPublicAddress(a.address));
      if (usable.length === 0 || usable.length !== addresses.length) {
        return (callback as (e: Error) => void)(refusedAddress(hostname));
      }
      if ((options as { all?: boolean }).all) return (callback as (e: null, a: dns.LookupAddress[]) => void)(null, usable);
      const first = usable[0]!;
      (callback as (e: null, a: string, f: number) => void)(null, first.address, first.family);
    });
  };
}

export async function fetchUrl(rawUrl: string, limits: FetchLimits): Promise<FetchedResource> {
  let url = rawUrl;
  for (let hop = 0; hop <= limits.maxRedirects; hop++) {
    const result = await fetchOnce(url, limits);
    if ('redirect' in result) {
      url = result.redirect;
      continue;
    }
    return result;
  }
  throw new UserError(ErrorCode.FetchFailed, `${rawUrl} redirects more than ${limits.maxRedirects} times, so I stopped following it.`);
}

function fetchOnce(rawUrl: string, limits: FetchLimits): Promise<FetchedResource | { redirect: string }> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return Promise.reject(new UserError(ErrorCode.ParseError, `${rawUrl} is not a valid URL.`));
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return Promise.reject(new UserError(ErrorCode.ParseError, `I only fetch http and https URLs, not ${url.protocol.replace(':', '')}.`));
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // Literal IPs skip DNS (and so the lookup hook): check them here.
  if (net.isIP(host) && !limits.allowPrivate && !isPublicAddress(host)) return Promise.reject(refusedAddress(host));

  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.get(
      url,
      {
        lookup: guardedLookup(limits.allowPrivate),
        timeout: limits.timeoutMs,
        headers: {
          'user-agent': 'channelwise-kb/1.0',
          accept:
            'text/html, text/markdown, text/plain, application/pdf, application/vnd.openxmlformats-officedocument.wordprocessingml.document;q=0.9, */*;q=0.5',
        },
      },
      (response) => {
        const status = response.statusCode ?? 0;
        if (status >= 300 && status < 400 && response.headers.location) {
          response.resume();
          resolve({ redirect: new URL(response.headers.location, url).toString() });
          return;
        }
        if (status < 200 || status >= 300) {
          response.resume();
          reject(new UserError(ErrorCode.HttpStatus, `${url.toString()} answered with HTTP ${status}, so there is nothing to add.`, { status }));
          return;
        }
        const declared = Number(response.headers['content-length']);
        if (declared > limits.maxBytes) {
          response.destroy();
          reject(tooBig(url, limits.maxBytes));
          return;
        }
        const parts: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > limits.maxBytes) {
            response.destroy();
            reject(tooBig(url, limits.maxBytes));
            return;
          }
          parts.push(chunk);
        });
        response.on('end', () => {
          const contentType = response.headers['content-type'];
          resolve({ url: url.toString(), bytes: Buffer.concat(parts), ...(contentType ? { contentType } : {}) });
        });
        response.on('error', reject);
      },
    );
    request.on('timeout', () => {
      request.destroy(
        new UserError(
          ErrorCode.Timeout,
          `${url.toString()} took longer than ${(limits.timeoutMs / 1000).toLocaleString('en-US', { maximumFractionDigits: 1 })} s to answer, so I gave up.`,
        ),
      );
    });
    request.on('error', (err) => {
      if (err instanceof UserError) reject(err);
      else
        reject(
          new UserError(
            ErrorCode.FetchFailed,
            `I could not fetch ${url.toString()} (${(err as NodeJS.ErrnoException).code ?? err.message}).`,
            {},
            { cause: err },
          ),
        );
    });
  });
}

/** Only the limit is named: a declared length may lie and a streamed body is cut off at the limit. */
function tooBig(url: URL, maxBytes: number): UserError {
  return tooLarge(url.toString(), { limit: maxBytes, unit: 'bytes' });
}
