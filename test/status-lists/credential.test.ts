import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildStatusListCredential, decodeStatusList, encodeStatusList, MAX_INFLATED_LIST_BYTES } from '../../src/status-lists/credential.js';
import { getBit, setBit } from '../../src/status-lists/bitstring.js';
import { GxTrustError } from '../../src/errors.js';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof GxTrustError ? error.code : 'not a GxTrustError';
  }
  return undefined;
}

describe('encodeStatusList() / decodeStatusList()', () => {
  it('round-trips a 131,072-entry list with index 0 in the left-most bit of byte 0', () => {
    const bits = new Uint8Array(16 * 1024);
    setBit(bits, 0, true);
    setBit(bits, 9, true);
    setBit(bits, 131_071, true);
    expect(bits[0]).toBe(0x80);
    expect(bits[1]).toBe(0x40);
    expect(bits[16 * 1024 - 1]).toBe(0x01);
    const encoded = encodeStatusList(bits);
    expect(encoded.startsWith('u')).toBe(true);
    expect(encoded).not.toMatch(/[=+/]/);
    const decoded = decodeStatusList(encoded);
    expect(Buffer.from(decoded).equals(Buffer.from(bits))).toBe(true);
    expect([0, 1, 8, 9, 131_070, 131_071].map((i) => getBit(decoded, i))).toEqual([true, false, false, true, false, true]);
  });

  it('reads the encodedList of the W3C example: an empty 131,072-entry list', () => {
    // From the "Example: Example BitstringStatusListCredential" of the Recommendation.
    const example = 'uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA';
    const bits = decodeStatusList(example);
    expect(bits.length * 8).toBe(131_072);
    expect(bits.every((byte) => byte === 0)).toBe(true);
  });

  it('refuses a gzip bomb before it inflates past the cap', () => {
    const bomb = 'u' + gzipSync(Buffer.alloc(64 * 1024 * 1024)).toString('base64url');
    expect(bomb.length).toBeLessThan(256 * 1024);
    expect(codeOf(() => decodeStatusList(bomb))).toBe('STATUS_VERIFICATION_ERROR');
    expect(MAX_INFLATED_LIST_BYTES).toBeLessThan(64 * 1024 * 1024);
  });

  it.each([
    ['no multibase prefix', gzipSync(Buffer.alloc(16)).toString('base64url')],
    ['base64 with padding', 'u' + gzipSync(Buffer.alloc(16)).toString('base64')],
    ['not gzip', 'u' + Buffer.from('plain bytes').toString('base64url')],
    ['not a string', 42],
  ])('refuses an encodedList that is %s', (_name, value) => {
    expect(codeOf(() => decodeStatusList(value))).toBe('STATUS_VERIFICATION_ERROR');
  });
});

describe('buildStatusListCredential()', () => {
  it('is a VCDM 2.0 BitstringStatusListCredential with a ttl in milliseconds and a short validity', () => {
    const credential = buildStatusListCredential({
      list: { id: 'revocation-0', purpose: 'revocation', bits: new Uint8Array(16 * 1024) },
      url: 'https://issuer.example/status-lists/revocation-0',
      issuer: 'did:web:issuer.example',
      now: new Date('2026-01-01T00:00:00.123Z'),
    });
    expect(credential).toMatchObject({
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      id: 'https://issuer.example/status-lists/revocation-0',
      type: ['VerifiableCredential', 'BitstringStatusListCredential'],
      issuer: 'did:web:issuer.example',
      validFrom: '2026-01-01T00:00:00Z',
      validUntil: '2026-01-02T00:00:00Z',
      credentialSubject: {
        id: 'https://issuer.example/status-lists/revocation-0#list',
        type: 'BitstringStatusList',
        statusPurpose: 'revocation',
        ttl: 300_000,
      },
    });
  });
});
