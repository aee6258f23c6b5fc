/**
 * VerifyOptions.admitCanonicalization: asked once per document by the formats that canonicalize
 * JSON-LD (Data Integrity, JsonWebSignature2020) before any of that work or any DID resolution, and
 * never by VC-JOSE. A refusal it throws is the verification's answer (the caller is told to come
 * back), not a failed check.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GxTrustError, isGxTrustError } from '../../src/errors.js';
import { createVerifier, type Verifier } from '../../src/verifying/index.js';
import { dataIntegrityFormat } from '../../src/formats/data-integrity/verify.js';
import { joseFormat } from '../../src/formats/jose/verify.js';
import { jsonWebSignature2020Format } from '../../src/formats/json-web-signature-2020/verify.js';
import { startService, type RunningService } from '../helpers/service.js';
import { unscopedIssuer } from '../helpers/unscoped-signing.js';

const makeCredential = () => ({
  '@context': ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/gaia-x/development#'],
  type: ['VerifiableCredential'],
  credentialSubject: { id: 'did:web:member.example', 'gx:countryCode': 'DE' },
});

describe('admitCanonicalization', () => {
  let running: RunningService;
  let verifier: Verifier;
  let dataIntegrity: Record<string, unknown>;
  let jwt: string;
  const resolved: string[] = [];

  beforeAll(async () => {
    running = await startService({ GX_WORKERS: '0' });
    const { resolver, documentLoader } = running.service;
    const counting = {
      resolve: (did: string) => (resolved.push(did), resolver.resolve(did)),
      resolveVerificationMethod: (url: string, options: Parameters<typeof resolver.resolveVerificationMethod>[1]) => (resolved.push(url), resolver.resolveVerificationMethod(url, options)),
    };
    verifier = createVerifier({ resolver: counting, documentLoader, clock: () => new Date(), clockSkewSeconds: 300, formats: [joseFormat, dataIntegrityFormat, jsonWebSignature2020Format] });
    dataIntegrity = (await unscopedIssuer(running.service).issueCredential(makeCredential(), { format: 'ldp_vc', cryptosuite: 'eddsa-rdfc-2022' })).verifiableCredential;
    const issued = await unscopedIssuer(running.service).issueCredential(makeCredential(), { format: 'vc+jwt', alg: 'ES256' });
    jwt = issued.format === 'vc+jwt' ? issued.jwt : '';
  }, 30_000);
  afterAll(async () => {
    await running?.close();
  });

  const counter = () => {
    const asked = { n: 0 };
    return { asked, admitCanonicalization: async () => void (asked.n += 1) };
  };

  it('is asked once for a Data Integrity credential, which then verifies', async () => {
    const { asked, admitCanonicalization } = counter();
    expect((await verifier.verifyCredential(dataIntegrity, { admitCanonicalization })).verified).toBe(true);
    expect(asked.n).toBe(1);
  });

  it('is asked once for a JsonWebSignature2020 credential', async () => {
    const { asked, admitCanonicalization } = counter();
    const jws2020 = { ...makeCredential(), issuer: running.service.keyring.did, proof: { type: 'JsonWebSignature2020', proofPurpose: 'assertionMethod', verificationMethod: `${running.service.keyring.did}#jwk-rsa`, jws: 'e30..AAAA' } };
    await verifier.verifyCredential(jws2020, { admitCanonicalization });
    expect(asked.n).toBe(1);
  });

  it('is never asked for a vc+jwt', async () => {
    const { asked, admitCanonicalization } = counter();
    expect((await verifier.verifyCredential(jwt, { admitCanonicalization })).verified).toBe(true);
    expect(asked.n).toBe(0);
  });

  it('refuses the whole verification with its own error, before any DID is resolved', async () => {
    resolved.length = 0;
    const refusal = new GxTrustError('RATE_LIMITED', 'used up', { retryAfterSeconds: 1 });
    const outcome = await verifier.verifyCredential(dataIntegrity, { admitCanonicalization: async () => Promise.reject(refusal) }).catch((error: unknown) => error);
    expect(isGxTrustError(outcome) && outcome.code).toBe('RATE_LIMITED');
    expect(resolved).toEqual([]);
  });
});
