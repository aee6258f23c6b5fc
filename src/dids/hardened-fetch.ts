/**
 * An HTTP GET for documents the service must fetch from hosts an attacker may name: did:web
 * documents, status lists, x5u chains. Built on node:http/node:https `request` rather than the
 * global fetch because only `request` takes a custom `lookup`: the address we check is the address
 * the socket connects to, which is what defeats DNS rebinding (a fetch wrapper that resolves first
 * and fetches second checks one answer and connects to another).
 *
 * Limits, none of which the libraries we replace had (web-did-resolver sets no timeout, no cap and
 * follows redirects through cross-fetch):
 * - https only (plain http only in test mode);
 * - no connection to loopback, private, CGNAT, link-local (cloud metadata), ULA, multicast or
 *   unspecified addresses, including the IPv6 forms that embed an IPv4 address (IPv4-mapped,
 *   IPv4-compatible, NAT64, 6to4, Teredo);
 * - no redirects: a 3xx is a failure;
 * - a connect timeout and a total deadline, after which the socket is destroyed;
 * - a byte cap enforced while streaming, whatever `content-length` says (or does not say);
 * - at most `maxPerHost` fetches in flight to one host (host:port) from this process: an issuer
 *   naming a thousand DIDs on one slow host gets that many sockets, not a thousand; the others
 *   fail at once, without a connection, and are not kept in the DID cache's negative entries.
 * These answer the did:web SSRF cases (internal hosts, percent-decoding tricks, DNS rebinding,
 * redirects, huge responses, slow loris), and the same for status lists and Gaia-X `x5u` chains.
 */
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { GxTrustError, type ErrorCode } from '../errors.js';

export interface HardenedFetchErrorCodes {
  /** The URL or the address it resolves to is refused by policy (no connection was made). */
  forbidden: ErrorCode;
  /** Connection error, non-2xx status, redirect, oversized body, forbidden DNS answer. */
  failed: ErrorCode;
  /** The connect timeout or the total deadline passed. */
  timeout: ErrorCode;
  /** The server answered 404 or 410. */
  notFound: ErrorCode;
}

export interface HardenedFetchOptions {
  /** Allows plain http and loopback/private addresses, for tests and local development only. */
  testMode: boolean;
  /** Total deadline from the call to the last body byte. */
  timeoutMs: number;
  connectTimeoutMs: number;
  maxBytes: number;
  /** Fetches in flight to one host at once, across every caller in this process. */
  maxPerHost: number;
  accept: string;
  errorCodes: HardenedFetchErrorCodes;
  /** DNS resolution; tests inject one to play a rebinding resolver. Defaults to node:dns lookup. */
  lookup: LookupFunction;
  /** A POST with this body instead of a GET (SOAP registries such as the EU EORI service). */
  post?: { contentType: string; body: string };
}

/** What a caller passes: test mode, and any limits or codes it wants to change. */
export type HardenedFetchInit = Partial<Omit<HardenedFetchOptions, 'errorCodes'>> & {
  testMode: boolean;
  errorCodes?: Partial<HardenedFetchErrorCodes>;
};

export interface HardenedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export const DEFAULT_HARDENED_FETCH_OPTIONS: Omit<HardenedFetchOptions, 'testMode'> = {
  timeoutMs: 3000,
  connectTimeoutMs: 1000,
  maxBytes: 256 * 1024,
  maxPerHost: 16,
  accept: 'application/json',
  errorCodes: {
    forbidden: 'DID_FORBIDDEN',
    failed: 'DID_RESOLUTION_FAILED',
    timeout: 'DID_RESOLUTION_TIMEOUT',
    notFound: 'DID_NOT_FOUND',
  },
  lookup: dnsLookup as LookupFunction,
};

/**
 * Addresses no server-side fetch may reach. IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are
 * matched by BlockList against the IPv4 rules, because BlockList normalises them.
 */
const FORBIDDEN_ADDRESSES = (() => {
  const list = new BlockList();
  const v4: [string, number][] = [
    ['0.0.0.0', 8], // "this network"
    ['10.0.0.0', 8], // RFC 1918
    ['100.64.0.0', 10], // CGNAT, RFC 6598
    ['127.0.0.0', 8], // loopback
    ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
    ['172.16.0.0', 12], // RFC 1918
    ['192.0.0.0', 24], // IETF protocol assignments
    ['192.0.2.0', 24], // TEST-NET-1
    ['192.168.0.0', 16], // RFC 1918
    ['198.18.0.0', 15], // benchmarking
    ['198.51.100.0', 24], // TEST-NET-2
    ['203.0.113.0', 24], // TEST-NET-3
    ['224.0.0.0', 4], // multicast
    ['240.0.0.0', 4], // reserved, broadcast
  ];
  for (const [net, prefix] of v4) list.addSubnet(net, prefix, 'ipv4');
  const v6: [string, number][] = [
    // IPv4-compatible (::a.b.c.d, deprecated by RFC 4291 §2.5.5.1; ::1 and :: are in it): a stack
    // that still routes them reaches the embedded IPv4 address, 10.0.0.5 as ::a00:5.
    ['::', 96],
    ['64:ff9b::', 96], // NAT64 can reach any IPv4, including the ones above
    ['64:ff9b:1::', 48],
    // 6to4 (RFC 3056): 2002:AABB:CCDD::/48 is the IPv4 host A.B.C.D through a relay, and a
    // host or router with 6to4 decapsulates to it locally, so 2002:a00:5:: is 10.0.0.5. All of it
    // is refused, not only the prefixes of private IPv4 ranges: the anycast relays were deprecated
    // in 2015 (RFC 7526), no did:web or status-list host needs 6to4 any more, and a rule that
    // decodes the embedded address is one more rule to get wrong.
    ['2002::', 16],
    // Teredo (RFC 4380) embeds an IPv4 server and an obfuscated IPv4 client address; the same reasoning.
    ['2001::', 32],
    ['100::', 64], // discard-only
    ['2001:db8::', 32], // documentation
    ['fc00::', 7], // unique local
    ['fe80::', 10], // link-local
    ['fec0::', 10], // deprecated site-local
    ['ff00::', 8], // multicast
  ];
  for (const [net, prefix] of v6) list.addSubnet(net, prefix, 'ipv6');
  return list;
})();

/** Whether an IP address (v4, v6 or IPv4-mapped v6) is one no outbound fetch may connect to. */
export function isForbiddenAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  if (family === 6) {
    // BlockList only maps ::ffff:a.b.c.d when written in dotted form; normalise the hex form too.
    const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
    if (mapped !== null) {
      const hi = parseInt(mapped[1] ?? '0', 16);
      const lo = parseInt(mapped[2] ?? '0', 16);
      return isForbiddenAddress(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`);
    }
    const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (dotted !== null) return isForbiddenAddress(dotted[1] ?? '');
  }
  return FORBIDDEN_ADDRESSES.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** Marks a lookup refusal so the request error handler can tell it from a network error. */
class ForbiddenAddressError extends Error {
  constructor(readonly hostname: string, readonly address: string) {
    super(`${hostname} resolves to ${address}, an address outbound fetches may not reach`);
  }
}

/**
 * A `lookup` for net.connect that resolves every address of the host and refuses the whole host
 * if any of them is forbidden (happy-eyeballs may try any of them). Node calls it with `all: true`
 * when autoSelectFamily is on, and without otherwise; both shapes are answered.
 */
function pinnedLookup(resolve: LookupFunction): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) {
        callback(error, '', 0);
        return;
      }
      const list: LookupAddress[] = Array.isArray(addresses)
        ? addresses
        : [{ address: String(addresses), family: isIP(String(addresses)) }];
      const forbidden = list.find((entry) => isForbiddenAddress(entry.address));
      if (forbidden !== undefined || list.length === 0) {
        const err = new ForbiddenAddressError(hostname, forbidden?.address ?? 'nothing');
        callback(err as NodeJS.ErrnoException, '', 0);
        return;
      }
      if (options.all === true) {
        (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      } else {
        const first = list[0] as LookupAddress;
        callback(null, first.address, first.family);
      }
    });
  };
}

/**
 * GETs `url` under the limits above and returns the whole body. Throws GxTrustError with the codes
 * of `options.errorCodes`.
 */
export async function hardenedFetch(
  url: string | URL,
  options: HardenedFetchInit,
): Promise<HardenedResponse> {
  const opts: HardenedFetchOptions = {
    ...DEFAULT_HARDENED_FETCH_OPTIONS,
    ...options,
    errorCodes: { ...DEFAULT_HARDENED_FETCH_OPTIONS.errorCodes, ...options.errorCodes },
  };
  const codes = opts.errorCodes;
  let target: URL;
  try {
    target = new URL(url);
  } catch (cause) {
    throw new GxTrustError(codes.forbidden, `${String(url)} is not a URL`, { cause });
  }
  const display = target.href;
  if (target.protocol !== 'https:' && !(opts.testMode && target.protocol === 'http:')) {
    throw new GxTrustError(codes.forbidden, `${display}: only https URLs may be fetched`);
  }
  if (target.username !== '' || target.password !== '') {
    throw new GxTrustError(codes.forbidden, `${display}: URLs with credentials are refused`);
  }
  // net.connect skips `lookup` for IP literals, so they are checked here.
  const literal = target.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!opts.testMode && isIP(literal) !== 0 && isForbiddenAddress(literal)) {
    throw new GxTrustError(codes.forbidden, `${display}: ${literal} is an address outbound fetches may not reach`);
  }

  const host = target.host;
  const inFlight = inFlightByHost.get(host) ?? 0;
  if (inFlight >= opts.maxPerHost) {
    const error = new GxTrustError(codes.failed, `${display}: ${inFlight} fetches to ${host} are already in flight; no more are sent until one ends`, {
      hint: 'Try again shortly: the host answers slowly or is being asked too much at once',
    });
    hostBusyErrors.add(error);
    throw error;
  }
  inFlightByHost.set(host, inFlight + 1);
  return fetchOnce(target, display, opts).finally(() => {
    const left = (inFlightByHost.get(host) ?? 1) - 1;
    if (left === 0) inFlightByHost.delete(host);
    else inFlightByHost.set(host, left);
  });
}

/** Fetches in flight per host (host:port) in this process. */
const inFlightByHost = new Map<string, number>();
const hostBusyErrors = new WeakSet<object>();

/** A failure because too many fetches to the host were in flight: it says nothing of the document. */
export function isHostBusy(error: unknown): boolean {
  return typeof error === 'object' && error !== null && hostBusyErrors.has(error);
}

function fetchOnce(target: URL, display: string, opts: HardenedFetchOptions): Promise<HardenedResponse> {
  const codes = opts.errorCodes;
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<HardenedResponse>((resolve, reject) => {
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const finish = (error: GxTrustError | undefined, response?: HardenedResponse): void => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      if (error !== undefined) {
        req.destroy();
        reject(error);
      } else if (response !== undefined) {
        resolve(response);
      }
    };

    const body = opts.post === undefined ? undefined : Buffer.from(opts.post.body, 'utf8');
    const req = send(target, {
      method: body === undefined ? 'GET' : 'POST',
      // A fresh socket per request: a pooled one could have been resolved under other rules.
      agent: false,
      lookup: opts.testMode ? opts.lookup : pinnedLookup(opts.lookup),
      headers: {
        accept: opts.accept,
        // A compressed body would let a small download inflate past the cap.
        'accept-encoding': 'identity',
        'user-agent': 'gx-trust',
        ...(body === undefined ? {} : { 'content-type': opts.post?.contentType, 'content-length': String(body.length) }),
      },
    });

    timers.push(
      setTimeout(() => {
        finish(new GxTrustError(codes.timeout, `${display} did not answer within ${opts.timeoutMs} ms`));
      }, opts.timeoutMs),
    );
    req.once('socket', (socket) => {
      const connectTimer = setTimeout(() => {
        finish(new GxTrustError(codes.timeout, `${display}: no connection within ${opts.connectTimeoutMs} ms`));
      }, opts.connectTimeoutMs);
      timers.push(connectTimer);
      socket.once('connect', () => clearTimeout(connectTimer));
    });

    req.once('error', (error) => {
      if (error instanceof ForbiddenAddressError) {
        finish(new GxTrustError(codes.failed, `${display}: ${error.message}`, { cause: error }));
      } else {
        finish(new GxTrustError(codes.failed, `${display} could not be fetched: ${error.message}`, { cause: error }));
      }
    });

    req.once('response', (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400) {
        finish(
          new GxTrustError(codes.failed, `${display} answered ${status} (redirect to ${JSON.stringify(res.headers.location ?? '')}); redirects are not followed`),
        );
        return;
      }
      if (status === 404 || status === 410) {
        finish(new GxTrustError(codes.notFound, `${display} answered ${status}`));
        return;
      }
      if (status < 200 || status >= 300) {
        finish(new GxTrustError(codes.failed, `${display} answered ${status}`));
        return;
      }
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > opts.maxBytes) {
        finish(new GxTrustError(codes.failed, `${display} announces ${declared} bytes, more than the ${opts.maxBytes} allowed`));
        return;
      }
      const chunks: Buffer[] = [];
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > opts.maxBytes) {
          finish(new GxTrustError(codes.failed, `${display} sent more than the ${opts.maxBytes} bytes allowed`));
          return;
        }
        chunks.push(chunk);
      });
      res.once('end', () => finish(undefined, { status, headers: res.headers, body: Buffer.concat(chunks) }));
      res.once('error', (error) => {
        finish(new GxTrustError(codes.failed, `${display}: ${error.message}`, { cause: error }));
      });
      res.once('aborted', () => finish(new GxTrustError(codes.failed, `${display}: the response was cut short`)));
    });
    req.end(body);
  });
}
