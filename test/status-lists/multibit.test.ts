/**
 * Bitstring Status List entries wider than one bit (`statusSize` > 1), read by the status check as
 * the validate algorithm says: the statusSize bits from `statusListIndex x statusSize`, the first
 * the most significant; at least 131,072 entries of that width; the value's `statusMessage` in the
 * report. Lists are signed by the service (the credential's issuer) and served over loopback; the
 * values read are checked against an independent reader of the same bitstring.
 * @see https://www.w3.org/TR/vc-bitstring-status-list/#validate-algorithm
 */
import { decodeList, checkStatus as dccCheckStatus } from '@digitalcredentials/vc-bitstring-status-list';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/credentials/index.js';
import { buildStatusListCredential } from '../../src/status-lists/credential.js';
import { unscopedIssuer } from '../helpers/unscoped-signing.js';
import { createStatusWorld, VC_V2, type StatusWorld } from './fixtures.js';

const KB = 1024;

/** `count` messages, one per value of a `width`-bit entry, the message naming the value. */
function messagesFor(width: number): { status: string; message: string }[] {
  return Array.from({ length: 2 ** width }, (_, value) => ({ status: `0x${value.toString(16)}`, message: `state ${value}` }));
}

/** Writes `value` into the `width`-bit entry `index` of `bits`, the first bit the most significant. */
function writeEntry(bits: Uint8Array, index: number, width: number, value: number): void {
  for (let k = 0; k < width; k++) {
    const bit = index * width + k;
    const on = ((value >> (width - 1 - k)) & 1) === 1;
    const mask = 0x80 >> (bit & 7);
    bits[bit >> 3] = on ? bits[bit >> 3]! | mask : bits[bit >> 3]! & ~mask;
  }
}

describe('createStatusCheck() reads multi-bit entries', () => {
  let world: StatusWorld;
  /** The signed list credential served at each path, for the independent reader. */
  const served = new Map<string, JsonObject>();

  beforeAll(async () => {
    world = await createStatusWorld();
  }, 60_000);
  afterAll(async () => {
    await world?.dispose();
  });

  /** Signs a list of `bits` for `purpose` as the service's did:web and serves it at `path`. */
  async function serveList(path: string, bits: Uint8Array, purpose = 'revocation'): Promise<string> {
    const url = `${world.scriptedUrl}${path}`;
    const credential = buildStatusListCredential({ list: { id: 'x', purpose, bits }, url, issuer: world.running.service.keyring.did, now: world.clock() });
    const issued = await unscopedIssuer(world.running.service, world.clock).issueCredential(credential, { format: 'ldp_vc' });
    if (issued.format !== 'ldp_vc') throw new Error('expected a Data Integrity list');
    served.set(url, issued.verifiableCredential);
    const body = JSON.stringify(issued.verifiableCredential);
    world.routes.set(path, (res) => res.setHeader('content-type', 'application/json').end(body));
    return url;
  }

  function credentialWith(entry: JsonObject): JsonObject {
    return {
      '@context': [VC_V2],
      type: ['VerifiableCredential'],
      issuer: world.running.service.keyring.did,
      credentialSubject: { id: 'did:example:holder' },
      credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: '5', ...entry },
    };
  }

  async function check(entry: JsonObject) {
    return world.statusCheck(credentialWith(entry), { now: world.clock() });
  }

  describe('two-bit entries (statusSize 2) on a list of 131,072 of them (32 KB)', () => {
    let revocationUrl: string;
    let messageUrl: string;
    const statusMessage = messagesFor(2);

    beforeAll(async () => {
      // Entries 0..3 hold the values 0..3; entry 131071 (the last) holds 3.
      const bits = new Uint8Array(32 * KB);
      for (let value = 0; value < 4; value++) writeEntry(bits, value, 2, value);
      writeEntry(bits, 131_071, 2, 3);
      revocationUrl = await serveList('/two-bit-revocation', bits);
      messageUrl = await serveList('/two-bit-message', bits.slice(), 'message');
    });

    it('passes the value 0 of a revocation entry and fails every other value with CREDENTIAL_REVOKED, reporting the value and its message', async () => {
      expect(await check({ statusListCredential: revocationUrl, statusListIndex: '0', statusSize: 2, statusMessage })).toEqual({
        check: 'status',
        verified: true,
        message: 'not revoked (0x0: state 0)',
        statuses: [{ pointer: '/credentialStatus', purpose: 'revocation', statusListCredential: revocationUrl, statusListIndex: '0', statusSize: 2, status: '0x0', valid: true, message: 'state 0' }],
      });
      for (const value of [1, 2, 3]) {
        const result = await check({ statusListCredential: revocationUrl, statusListIndex: String(value), statusSize: 2, statusMessage });
        expect(result).toMatchObject({ verified: false, code: 'CREDENTIAL_REVOKED', pointer: '/credentialStatus', message: `the credential is revoked (0x${value}: state ${value})` });
        expect(result?.statuses).toEqual([expect.objectContaining({ status: `0x${value}`, valid: false, message: `state ${value}` })]);
      }
    });

    it('reports every value of a message entry and passes: a message informs, it does not invalidate', async () => {
      for (const value of [0, 1, 2, 3]) {
        const result = await check({ statusListCredential: messageUrl, statusPurpose: 'message', statusListIndex: String(value), statusSize: 2, statusMessage });
        expect(result).toMatchObject({ verified: true, message: `message 0x${value}: state ${value}` });
        expect(result?.statuses).toEqual([expect.objectContaining({ purpose: 'message', status: `0x${value}`, valid: value === 0, message: `state ${value}` })]);
      }
    });

    it('reads the last entry of the list, and refuses the one past it with RANGE_ERROR', async () => {
      expect(await check({ statusListCredential: messageUrl, statusPurpose: 'message', statusListIndex: '131071', statusSize: 2, statusMessage })).toMatchObject({
        verified: true,
        statuses: [expect.objectContaining({ status: '0x3' })],
      });
      expect(await check({ statusListCredential: messageUrl, statusPurpose: 'message', statusListIndex: '131072', statusSize: 2, statusMessage })).toMatchObject({
        verified: false,
        code: 'RANGE_ERROR',
        pointer: '/credentialStatus/statusListIndex',
      });
    });

    it('fails a value the statusMessage does not name, or names twice, with STATUS_VERIFICATION_ERROR at statusMessage', async () => {
      const gap = [statusMessage[0], statusMessage[1], statusMessage[2], { status: '0x2', message: 'again' }];
      expect(await check({ statusListCredential: messageUrl, statusPurpose: 'message', statusListIndex: '1', statusSize: 2, statusMessage: gap })).toMatchObject({ verified: true });
      for (const index of ['3', '2']) {
        const result = await check({ statusListCredential: messageUrl, statusPurpose: 'message', statusListIndex: index, statusSize: 2, statusMessage: gap });
        expect(result).toMatchObject({ verified: false, code: 'STATUS_VERIFICATION_ERROR', pointer: '/credentialStatus/statusMessage' });
        expect(result?.message).toMatch(index === '3' ? /0x3 .* no statusMessage/ : /0x2 .* 2 statusMessage entries/);
      }
    });

    it('refuses a 16 KB list for two-bit entries with STATUS_LIST_LENGTH_ERROR (65,536 entries, not 131,072)', async () => {
      const url = await serveList('/two-bit-short', new Uint8Array(16 * KB));
      const result = await check({ statusListCredential: url, statusListIndex: '0', statusSize: 2, statusMessage });
      expect(result).toMatchObject({ verified: false, code: 'STATUS_LIST_LENGTH_ERROR' });
      expect(result?.message).toContain('65536 entries of 2 bits');
      // The same list still serves one-bit entries.
      expect(await check({ statusListCredential: url, statusListIndex: '0' })).toMatchObject({ verified: true, message: 'not revoked' });
    });

    it('agrees with an independent reader of the bitstring (@digitalcredentials/vc-bitstring-status-list), bit by bit', async () => {
      const list = await decodeList({ encodedList: (served.get(messageUrl)!['credentialSubject'] as JsonObject)['encodedList'] });
      for (const index of [0, 1, 2, 3, 4, 131_071]) {
        const theirs = Number(list.getStatus(index * 2)) * 2 + Number(list.getStatus(index * 2 + 1));
        const ours = await check({ statusListCredential: messageUrl, statusPurpose: 'message', statusListIndex: String(index), statusSize: 2, statusMessage });
        expect(ours?.statuses?.[0]?.status).toBe(`0x${theirs.toString(16)}`);
      }
    });

    it('the independent reader\'s own checkStatus ignores statusSize (a recorded limitation): it reads the bit at statusListIndex, not the entry', async () => {
      // Entry 1 holds 0b01: bits 2 and 3. @digitalcredentials/vc-bitstring-status-list 1.0.0 reads
      // bit 1 (entry 0's second bit, 0) and calls the credential not revoked; gx-trust reads 0x1.
      const credential = credentialWith({ statusListCredential: revocationUrl, statusListIndex: '1', statusSize: 2, statusMessage });
      const theirs = await dccCheckStatus({
        credential,
        documentLoader: async (url: string) => ({ document: served.get(url) }),
        verifyBitstringStatusListCredential: false,
      });
      expect(theirs.error).toBeUndefined();
      expect(theirs.verified).toBe(true);
      expect(await world.statusCheck(credential, { now: world.clock() })).toMatchObject({ verified: false, code: 'CREDENTIAL_REVOKED', statuses: [expect.objectContaining({ status: '0x1' })] });
    });
  });

  describe('eight-bit entries (statusSize 8) on a list of 131,072 of them (128 KB)', () => {
    it('reads every value 0..255, each with its own statusMessage, and agrees with the independent reader', async () => {
      // An eight-bit entry is a whole byte: entry n holds n.
      const bits = new Uint8Array(128 * KB);
      for (let value = 0; value < 256; value++) bits[value] = value;
      const url = await serveList('/eight-bit-message', bits, 'message');
      const statusMessage = messagesFor(8);
      const reader = await decodeList({ encodedList: (served.get(url)!['credentialSubject'] as JsonObject)['encodedList'] });
      for (let value = 0; value < 256; value++) {
        const result = await check({ statusListCredential: url, statusPurpose: 'message', statusListIndex: String(value), statusSize: 8, statusMessage });
        expect(result).toMatchObject({ verified: true, message: `message 0x${value.toString(16)}: state ${value}` });
        let theirs = 0;
        for (let k = 0; k < 8; k++) theirs = theirs * 2 + Number(reader.getStatus(value * 8 + k));
        expect(result?.statuses?.[0]).toMatchObject({ status: `0x${theirs.toString(16)}`, valid: value === 0, message: `state ${value}` });
      }
      expect(await check({ statusListCredential: url, statusPurpose: 'message', statusListIndex: '131071', statusSize: 8, statusMessage })).toMatchObject({ verified: true });
      expect(await check({ statusListCredential: url, statusPurpose: 'message', statusListIndex: '131072', statusSize: 8, statusMessage })).toMatchObject({ verified: false, code: 'RANGE_ERROR' });
    });

    it('fails any value but 0 of an eight-bit suspension entry with CREDENTIAL_SUSPENDED', async () => {
      const bits = new Uint8Array(128 * KB);
      bits[7] = 0x80;
      const url = await serveList('/eight-bit-suspension', bits, 'suspension');
      const statusMessage = messagesFor(8);
      expect(await check({ statusListCredential: url, statusPurpose: 'suspension', statusListIndex: '6', statusSize: 8, statusMessage })).toMatchObject({ verified: true, message: 'not suspended (0x0: state 0)' });
      expect(await check({ statusListCredential: url, statusPurpose: 'suspension', statusListIndex: '7', statusSize: 8, statusMessage })).toMatchObject({ verified: false, code: 'CREDENTIAL_SUSPENDED', statuses: [expect.objectContaining({ status: '0x80', message: 'state 128' })] });
    });
  });

  describe('a list whose length is not a multiple of statusSize (three-bit entries)', () => {
    it('reads the last whole entry and refuses the partial one after it with RANGE_ERROR, though its first bit is in the list', async () => {
      // 49,153 bytes = 393,224 bits: 131,074 whole three-bit entries (0..131073) and two bits over.
      const bits = new Uint8Array(48 * KB + 1);
      writeEntry(bits, 131_073, 3, 5);
      const url = await serveList('/three-bit-odd', bits, 'message');
      const statusMessage = messagesFor(3);
      expect(await check({ statusListCredential: url, statusPurpose: 'message', statusListIndex: '131073', statusSize: 3, statusMessage })).toMatchObject({
        verified: true,
        statuses: [expect.objectContaining({ status: '0x5', message: 'state 5' })],
      });
      const past = await check({ statusListCredential: url, statusPurpose: 'message', statusListIndex: '131074', statusSize: 3, statusMessage });
      expect(past).toMatchObject({ verified: false, code: 'RANGE_ERROR', pointer: '/credentialStatus/statusListIndex' });
      expect(past?.message).toContain('bits 393222 to 393224');
    });

    it('refuses a list one entry short of 131,072 three-bit entries with STATUS_LIST_LENGTH_ERROR', async () => {
      // 49,151 bytes = 393,208 bits: 131,069 entries of three bits.
      const url = await serveList('/three-bit-short', new Uint8Array(48 * KB - 1), 'message');
      expect(await check({ statusListCredential: url, statusPurpose: 'message', statusListIndex: '0', statusSize: 3, statusMessage: messagesFor(3) })).toMatchObject({
        verified: false,
        code: 'STATUS_LIST_LENGTH_ERROR',
      });
    });
  });

  describe('purposes and malformed entries', () => {
    it('reports a set refresh bit and passes ("This status does not invalidate the verifiable credential")', async () => {
      const bits = new Uint8Array(16 * KB);
      writeEntry(bits, 9, 1, 1);
      const url = await serveList('/refresh', bits, 'refresh');
      expect(await check({ statusListCredential: url, statusPurpose: 'refresh', statusListIndex: '9' })).toMatchObject({
        verified: true,
        message: expect.stringMatching(/^refresh available \(0x1: set\)/),
        statuses: [expect.objectContaining({ purpose: 'refresh', status: '0x1', valid: false, message: 'set', statusSize: 1 })],
      });
      expect(await check({ statusListCredential: url, statusPurpose: 'refresh', statusListIndex: '8' })).toMatchObject({ verified: true, statuses: [expect.objectContaining({ status: '0x0', message: 'unset' })] });
    });

    it('keeps failing closed on a purpose it does not know (CHECK_NOT_RUN)', async () => {
      const url = await serveList('/custom-purpose', new Uint8Array(16 * KB), 'kyc-review');
      expect(await check({ statusListCredential: url, statusPurpose: 'kyc-review' })).toMatchObject({ verified: false, code: 'CHECK_NOT_RUN', pointer: '/credentialStatus/statusPurpose' });
    });

    it.each([
      [{ statusSize: 0 }, 'STATUS_VERIFICATION_ERROR', '/credentialStatus/statusSize'],
      [{ statusSize: 1.5 }, 'STATUS_VERIFICATION_ERROR', '/credentialStatus/statusSize'],
      [{ statusSize: '2' }, 'STATUS_VERIFICATION_ERROR', '/credentialStatus/statusSize'],
      [{ statusSize: 17 }, 'CHECK_NOT_RUN', '/credentialStatus/statusSize'],
      [{ statusSize: 2 }, 'STATUS_VERIFICATION_ERROR', '/credentialStatus/statusMessage'],
      [{ statusSize: 2, statusMessage: messagesFor(1) }, 'STATUS_VERIFICATION_ERROR', '/credentialStatus/statusMessage'],
      [{ statusSize: 2, statusMessage: [...messagesFor(1), { status: '2', message: 'no 0x' }, { status: '0x3', message: 'three' }] }, 'STATUS_VERIFICATION_ERROR', '/credentialStatus/statusMessage/2'],
      [{ statusSize: 1, statusMessage: [{ status: '0x0' }, { status: '0x1', message: 'set' }] }, 'STATUS_VERIFICATION_ERROR', '/credentialStatus/statusMessage/0'],
    ])('refuses the entry %j with %s at %s before fetching its list', async (entry, code, pointer) => {
      const before = world.hits.get('/never') ?? 0;
      expect(await check({ statusListCredential: `${world.scriptedUrl}/never`, ...entry })).toMatchObject({ verified: false, code, pointer });
      expect(world.hits.get('/never') ?? 0).toBe(before);
    });

    it('reports each entry of a credential with several, and fails on the one that fails', async () => {
      const bits = new Uint8Array(32 * KB);
      writeEntry(bits, 4, 2, 2);
      const messages = await serveList('/several-message', bits, 'message');
      const revocation = await serveList('/several-revocation', new Uint8Array(16 * KB));
      const both = {
        ...credentialWith({ statusListCredential: revocation }),
        credentialStatus: [
          { type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: '4', statusListCredential: revocation },
          { type: 'BitstringStatusListEntry', statusPurpose: 'message', statusListIndex: '4', statusSize: 2, statusMessage: messagesFor(2), statusListCredential: messages },
        ],
      };
      const result = await world.statusCheck(both, { now: world.clock() });
      expect(result).toMatchObject({ verified: true, message: 'not revoked, message 0x2: state 2' });
      expect(result?.statuses?.map((s) => [s.pointer, s.purpose, s.status])).toEqual([
        ['/credentialStatus/0', 'revocation', '0x0'],
        ['/credentialStatus/1', 'message', '0x2'],
      ]);
      const revoked = await serveList('/several-revoked', (() => {
        const b = new Uint8Array(16 * KB);
        writeEntry(b, 4, 1, 1);
        return b;
      })());
      const failing = await world.statusCheck({ ...both, credentialStatus: [{ ...both.credentialStatus[0], statusListCredential: revoked }, both.credentialStatus[1]] }, { now: world.clock() });
      expect(failing).toMatchObject({ verified: false, code: 'CREDENTIAL_REVOKED', pointer: '/credentialStatus/0' });
      expect(failing?.statuses).toHaveLength(2);
    });
  });
});
