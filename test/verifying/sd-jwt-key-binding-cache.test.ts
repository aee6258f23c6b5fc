/**
 * A key binding JWT's nonce and audience are compared with the challenge and domain of the call, so
 * a report that compared them may not be served from the result cache to a call expecting another
 * challenge: that would let a presentation made for one verifier exchange be replayed in another.
 */
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { SDJwtInstance } from '@sd-jwt/core';
import { describe, expect, it } from 'vitest';
import { createDidResolver } from '../../src/dids/index.js';
import { publicJwkOf } from '../../src/dids/multikey.js';
import { createDocumentLoader } from '../../src/document-loader/index.js';
import { sdJwtFormat } from '../../src/formats/sd-jwt/verify.js';
import { createVerifier } from '../../src/verifying/index.js';
import { createResultCache } from '../../src/verifying/result-cache.js';
import { makeCredential, makeIssuer, NOW } from '../formats/jose/fixtures.js';

describe('verifyCredential() with a result cache', () => {
  it('checks a key binding JWT\'s nonce against each call\'s challenge, never a cached one', async () => {
    const issuer = makeIssuer('ES256');
    const holder = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const signer = (key: typeof holder.privateKey) => (data: string) => sign('sha256', Buffer.from(data), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url');
    const sd = new SDJwtInstance({
      signer: signer(issuer.privateKey),
      signAlg: 'ES256',
      kbSigner: signer(holder.privateKey),
      kbSignAlg: 'ES256',
      hasher: (data) => createHash('sha256').update(typeof data === 'string' ? data : Buffer.from(data)).digest(),
      saltGenerator: () => randomBytes(16).toString('base64url'),
    });
    const issued = await sd.issue({ ...makeCredential(issuer.did), cnf: { jwk: publicJwkOf(holder.publicKey) } }, { credentialSubject: { _sd: ['memberOf'] } } as never, { header: { typ: 'vc+sd-jwt', kid: issuer.kid } });
    const presented = await sd.present(issued, { credentialSubject: { memberOf: true } } as never, { kb: { payload: { iat: Math.floor(NOW.getTime() / 1000), aud: 'https://verifier.example', nonce: 'first-exchange' } } });

    const cache = createResultCache({ clock: () => NOW });
    const verifier = createVerifier({ resolver: createDidResolver({ testMode: true }), documentLoader: createDocumentLoader(), clock: () => NOW, clockSkewSeconds: 300, formats: [sdJwtFormat], resultCache: cache });
    expect((await verifier.verifyCredential(presented, { challenge: 'first-exchange' })).verified).toBe(true);
    expect((await verifier.verifyCredential(presented, { challenge: 'first-exchange' })).verified).toBe(true);
    const replayed = await verifier.verifyCredential(presented, { challenge: 'second-exchange' });
    expect(replayed.verified).toBe(false);
    expect(replayed.checks.find((c) => c.check === 'challenge')).toMatchObject({ verified: false, code: 'CHALLENGE_MISMATCH' });
  });
});
