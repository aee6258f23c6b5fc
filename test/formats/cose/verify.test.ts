/**
 * The vc+cose / vp+cose format (src/formats/cose/verify.ts) against COSE_Sign1 messages made by an
 * independent implementation, @auth0/cose, for issuers on did:jwk; hostile shapes no library
 * writes (alg only unprotected, crit, a detached payload, another COSE structure) are built with
 * cborg and signed with node:crypto.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { Sign1 } from '@auth0/cose';
import { encode, Tagged } from 'cborg';
import { describe, expect, it } from 'vitest';
import { coseFormat, sigStructure } from '../../../src/formats/cose/verify.js';
import { checkOf, makeContext, makeCredential, makeIssuer, makePresentation, summary, type TestIssuer } from '../jose/fixtures.js';

const ALL_PASSED = ['format:ok', 'key-binding:ok', 'proof:ok'];
const ALG_IDS = { ES256: -7, ES384: -35, ES512: -36, EdDSA: -8 } as const;

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

function dataUrl(bytes: Uint8Array, mediaType = 'application/vc+cose'): string {
  return `data:${mediaType};base64,${Buffer.from(bytes).toString('base64')}`;
}

/** COSE_Sign1 by @auth0/cose: protected alg, content type, kid and typ (RFC 9596), as VC-JOSE-COSE §3.3 writes them. */
async function peerSign(issuer: TestIssuer, alg: keyof typeof ALG_IDS, document: Record<string, unknown>, kind: 'vc' | 'vp' = 'vc'): Promise<Uint8Array> {
  const headers = new Map<number, unknown>([[1, ALG_IDS[alg]], [3, `application/${kind}`], [4, utf8(issuer.kid)], [16, `application/${kind}+cose`]]);
  const message = await Sign1.sign(headers as never, new Map(), utf8(JSON.stringify(document)), issuer.privateKey);
  return message.encode();
}

interface Parts {
  protectedHeader: Map<number, unknown>;
  unprotectedHeader?: Map<number, unknown>;
  payload: Uint8Array | null;
  tag?: number | null;
}

/** A COSE message built field by field and signed over its Sig_structure with `key` (r || s for ECDSA). */
function handSign(parts: Parts, key: KeyObject, hash: 'sha256' | 'sha384' | 'sha512' | null): Uint8Array {
  const protectedBytes = encode(parts.protectedHeader);
  const signature = sign(hash, sigStructure(protectedBytes, parts.payload ?? new Uint8Array(0)), { key, dsaEncoding: 'ieee-p1363' });
  const structure = [protectedBytes, parts.unprotectedHeader ?? new Map(), parts.payload, new Uint8Array(signature)];
  const tag = parts.tag === undefined ? 18 : parts.tag;
  return encode(tag === null ? structure : new Tagged(tag, structure));
}

const p256 = makeIssuer('ES256');
const p384 = makeIssuer('ES384');
const p521 = makeIssuer('ES512');
const ed25519 = makeIssuer('EdDSA');

describe('vc+cose: what verifies', () => {
  it.each([
    ['ES256', p256],
    ['ES384', p384],
    ['ES512', p521],
    ['EdDSA', ed25519],
  ] as const)('verifies an %s COSE_Sign1 credential made by @auth0/cose, the payload as the document', async (alg, issuer) => {
    const credential = makeCredential(issuer.did);
    const result = await coseFormat.verifyCredential(dataUrl(await peerSign(issuer, alg, credential)), makeContext());
    expect(summary(result)).toEqual(ALL_PASSED);
    expect(result.format).toBe('vc+cose');
    expect(checkOf(result, 'proof').message).toBe(alg);
    expect(result.document).toEqual(credential);
  });

  it('verifies an EnvelopedVerifiableCredential, an untagged COSE_Sign1, and a vp+cose presentation holding it', async () => {
    const credential = makeCredential(p256.did);
    const id = dataUrl(await peerSign(p256, 'ES256', credential));
    const envelope = { '@context': 'https://www.w3.org/ns/credentials/v2', type: 'EnvelopedVerifiableCredential', id };
    expect(summary(await coseFormat.verifyCredential(envelope, makeContext()))).toEqual(ALL_PASSED);
    const untagged = handSign({ protectedHeader: new Map<number, unknown>([[1, -7], [4, utf8(p256.kid)]]), payload: utf8(JSON.stringify(credential)), tag: null }, p256.privateKey, 'sha256');
    expect(summary(await coseFormat.verifyCredential(dataUrl(untagged), makeContext()))).toEqual(ALL_PASSED);
    const vp = await peerSign(p256, 'ES256', makePresentation({ holder: p256.did, verifiableCredential: [envelope] }), 'vp');
    const presentation = await coseFormat.verifyPresentation(dataUrl(vp, 'application/vp+cose'), makeContext());
    expect(summary(presentation)).toEqual(ALL_PASSED);
    expect(presentation.heldCredentials).toEqual([envelope]);
  });

  it('gx-trust\'s reading of an @auth0/cose message is the message @auth0/cose verifies (its own check, same key)', async () => {
    const bytes = await peerSign(ed25519, 'EdDSA', makeCredential(ed25519.did));
    await Sign1.decode(bytes).verify(ed25519.publicKey);
    expect(summary(await coseFormat.verifyCredential(dataUrl(bytes), makeContext()))).toEqual(ALL_PASSED);
  });
});

describe('vc+cose: tampering and hostile headers', () => {
  it('refuses a message with one payload byte flipped: INVALID_SIGNATURE', async () => {
    const credential = makeCredential(p256.did, { credentialSubject: { id: 'did:example:member-42', memberOf: 'IPCEI-AI' } });
    const bytes = Buffer.from(await peerSign(p256, 'ES256', credential));
    const at = bytes.indexOf(Buffer.from('IPCEI-AI'));
    bytes[at] = 'J'.charCodeAt(0);
    const result = await coseFormat.verifyCredential(dataUrl(bytes), makeContext());
    expect(summary(result)).toEqual(['format:ok', 'key-binding:ok', 'proof:INVALID_SIGNATURE']);
  });

  it('refuses ES256 in the protected header over an Ed25519 issuer key (alg confusion): ALG_NOT_ALLOWED', async () => {
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const bytes = handSign({ protectedHeader: new Map<number, unknown>([[1, -7], [4, utf8(ed25519.kid)]]), payload: utf8(JSON.stringify(makeCredential(ed25519.did))) }, stranger.privateKey, 'sha256');
    expect(summary(await coseFormat.verifyCredential(dataUrl(bytes), makeContext()))).toEqual(['format:ok', 'key-binding:ok', 'proof:ALG_NOT_ALLOWED']);
  });

  it('never reads an unprotected alg: ignored beside a protected one (with a warning), refused alone', async () => {
    const payload = utf8(JSON.stringify(makeCredential(p256.did)));
    const beside = handSign({ protectedHeader: new Map<number, unknown>([[1, -7], [4, utf8(p256.kid)]]), unprotectedHeader: new Map([[1, -8]]), payload }, p256.privateKey, 'sha256');
    const ignored = await coseFormat.verifyCredential(dataUrl(beside), makeContext());
    expect(summary(ignored)).toEqual(ALL_PASSED);
    expect(ignored.warnings?.join(' ')).toContain('unprotected header names an alg');
    const alone = handSign({ protectedHeader: new Map<number, unknown>([[4, utf8(p256.kid)]]), unprotectedHeader: new Map([[1, -7]]), payload }, p256.privateKey, 'sha256');
    const refused = await coseFormat.verifyCredential(dataUrl(alone), makeContext());
    expect(checkOf(refused, 'format')).toMatchObject({ verified: false, code: 'ALG_NOT_ALLOWED' });
    expect(checkOf(refused, 'format').message).toContain('unprotected header is not read');
  });

  it('refuses ES512 (-36) over a P-256 key (ES512 is P-521 only), crit, a detached payload, COSE_Mac0 (tag 17), and a data: URL that is not base64', async () => {
    const payload = utf8(JSON.stringify(makeCredential(p256.did)));
    const cases: [string, Uint8Array | string, string][] = [
      ['crit', handSign({ protectedHeader: new Map<number, unknown>([[1, -7], [2, [99]], [4, utf8(p256.kid)], [99, true]]), payload }, p256.privateKey, 'sha256'), 'INVALID_INPUT'],
      ['detached', handSign({ protectedHeader: new Map<number, unknown>([[1, -7], [4, utf8(p256.kid)]]), payload: null }, p256.privateKey, 'sha256'), 'UNSUPPORTED_FORMAT'],
      ['Mac0', handSign({ protectedHeader: new Map<number, unknown>([[1, -7], [4, utf8(p256.kid)]]), payload, tag: 17 }, p256.privateKey, 'sha256'), 'UNSUPPORTED_FORMAT'],
      ['not base64', `data:application/vc+cose,${Buffer.from(payload).toString('hex')}`, 'UNSUPPORTED_FORMAT'],
    ];
    for (const [name, message, code] of cases) {
      const input = typeof message === 'string' ? message : dataUrl(message);
      const result = await coseFormat.verifyCredential(input, makeContext());
      expect(checkOf(result, 'format'), name).toMatchObject({ verified: false, code });
    }
    // ES512 is read now, and tied to P-521: over the P-256 key, the signature is never checked.
    const es512 = handSign({ protectedHeader: new Map<number, unknown>([[1, -36], [4, utf8(p256.kid)]]), payload }, p256.privateKey, 'sha512');
    const refused = await coseFormat.verifyCredential(dataUrl(es512), makeContext());
    expect(refused.checks.filter((c) => !c.verified).map((c) => c.code)).toContain('ALG_NOT_ALLOWED');
    expect(summary(refused)).not.toContain('proof:ok');
  });

  it('refuses a typ or content type of another kind: TOKEN_TYPE', async () => {
    const credential = makeCredential(p256.did);
    const asPresentation = await coseFormat.verifyCredential(dataUrl(await peerSign(p256, 'ES256', credential, 'vp')), makeContext());
    expect(checkOf(asPresentation, 'format').code).toBe('TOKEN_TYPE');
  });

  it('refuses a kid of another DID and a kid that is no DID URL (a bare thumbprint): KEY_BINDING', async () => {
    const other = makeIssuer('ES256');
    const payload = utf8(JSON.stringify(makeCredential(p256.did)));
    for (const kid of [other.kid, 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs']) {
      const bytes = handSign({ protectedHeader: new Map<number, unknown>([[1, -7], [4, utf8(kid)]]), payload }, p256.privateKey, 'sha256');
      expect(checkOf(await coseFormat.verifyCredential(dataUrl(bytes), makeContext()), 'key-binding').code, kid).toBe('KEY_BINDING');
    }
  });
});
