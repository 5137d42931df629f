import { lookup as dnsLookup } from 'node:dns/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { HostNotAllowed, UpstreamFailed } from '../domain/errors.js';
import type { HostAllowList } from '../domain/host-allow-list.js';

export interface ImageFetchOptions {
  /** Hosts that may be fetched from; null: any. */
  allowedHosts: HostAllowList | null;
  /** The most body bytes read; past it the fetch is given up. */
  maxBytes: number;
  /** For the whole fetch: every redirect, the connection and the body. */
  timeoutMs: number;
  maxRedirects: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
export const FETCHABLE_PROTOCOLS = ['http:', 'https:'];

/** A URL's host as the allow list and DNS know it: IPv6 literals lose their brackets. */
const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');

/** Settles with `promise`, or rejects once `signal` aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Checks `url`'s host against the allow list. A host let in by the addresses it resolves to is connected to at
 * exactly those addresses (the returned lookup), so a second DNS answer cannot swap in another one.
 */
async function checkHost(url: URL, allowed: HostAllowList | null, redirected: boolean, signal: AbortSignal): Promise<LookupFunction | undefined> {
  if (allowed === null) return undefined;
  const host = hostOf(url);
  if (allowed.allowsName(host)) return undefined;
  if (isIP(host) !== 0) {
    if (allowed.allowsAddress(host)) return undefined;
    throw new HostNotAllowed(host, redirected);
  }
  if (!allowed.hasRanges) throw new HostNotAllowed(host, redirected);
  let addresses: { address: string; family: number }[];
  try {
    addresses = await untilAborted(dnsLookup(host, { all: true }), signal);
  } catch (error) {
    if (signal.aborted) throw error;
    throw new UpstreamFailed('unreachable', `The image host ${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { host }, { cause: error });
  }
  if (addresses.length === 0 || !addresses.every(({ address }) => allowed.allowsAddress(address))) throw new HostNotAllowed(host, redirected);
  const pinned = (_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options.all) callback(null, addresses);
    else callback(null, addresses[0]!.address, addresses[0]!.family);
  };
  return pinned as unknown as LookupFunction;
}

/** One GET, answered once the response's head has arrived. */
function get(url: URL, headers: Record<string, string>, lookup: LookupFunction | undefined, signal: AbortSignal): Promise<IncomingMessage> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.get(url, { headers, signal, ...(lookup ? { lookup } : {}) }, resolve);
    request.on('error', reject);
  });
}

/** The body, read only up to `maxBytes`: a Content-Length is not trusted to tell the truth. */
async function readCapped(response: IncomingMessage, maxBytes: number, url: URL): Promise<Buffer> {
  const tooLarge = () => {
    response.destroy();
    return new UpstreamFailed('too_large', `The image at ${hostOf(url)} is over ${maxBytes} bytes (MAX_IMAGE_BYTES)`, { limit_bytes: maxBytes });
  };
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/** The next URL of a redirect, checked to be fetchable. */
function redirectTarget(response: IncomingMessage, from: URL): URL {
  const location = response.headers.location;
  let next: URL | undefined;
  try {
    next = location === undefined ? undefined : new URL(location, from);
  } catch {
    next = undefined;
  }
  if (next === undefined || !FETCHABLE_PROTOCOLS.includes(next.protocol)) {
    throw new UpstreamFailed('bad_redirect', `The image host ${hostOf(from)} redirected (${response.statusCode}) to ${location === undefined ? 'nowhere' : 'a URL that is not http or https'}`, { status: response.statusCode });
  }
  return next;
}

/**
 * Fetches the body at `url` with `headers`, following redirects by hand so that each target is checked against
 * the allow list. Forwarded headers are not sent on to another origin. Failures are {@link UpstreamFailed} or
 * {@link HostNotAllowed}.
 */
export async function fetchImage(url: URL, headers: Record<string, string>, options: ImageFetchOptions): Promise<Buffer> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  let current = url;
  let sent = headers;
  try {
    for (let redirects = 0; ; redirects++) {
      const lookup = await checkHost(current, options.allowedHosts, redirects > 0, signal);
      const response = await get(current, sent, lookup, signal);
      const status = response.statusCode ?? 0;
      if (REDIRECTS.has(status)) {
        // The body of a redirect is not wanted, and may be endless.
        response.destroy();
        if (redirects >= options.maxRedirects) {
          throw new UpstreamFailed('too_many_redirects', `The image host redirected more than ${options.maxRedirects} times`, { limit: options.maxRedirects });
        }
        const next = redirectTarget(response, current);
        if (next.origin !== current.origin) sent = {};
        current = next;
        continue;
      }
      if (status < 200 || status > 299) {
        response.destroy();
        throw new UpstreamFailed('status', `The image host ${hostOf(current)} answered HTTP ${status}`, { status });
      }
      return await readCapped(response, options.maxBytes, current);
    }
  } catch (error) {
    if (error instanceof UpstreamFailed || error instanceof HostNotAllowed) throw error;
    if (signal.aborted) {
      throw new UpstreamFailed('timeout', `The image host ${hostOf(current)} did not answer within ${options.timeoutMs} ms`, { timeout_ms: options.timeoutMs }, { cause: error });
    }
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new UpstreamFailed('unreachable', `The image host ${hostOf(current)} could not be reached (${code})`, { host: hostOf(current) }, { cause: error });
  }
}
