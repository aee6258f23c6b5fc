/**
 * IPv6 addresses that embed an IPv4 address reach that IPv4 host: IPv4-compatible (::/96, as
 * ::a00:5 for 10.0.0.5), 6to4 (2002::/16, as 2002:a00:5::) and Teredo (2001::/32). An outbound
 * fetch refuses them as it refuses the IPv4 address itself, before any connection.
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { createDidResolver } from '../../src/dids/index.js';
import { isForbiddenAddress } from '../../src/dids/hardened-fetch.js';
import type { GxTrustError } from '../../src/errors.js';

describe('isForbiddenAddress()', () => {
  it.each([
    ['::a00:5', 'IPv4-compatible 10.0.0.5'],
    ['::10.0.0.5', 'IPv4-compatible 10.0.0.5, dotted'],
    ['::7f00:1', 'IPv4-compatible 127.0.0.1'],
    ['::a9fe:a9fe', 'IPv4-compatible 169.254.169.254 (cloud metadata)'],
    ['::5db8:d822', 'IPv4-compatible 93.184.216.34 (a public address: the whole deprecated range is refused)'],
    ['2002:a00:5::1', '6to4 of 10.0.0.5'],
    ['2002:7f00:1::', '6to4 of 127.0.0.1'],
    ['2002:a9fe:a9fe::', '6to4 of 169.254.169.254'],
    ['2002:5db8:d822::1', '6to4 of a public IPv4 address (all of 2002::/16 is refused)'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo'],
  ])('refuses %s (%s)', (address) => {
    expect(isForbiddenAddress(address)).toBe(true);
  });

  it.each(['2606:4700::1111', '2a00:1450:4001:82b::200e', '2001:4860:4860::8888', '2003::1', '::ffff:93.184.216.34'])('still allows %s', (address) => {
    expect(isForbiddenAddress(address)).toBe(false);
  });
});

describe('did:web resolution outside development', () => {
  it.each(['::a00:5', '2002:a00:5::1', '2002:a9fe:a9fe::'])('refuses a host whose DNS answer is %s, in the lookup the socket connects with', async (address) => {
    const lookup = ((_h: string, _o: unknown, callback: (e: null, a: { address: string; family: number }[]) => void) => {
      callback(null, [{ address, family: 6 }]);
    }) as unknown as net.LookupFunction;
    const resolver = createDidResolver({ testMode: false, fetchOptions: { lookup } });
    const error = (await resolver.resolve('did:web:embedded.example').catch((e: unknown) => e)) as GxTrustError;
    expect(error.code).toBe('DID_RESOLUTION_FAILED');
    // The refusal comes from the lookup the socket itself uses: no TCP connection is attempted.
    expect(error.message).toContain(`resolves to ${address}, an address outbound fetches may not reach`);
  });
});
