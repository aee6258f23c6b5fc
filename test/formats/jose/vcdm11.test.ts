/**
 * VCDM 1.1 JWTs (`vc` / `vp` claims, the RFC 7519 claim mapping), as did-jwt-vc, DIDKit and older
 * wallets produce them. The tokens are made by did-jwt-vc (an independent implementation) and,
 * for shapes it will not produce, by raw jose; keys by node:crypto. gx-trust verifies them and
 * reports them as VCDM 1.1 (`jwt_vc_json` / `jwt_vp_json`), with the document the claims stand for.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { CompactSign } from 'jose';
import { EdDSASigner, ES256Signer, verifyJWT } from 'did-jwt';
import { createVerifiableCredentialJwt, createVerifiablePresentationJwt } from 'did-jwt-vc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDidResolver } from '../../../src/dids/index.js';
import { publicJwkOf, publicKeyToMultikey } from '../../../src/dids/multikey.js';
import { signCredentialJwt } from '../../../src/formats/jose/sign.js';
import { joseFormat } from '../../../src/formats/jose/verify.js';
import { signingKeyOf } from '../../../src/keyring/signer.js';
import { startDidWebServer, type DidWebServer } from '../../helpers/did-web-server.js';
import { postJson, startService, type RunningService } from '../../helpers/service.js';
import { checkOf, decodeJws, didJwkOf, makeContext, makeCredential, summary } from './fixtures.js';

const ALL_PASSED = ['format:ok', 'key-binding:ok', 'proof:ok'];
const V1 = 'https://www.w3.org/2018/credentials/v1';
/** Inside the time claims did-jwt-vc writes (its iat is the signing instant, now). */
const now = () => new Date();

const privateBytes = (key: KeyObject): Uint8Array => Buffer.from(key.export({ format: 'jwk' }).d ?? '', 'base64url');

interface Holder {
  did: string;
  kid: string;
  privateKey: KeyObject;
}

/** An Ed25519 did:key (Multikey): did-jwt resolves it with no kid, trying the DID's keys. */
function ed25519DidKey(): Holder {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const multikey = publicKeyToMultikey(publicKey);
  return { did: `did:key:${multikey}`, kid: `did:key:${multikey}#${multikey}`, privateKey };
}

function p256DidJwk(): Holder {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const did = didJwkOf(publicKey);
  return { did, kid: `${did}#0`, privateKey };
}

const credentialPayload = (issuer: string) => ({
  '@context': [V1],
  id: 'urn:uuid:6d0c2a4e-1f55-4d1e-9b9a-3c7e2f0a1b22',
  type: ['VerifiableCredential'],
  issuer,
  issuanceDate: '2026-01-01T00:00:00Z',
  expirationDate: '2030-01-01T00:00:00Z',
  credentialSubject: { id: 'did:example:member-42', memberOf: 'IPCEI-AI' },
});

async function rawJwt(header: Record<string, unknown>, payload: Record<string, unknown>, key: KeyObject): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader(header as { alg: string }).sign(key);
}

describe('VCDM 1.1 JWT credentials made by did-jwt-vc', () => {
  it('verifies an EdDSA credential of a did:key issuer with typ JWT and no kid, and restores the VCDM 1.1 document', async () => {
    const issuer = ed25519DidKey();
    const jwt = await createVerifiableCredentialJwt(credentialPayload(issuer.did), {
      did: issuer.did,
      signer: EdDSASigner(privateBytes(issuer.privateKey)),
      alg: 'EdDSA',
    });
    const { header, payload } = decodeJws(jwt);
    // What did-jwt-vc writes: the 1.1 properties moved into the registered claims.
    expect(header).toEqual({ alg: 'EdDSA', typ: 'JWT' });
    expect(payload).toMatchObject({ iss: issuer.did, sub: 'did:example:member-42', jti: 'urn:uuid:6d0c2a4e-1f55-4d1e-9b9a-3c7e2f0a1b22' });
    expect(payload.vc).not.toHaveProperty('issuer');

    const result = await joseFormat.verifyCredential(jwt, makeContext({ now: now() }));
    expect(summary(result)).toEqual(ALL_PASSED);
    expect(result.format).toBe('jwt_vc_json');
    expect(checkOf(result, 'format').message).toContain('VCDM 1.1');
    expect(result.warnings?.[0]).toContain('VCDM 1.1 JWT');
    expect(result.verificationMethod?.id).toBe(issuer.kid);
    expect(result.document).toEqual(credentialPayload(issuer.did));
    expect(result.timeClaims?.notBefore).toEqual(new Date('2026-01-01T00:00:00Z'));
  });

  it('verifies an ES256 credential of a did:jwk issuer that names its kid', async () => {
    const issuer = p256DidJwk();
    const jwt = await createVerifiableCredentialJwt(
      credentialPayload(issuer.did),
      { did: issuer.did, signer: ES256Signer(privateBytes(issuer.privateKey)), alg: 'ES256' },
      { header: { kid: issuer.kid } },
    );
    const result = await joseFormat.verifyCredential(jwt, makeContext({ now: now() }));
    expect(summary(result)).toEqual(ALL_PASSED);
    expect(result.document).toMatchObject({ issuer: issuer.did, issuanceDate: '2026-01-01T00:00:00Z' });
  });

  it('fails the proof of a credential whose vc claim was changed after signing', async () => {
    const issuer = ed25519DidKey();
    const jwt = await createVerifiableCredentialJwt(credentialPayload(issuer.did), { did: issuer.did, signer: EdDSASigner(privateBytes(issuer.privateKey)), alg: 'EdDSA' });
    const [h, , s] = jwt.split('.');
    const { payload } = decodeJws(jwt);
    (payload.vc as { credentialSubject: Record<string, unknown> }).credentialSubject.memberOf = 'Everything';
    const tampered = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
    expect(summary(await joseFormat.verifyCredential(tampered, makeContext({ now: now() })))).toEqual(['format:ok', 'key-binding:ok', 'proof:INVALID_SIGNATURE']);
  });
});

describe('VCDM 1.1 JWT presentations made by did-jwt-vc', () => {
  it('verifies the holder, nonce and aud, and hands back the held VC-JWTs as found', async () => {
    const issuer = ed25519DidKey();
    const holder = ed25519DidKey();
    const vcJwt = await createVerifiableCredentialJwt(credentialPayload(issuer.did), { did: issuer.did, signer: EdDSASigner(privateBytes(issuer.privateKey)), alg: 'EdDSA' });
    const vpJwt = await createVerifiablePresentationJwt(
      { '@context': [V1], type: ['VerifiablePresentation'], holder: holder.did, verifiableCredential: [vcJwt] },
      { did: holder.did, signer: EdDSASigner(privateBytes(holder.privateKey)), alg: 'EdDSA' },
      { challenge: 'n-0S6_WzA2Mj', domain: 'https://verifier.example' },
    );
    const result = await joseFormat.verifyPresentation(vpJwt, makeContext({ now: now(), challenge: 'n-0S6_WzA2Mj', domain: 'https://verifier.example' }));
    expect(summary(result)).toEqual([...ALL_PASSED, 'challenge:ok', 'domain:ok']);
    expect(result.format).toBe('jwt_vp_json');
    expect(result.issuer).toBe(holder.did);
    expect(result.document).toMatchObject({ holder: holder.did, type: ['VerifiablePresentation'] });
    expect(result.heldCredentials).toEqual([vcJwt]);
    expect(summary(await joseFormat.verifyCredential(result.heldCredentials?.[0], makeContext({ now: now() })))).toEqual(ALL_PASSED);
  });

  it('refuses a presentation JWT sent as a credential, and a credential JWT sent as a presentation (TOKEN_TYPE)', async () => {
    const holder = ed25519DidKey();
    const signer = { did: holder.did, signer: EdDSASigner(privateBytes(holder.privateKey)), alg: 'EdDSA' };
    const vp = await createVerifiablePresentationJwt({ '@context': [V1], type: ['VerifiablePresentation'], holder: holder.did, verifiableCredential: [] }, signer);
    const vc = await createVerifiableCredentialJwt(credentialPayload(holder.did), signer);
    expect(checkOf(await joseFormat.verifyCredential(vp, makeContext({ now: now() })), 'format').code).toBe('TOKEN_TYPE');
    expect(checkOf(await joseFormat.verifyPresentation(vc, makeContext({ now: now() })), 'format').code).toBe('TOKEN_TYPE');
  });
});

describe('the RFC 7519 mapping, with tokens did-jwt-vc would not make (raw jose)', () => {
  const issuer = ed25519DidKey();
  const header = { alg: 'EdDSA', kid: issuer.kid };
  const base = () => ({ iss: issuer.did, nbf: 1767225600, vc: { '@context': [V1], type: ['VerifiableCredential'], credentialSubject: { memberOf: 'IPCEI-AI' } } });

  it('keeps a property the claim repeats (DIDKit writes both) and maps the rest', async () => {
    const payload = { ...base(), jti: 'urn:uuid:1', sub: 'did:example:s', exp: 1893456000 };
    Object.assign(payload.vc, { issuer: { id: issuer.did, name: 'Issuer' }, issuanceDate: '2026-01-01T00:00:00.000Z' });
    const result = await joseFormat.verifyCredential(await rawJwt(header, payload, issuer.privateKey), makeContext({ now: now() }));
    expect(summary(result)).toEqual(ALL_PASSED);
    expect(result.document).toEqual({
      '@context': [V1],
      type: ['VerifiableCredential'],
      id: 'urn:uuid:1',
      issuer: { id: issuer.did, name: 'Issuer' },
      issuanceDate: '2026-01-01T00:00:00.000Z',
      expirationDate: '2030-01-01T00:00:00Z',
      credentialSubject: { id: 'did:example:s', memberOf: 'IPCEI-AI' },
    });
  });

  it.each([
    ['vc.issuer another DID than iss', (p: ReturnType<typeof base>) => Object.assign(p.vc, { issuer: 'did:example:other' }), '/issuer'],
    ['vc.issuanceDate another instant than nbf', (p: ReturnType<typeof base>) => Object.assign(p.vc, { issuanceDate: '2020-01-01T00:00:00Z' }), '/issuanceDate'],
    ['vc.id another id than jti', (p: ReturnType<typeof base>) => Object.assign(p, { jti: 'urn:uuid:1' }) && Object.assign(p.vc, { id: 'urn:uuid:2' }), '/id'],
    ['sub with several subjects', (p: ReturnType<typeof base>) => Object.assign(p, { sub: 'did:example:s' }) && Object.assign(p.vc, { credentialSubject: [{}, {}] }), '/credentialSubject'],
  ])('refuses a claim that contradicts the document: %s', async (_name, change, pointer) => {
    const payload = base();
    change(payload);
    const result = await joseFormat.verifyCredential(await rawJwt(header, payload, issuer.privateKey), makeContext({ now: now() }));
    expect(summary(result)).toEqual(['format:INVALID_INPUT', 'key-binding:CHECK_NOT_RUN', 'proof:CHECK_NOT_RUN']);
    expect(checkOf(result, 'format').pointer).toBe(pointer);
  });

  it('refuses a vc claim that is not an object, and a payload with both vc and vp', async () => {
    for (const payload of [{ iss: issuer.did, vc: 'x' }, { ...base(), vp: {} }]) {
      const result = await joseFormat.verifyCredential(await rawJwt(header, payload, issuer.privateKey), makeContext({ now: now() }));
      expect(checkOf(result, 'format').verified).toBe(false);
    }
  });

  it('refuses a key of another DID than iss', async () => {
    const other = ed25519DidKey();
    const result = await joseFormat.verifyCredential(await rawJwt({ alg: 'EdDSA', kid: other.kid }, base(), other.privateKey), makeContext({ now: now() }));
    expect(summary(result)).toEqual(['format:ok', 'key-binding:KEY_BINDING', 'proof:CHECK_NOT_RUN']);
  });

  it('refuses a prototype key anywhere in the claims set, outside the vc claim too (FORBIDDEN_KEY)', async () => {
    const payload = { ...base(), ...(JSON.parse('{"__proto__": {"isAdmin": true}}') as object) };
    const result = await joseFormat.verifyCredential(await rawJwt(header, payload, issuer.privateKey), makeContext({ now: now() }));
    expect(checkOf(result, 'format').code).toBe('FORBIDDEN_KEY');
  });

  it('checks the vc claim against the pinned contexts', async () => {
    const payload = base();
    payload.vc['@context'] = [V1, 'https://attacker.example/context'];
    const result = await joseFormat.verifyCredential(await rawJwt(header, payload, issuer.privateKey), makeContext({ now: now() }));
    expect(checkOf(result, 'format').code).toBe('CONTEXT_NOT_ALLOWED');
  });

  describe('without kid', () => {
    let server: DidWebServer;
    let did: string;
    const key = generateKeyPairSync('ed25519');
    beforeAll(async () => {
      server = await startDidWebServer();
      did = server.didFor(['two-keys']);
      const second = generateKeyPairSync('ed25519').publicKey;
      const methods = [key.publicKey, second].map((k, i) => ({ id: `${did}#k${i}`, type: 'JsonWebKey', controller: did, publicKeyJwk: publicJwkOf(k) }));
      server.setDocument(did, { id: did, verificationMethod: methods, assertionMethod: methods.map((m) => m.id) });
    });
    afterAll(async () => {
      await server.close();
    });

    it('refuses an issuer whose DID document lists several assertion methods: the token must name one', async () => {
      const payload = { ...base(), iss: did };
      const resolver = createDidResolver({ testMode: true });
      const result = await joseFormat.verifyCredential(await rawJwt({ alg: 'EdDSA' }, payload, key.privateKey), makeContext({ now: now() }, resolver));
      expect(summary(result)).toEqual(['format:ok', 'key-binding:KEY_BINDING', 'proof:CHECK_NOT_RUN']);
      expect(checkOf(result, 'key-binding').message).toMatch(/lists 2 assertionMethod methods/);
      const named = await rawJwt({ alg: 'EdDSA', kid: `${did}#k0` }, payload, key.privateKey);
      expect(summary(await joseFormat.verifyCredential(named, makeContext({ now: now() }, resolver)))).toEqual(ALL_PASSED);
    });

    it('keeps requiring a kid for a VCDM 2.0 token', async () => {
      const issuer2 = ed25519DidKey();
      const result = await joseFormat.verifyCredential(await rawJwt({ alg: 'EdDSA', typ: 'vc+jwt' }, makeCredential(issuer2.did), issuer2.privateKey), makeContext());
      expect(summary(result)).toEqual(['format:ok', 'key-binding:KEY_BINDING', 'proof:CHECK_NOT_RUN']);
    });
  });
});

describe('did-jwt reads what gx-trust signs', () => {
  it('verifies a gx-trust vc+jwt of a did:key issuer: the payload names iss, which did-jwt requires', async () => {
    const holder = ed25519DidKey();
    const jwt = await signCredentialJwt({
      credential: makeCredential(holder.did, { validFrom: '2026-01-01T00:00:00Z', validUntil: '2099-01-01T00:00:00Z' }),
      signer: signingKeyOf(holder.privateKey).signer(holder.kid),
    });
    // did-jwt resolves through a Resolvable; did:key is derived from the DID alone, so gx-trust's
    // resolver serves it here and did-jwt does the key selection and signature check itself.
    const resolver = createDidResolver({ testMode: true });
    const resolvable = {
      resolve: async (did: string) => ({ didDocument: (await resolver.resolve(did)) as never, didDocumentMetadata: {}, didResolutionMetadata: {} }),
    };
    const verified = await verifyJWT(jwt, { resolver: resolvable, policies: { aud: false } });
    expect(verified.issuer).toBe(holder.did);
    expect(verified.signer.id).toBe(holder.kid);
  });
});

describe('the service', () => {
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startService();
  });
  afterAll(async () => {
    await svc?.close();
  });

  it('verifies a did-jwt-vc credential at POST /credentials/verify (200), reported as VCDM 1.1 with its mapped document', async () => {
    const issuer = ed25519DidKey();
    const jwt = await createVerifiableCredentialJwt(credentialPayload(issuer.did), { did: issuer.did, signer: EdDSASigner(privateBytes(issuer.privateKey)), alg: 'EdDSA' });
    const answer = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: jwt });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ verified: true, format: 'jwt_vc_json', issuer: issuer.did, document: credentialPayload(issuer.did) });
    expect(answer.body.warnings.join(' ')).toContain('VCDM 1.1 JWT');
  });
});
