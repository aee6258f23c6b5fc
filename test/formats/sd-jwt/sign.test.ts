/**
 * Issuing vc+sd-jwt (src/formats/sd-jwt/sign.ts): what gx-trust signs is verified by an independent
 * implementation, @sd-jwt/core, which rebuilds the same claims, and by gx-trust's own verifier; a
 * holder may leave disclosures out; pointers that cannot or must not be made disclosable are 400.
 */
import { createHash, verify } from 'node:crypto';
import { SDJwtInstance } from '@sd-jwt/core';
import { describe, expect, it } from 'vitest';
import { signCredentialSdJwt } from '../../../src/formats/sd-jwt/sign.js';
import { sdJwtFormat } from '../../../src/formats/sd-jwt/verify.js';
import { GxTrustError } from '../../../src/errors.js';
import { decodeJws, makeContext, makeCredential, makeIssuer, NOW, summary, type TestIssuer } from '../jose/fixtures.js';

const ALL_PASSED = ['format:ok', 'disclosures:ok', 'key-binding:ok', 'proof:ok'];

/** @sd-jwt/core as a verifier holding the issuer's public key (ES256 or EdDSA). */
function peerVerifier(issuer: TestIssuer, alg: 'ES256' | 'EdDSA'): SDJwtInstance<Record<string, unknown>> {
  return new SDJwtInstance({
    hasher: (data, name) => createHash(name.replace('-', '')).update(typeof data === 'string' ? data : Buffer.from(data)).digest(),
    verifier: (data, signature) => verify(alg === 'EdDSA' ? null : 'sha256', Buffer.from(data), { key: issuer.publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url')),
  });
}

function nested(issuer: TestIssuer): Record<string, unknown> {
  return makeCredential(issuer.did, {
    credentialSubject: { id: 'did:example:member-42', memberOf: 'IPCEI-AI', address: { street: 'Platz 1', city: 'Bonn' }, roles: ['admin', 'auditor'] },
  });
}

const POINTERS = ['/credentialSubject/memberOf', '/credentialSubject/address/street', '/credentialSubject/address', '/credentialSubject/roles/1'];

describe('signCredentialSdJwt()', () => {
  it.each([['ES256'], ['EdDSA']] as const)('%s: @sd-jwt/core verifies what gx-trust signs and rebuilds the same credential; gx-trust verifies it too', async (alg) => {
    const issuer = makeIssuer(alg);
    const credential = nested(issuer);
    const { sdJwt, claims } = await signCredentialSdJwt({ credential, signer: issuer.signer, selectivelyDisclosable: POINTERS, now: NOW });
    const { header, payload } = decodeJws(sdJwt.split('~')[0]!);
    expect(header).toMatchObject({ alg, typ: 'vc+sd-jwt', cty: 'vc', kid: issuer.kid });
    expect(payload._sd_alg).toBe('sha-256');
    expect(JSON.stringify(payload)).not.toContain('IPCEI-AI');
    expect(sdJwt.split('~')).toHaveLength(2 + POINTERS.length);

    const peer = await peerVerifier(issuer, alg).verify(sdJwt);
    expect(peer.payload).toEqual(claims);
    expect(claims).toEqual({ ...credential, iss: issuer.did, iat: Math.floor(NOW.getTime() / 1000), exp: Date.parse('2027-01-01T00:00:00Z') / 1000 });

    const ours = await sdJwtFormat.verifyCredential(sdJwt, makeContext());
    expect(summary(ours)).toEqual(ALL_PASSED);
    expect(ours.document).toEqual(claims);
  });

  it('a holder presenting through @sd-jwt/core without the address keeps a credential both verifiers accept', async () => {
    const issuer = makeIssuer('ES256');
    const { sdJwt } = await signCredentialSdJwt({ credential: nested(issuer), signer: issuer.signer, selectivelyDisclosable: POINTERS, now: NOW });
    const peer = peerVerifier(issuer, 'ES256');
    const presented = await peer.present(sdJwt, { credentialSubject: { memberOf: true } } as never);
    const ours = await sdJwtFormat.verifyCredential(presented, makeContext());
    expect(summary(ours)).toEqual(ALL_PASSED);
    const subject = ours.document?.credentialSubject as Record<string, unknown>;
    expect(subject).toEqual({ id: 'did:example:member-42', memberOf: 'IPCEI-AI', roles: ['admin'] });
    expect((await peer.verify(presented)).payload).toMatchObject({ credentialSubject: { memberOf: 'IPCEI-AI' } });
  });

  it('refuses pointers to what a verifier needs in the clear, to no member, twice, and a JWT claim in the credential: 400 at the option', async () => {
    const issuer = makeIssuer('ES256');
    const cases: [string[], string][] = [
      [['/issuer'], '/options/selectivelyDisclosable/0'],
      [['/credentialSubject/memberOf', '/type'], '/options/selectivelyDisclosable/1'],
      [['/credentialSubject/nothing'], '/options/selectivelyDisclosable/0'],
      [['/credentialSubject/roles/7'], '/options/selectivelyDisclosable/0'],
      [['credentialSubject'], '/options/selectivelyDisclosable/0'],
      [['/credentialSubject/memberOf', '/credentialSubject/memberOf'], '/options/selectivelyDisclosable/1'],
      // A claim gx-trust writes (iss binds the key, iat and exp bound the signature) never goes into a disclosure.
      [['/iss'], '/options/selectivelyDisclosable/0'],
      [['/credentialSubject/memberOf', '/iat'], '/options/selectivelyDisclosable/1'],
    ];
    for (const [pointers, pointer] of cases) {
      const error = await signCredentialSdJwt({ credential: nested(issuer), signer: issuer.signer, selectivelyDisclosable: pointers, now: NOW }).catch((e: unknown) => e);
      expect(error, pointers.join(' ')).toBeInstanceOf(GxTrustError);
      expect(error, pointers.join(' ')).toMatchObject({ code: 'INVALID_INPUT', pointer });
    }
    const withCnf = await signCredentialSdJwt({ credential: { ...nested(issuer), cnf: {} }, signer: issuer.signer, selectivelyDisclosable: [], now: NOW }).catch((e: unknown) => e);
    expect(withCnf).toMatchObject({ code: 'INVALID_INPUT', pointer: '/credential/cnf' });
  });
});
