/**
 * The W3C VC-JOSE-COSE test suite (w3c/vc-jose-cose-test-suite), its JOSE part, against gx-trust's
 * VC-API on loopback. Each test is named after the suite's test case (`tests/test-mapping.js` and
 * `tests/README.md`, which lists the normative statements each case covers).
 *
 * How the suite runs and how it is run here. The suite does not call a VC-API: it runs each
 * implementation as a command (`issue` / `verify --input <file> --key <verification method>`) and
 * hands it the private or public key in a file, so its pre-signed vectors (`*-jose-*.txt`,
 * `*-signed.json`) name an issuer on a host that resolves nowhere (`https://example.issuer/vc-jose-cose`)
 * and a `kid` that is the bare RFC 7638 thumbprint of the key, not a URL. gx-trust takes the key
 * only from the issuer's DID document (src/formats/jose/verify.ts), so:
 * - Issuing: the suite's unsigned input goes to `POST /credentials/issue` (`POST /presentations/prove`)
 *   with `format: vc+jwt` (`vp+jwt`), issued as the service's did:web instead of the suite's issuer,
 *   as the VC-API suites' request builder does; gx-trust signs with its own key, not the suite's.
 * - Verifying: each vector is sent as published (where gx-trust decides before any key is looked
 *   up, that is the whole test), and "re-targeted": its header and payload decoded, the suite's
 *   issuer (holder, `iss`) replaced by a did:web on loopback whose DID document lists the suite's
 *   own public keys (`cid-*.json`, as `JsonWebKey` methods `#key-1`..`#key-4` as the files name
 *   them), `kid` replaced by that method's `#key-N` (relative to `iss`, which every vector
 *   carries), everything else kept, and re-signed with the suite's own private JWK by raw `jose`.
 *   A test says which it does.
 *
 * Where gx-trust deviates from what the suite expects (also in docs/interop.md):
 * - Every pre-signed credential vector writes `iat` as a date-time string ("2010-01-01T19:23:24Z");
 *   RFC 7519 §4.1.6 requires a NumericDate. gx-trust refuses a malformed time claim (`INVALID_DATE`
 *   at `/iat`, test/http/numeric-date.test.ts) rather than drop a bound its issuer set, so those
 *   vectors verify only with `iat` re-written as the same instant in seconds (both are tested).
 * - Issuers must be DIDs and `kid` a DID URL (or `#fragment` against `iss`): the published vectors,
 *   issuer `https://example.issuer/...` and a thumbprint `kid`, fail `KEY_BINDING` as sent.
 * - SD-JWT and COSE vectors fail `KEY_BINDING` as published, for the same reason; re-targeted they
 *   verify. Their string `iat` is `INVALID_DATE` as for the JOSE vectors. The P-521 (ES512) SD-JWT
 *   vectors (cases 21, 26) verify under the suite's P-521 key that signed them.
 * - Case 22's and 31's presentations hold credentials that cannot verify as published (an SD-JWT
 *   naming the suite's https issuer inside a disclosure; a `vc+jwt` that is no JWS): the
 *   presentation's own checks pass and the held credential fails, so the test also swaps in the
 *   re-targeted case 20 (29) credential, and then all verifies. Case 26's presentation is typed
 *   `bad+typ` (TOKEN_TYPE); typed `vp+sd-jwt` its "bad-credential" is UNSUPPORTED_FORMAT.
 * - Case 4's input, `presentation-multiple.json`, holds a `vc+sd-jwt` `data:` URL with a space in
 *   it, which is no IRI: gx-trust refuses to sign it (400 `INVALID_INPUT` at its `id`); the test
 *   signs it again (ES512, with the service's P-521 key, as the suite's P-521 key file asks) with
 *   the space removed.
 * - Case 3's input holds a `vc+jwt` whose header lost its first character: gx-trust signs the
 *   presentation (as the suite expects), and verifying it refuses that credential.
 * - Case 5 ("JWT Issuance with Unknown Extensions") expects the issuer to fail; gx-trust issues the
 *   credential (ES512, the suite hands its P-521 key), as the Recommendation's "additional members
 *   that are not understood MUST be ignored" (statement 26) reads, and the result verifies.
 * Case 9 ("JWT Verification With Unknown Extensions") expects a failure: the suite verifies its
 * ES512 vector, signed by its P-521 key, with its Ed25519 key (`vm-ed25519.json`). gx-trust fails
 * it too, for that reason: re-targeted with `kid` naming the suite's Ed25519 method, an ES512
 * header over an Ed25519 key is `ALG_NOT_ALLOWED`; under the P-521 key that signed it, it verifies.
 * Fixed in gx-trust by cases 7 and 16: an `EnvelopedVerifiableCredential` of a media type gx-trust
 * does not verify, or whose `id` is no `data:` URL, was reported `PROOF_MISSING` ("has no proof");
 * it is `UNSUPPORTED_FORMAT`, naming the media type (src/verifying/index.ts).
 * - SD-JWT issuance (cases 17, 18): the suite's `disclosure_paths` are sent as the JSON pointers of
 *   `options.selectivelyDisclosable`, the issuer is the service's did:web (ES384, its P-384 key).
 * - COSE issuance (case 27): the service's did:web signs with its own Ed25519 key (EdDSA).
 * - Presentation issuance as vp+sd-jwt (case 19) and vp+cose (case 28): the holder is the service's
 *   did:web, signing with its P-384 key (ES384, the suite hands its P-384 key for both); case 19's
 *   `disclosure_paths` are sent as the JSON pointers of `options.selectivelyDisclosable`. The
 *   credentials the inputs hold cannot verify as published (19: the suite's https issuer; 28: a
 *   vc+jwt that is no JWS), so the presentation's own checks pass and the held credential fails;
 *   holding a credential gx-trust issued, it verifies. A vp+cose has nowhere to carry a challenge
 *   or domain: asking for one is a 400 at the option (the verifier fails an expected one).
 */
import { Sign1 } from '@auth0/cose';
import { decode as cborDecode, encode as cborEncode, Tagged } from 'cborg';
import { CompactSign, compactVerify, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { createHash, createPrivateKey, createPublicKey, randomUUID, sign, type JsonWebKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JSON_WEB_KEY_TWIN_SUFFIX } from '../../src/keyring/index.js';
import { postJson } from '../helpers/service.js';
import { startDidWebServer, type DidWebServer } from '../helpers/did-web-server.js';
import { fixture, type Answer, type SuiteEndpoints, startSuiteTarget } from './harness.js';

const SUITE = 'vc-jose-cose-test-suite';
/** The issuer (and holder) every input and vector of the suite names. */
const SUITE_ISSUER = 'https://example.issuer/vc-jose-cose';

/** A suite input that is not JSON (a compact JWS), as the file has it, without its trailing newline. */
function vector(name: string): string {
  return readFileSync(fileURLToPath(new URL(`../fixtures/w3c/${SUITE}/${name}`, import.meta.url)), 'utf8').trim();
}

interface SuiteKey {
  /** `#key-N`, the fragment of the method's id in the suite's file. */
  fragment: string;
  publicKeyJwk: JWK;
  secretKeyJwk: JWK;
}

/** The suite's keys by the `kid` its vectors write (the JWK thumbprint). */
const KEYS = new Map<string, SuiteKey>();
for (const curve of ['p256', 'p384', 'p521', 'ed25519']) {
  const file = fixture(SUITE, `cid-${curve}.json`);
  const fragment = (file.id as string).slice((file.id as string).indexOf('#'));
  KEYS.set(file.publicKeyJwk.kid, { fragment, publicKeyJwk: file.publicKeyJwk, secretKeyJwk: file.secretKeyJwk });
}

let target: SuiteEndpoints;
let dids: DidWebServer;
/** The loopback did:web standing in for the suite's issuer. */
let suiteDid: string;

beforeAll(async () => {
  target = await startSuiteTarget();
  dids = await startDidWebServer();
  suiteDid = dids.didFor(['vc-jose-cose']);
  const methods = [...KEYS.values()].map(({ fragment, publicKeyJwk }) => ({ id: `${suiteDid}${fragment}`, type: 'JsonWebKey', controller: suiteDid, publicKeyJwk }));
  dids.setDocument(suiteDid, {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/jwk/v1'],
    id: suiteDid,
    verificationMethod: methods,
    assertionMethod: methods.map((m) => m.id),
    authentication: methods.map((m) => m.id),
  });
});
afterAll(async () => {
  await dids?.close();
  await target?.svc.close();
});

function decodePart(token: string, index: 0 | 1): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[index]!, 'base64url').toString('utf8'));
}

interface Retarget {
  /** Write a string `iat` as the NumericDate of the same instant. */
  numericIat?: boolean;
  /** Move `iat`/`exp` to now, keeping the vector's lifetime (the presentations expired in 2024). */
  fresh?: boolean;
  /** Change the payload further before signing. */
  edit?: (payload: Record<string, any>) => void;
  /** Keep the vector's own signature bytes instead of signing (the bad-signature vector). */
  keepSignature?: boolean;
  /** Header members to set after re-targeting (a kid naming another method than the signer's). */
  header?: Record<string, unknown>;
}

/** Replaces the suite's issuer by the loopback DID, wherever a string says it. */
function retargetValue(value: unknown): unknown {
  if (value === SUITE_ISSUER) return suiteDid;
  if (Array.isArray(value)) return value.map(retargetValue);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, retargetValue(v)]));
  return value;
}

/** A suite vector re-targeted to the loopback DID and re-signed with the suite's own private key (see the header comment). */
async function retarget(token: string, options: Retarget = {}): Promise<string> {
  const header = decodeProtectedHeader(token) as Record<string, any>;
  const key = KEYS.get(header.kid);
  if (key === undefined) throw new Error(`no suite key has kid ${header.kid}`);
  const payload = retargetValue(decodePart(token, 1)) as Record<string, any>;
  if (options.numericIat && typeof payload.iat === 'string') payload.iat = Date.parse(payload.iat) / 1000;
  if (options.fresh && typeof payload.iat === 'number') {
    const now = Math.floor(Date.now() / 1000);
    if (typeof payload.exp === 'number') payload.exp = now + (payload.exp - payload.iat);
    payload.iat = now;
  }
  options.edit?.(payload);
  const newHeader: { alg: string; [name: string]: unknown } = { ...header, alg: header.alg, kid: key.fragment, ...options.header };
  if (options.keepSignature) {
    const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    return `${encode(newHeader)}.${encode(payload)}.${token.split('.')[2]}`;
  }
  const privateKey = await importJWK(key.secretKeyJwk, header.alg);
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader(newHeader).sign(privateKey);
}

function failedChecks(answer: Answer): { check: string; code: string; pointer?: string; message?: string }[] {
  return (answer.body?.checks ?? []).filter((c: { status?: string; code?: string }) => c.code !== undefined && c.code !== 'CHECK_NOT_RUN');
}

function expectVerified(answer: Answer): void {
  expect(answer.status, answer.text).toBe(200);
  expect(answer.body.verified, answer.text).toBe(true);
}

/** Refused as the suite requires (any HTTP error), and for the reason named: the first failed check's code. */
function expectRefused(answer: Answer, code: string, check?: string): void {
  expect([400, 422], answer.text).toContain(answer.status);
  expect(answer.body?.verified, answer.text).not.toBe(true);
  const first = failedChecks(answer)[0];
  expect(first?.code ?? answer.body?.code, answer.text).toBe(code);
  if (check !== undefined) expect(first?.check, answer.text).toBe(check);
}

const AUTH = (): Record<string, string> => ({ authorization: `Bearer ${target.svc.apiKey}` });

/** The compact JWS inside an enveloped object's `data:` URL. */
function tokenOf(enveloped: { id: string }, mediaType: 'vc+jwt' | 'vp+jwt'): string {
  const prefix = `data:application/${mediaType},`;
  expect(enveloped.id.startsWith(prefix), enveloped.id.slice(0, 60)).toBe(true);
  return enveloped.id.slice(prefix.length);
}

/** The method a kid names in the service's published DID document. */
async function publishedMethod(kid: string): Promise<any> {
  const document: any = await (await fetch(`${target.svc.url}/.well-known/did.json`)).json();
  return { document, method: document.verificationMethod.find((m: { id: string }) => m.id === kid) };
}

/** The JWT registered claims gx-trust may add beside the credential (RFC 7519 §4.1). */
function withoutJwtClaims(payload: Record<string, unknown>): Record<string, unknown> {
  const { iss: _iss, sub: _sub, iat: _iat, nbf: _nbf, exp: _exp, jti: _jti, aud: _aud, nonce: _nonce, ...document } = payload;
  return document;
}

function heldChecks(answer: Answer, index: number): { check: string; code: string; message?: string }[] {
  return failedChecks({ ...answer, body: answer.body?.credentials?.[index] });
}

describe('the suite\'s vectors, as copied', () => {
  it('each pre-signed vector verifies with raw jose under the suite\'s key its kid names, except credential-jose-bad-signature.txt (so a refusal below is gx-trust\'s, not a damaged copy)', async () => {
    const names = [
      'credential-jose-minimal.txt', 'credential-jose-bad-media-type.txt', 'credential-jose-vc-vp-claims.txt', 'credential-issuer-match-signed.json',
      'credential-unknown-extensions-signed.json', 'presentation-jose-multiple.txt', 'presentation-jose-bad-media-type.txt', 'presentation-jose-bad-credential.txt',
    ];
    for (const name of [...names, 'credential-jose-bad-signature.txt']) {
      const token = vector(name);
      const { alg, kid } = decodeProtectedHeader(token);
      const key = await importJWK(KEYS.get(kid as string)!.publicKeyJwk, alg);
      const outcome = await compactVerify(token, key).then(() => 'valid', () => 'invalid');
      expect(outcome, name).toBe(name === 'credential-jose-bad-signature.txt' ? 'invalid' : 'valid');
    }
  });
});

describe('JOSE Tests: issuance (gx-trust as the issuer, POST /credentials/issue and /presentations/prove)', () => {
  let token: string;
  let header: Record<string, any>;
  let payload: Record<string, any>;
  let sent: Record<string, unknown>;

  beforeAll(async () => {
    // The suite's input names its own issuer; gx-trust signs only as DIDs it holds keys of, so the
    // issuer is the service's did:web (as the VC-API suites' request builder fills it in). The
    // suite hands its P-256 key (ES256); gx-trust signs with its own P-256 key.
    sent = { ...fixture(SUITE, 'credential-minimal.json'), issuer: target.issuerId };
    const answer = await target.issue(sent, { format: 'vc+jwt', alg: 'ES256' });
    expect(answer.status, answer.text).toBe(201);
    token = tokenOf(answer.body.verifiableCredential, 'vc+jwt');
    header = decodeProtectedHeader(token) as Record<string, any>;
    payload = decodePart(token, 1);
  });

  it('1. JWT Basic Credential Issuance: secured as a JWS in compact serialization (statements 1, 34)', async () => {
    expect(token.split('.')).toHaveLength(3);
    // The enveloped form, and the bare token with Accept: application/vc+jwt.
    const bare = await fetch(`${target.svc.url}/credentials/issue`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/vc+jwt', ...AUTH() },
      body: JSON.stringify({ credential: { ...sent, id: 'urn:uuid:0b4c7a4e-1c1f-4a57-9a55-5b8c1d0c2f11' }, options: { format: 'vc+jwt', alg: 'ES256' } }),
    });
    expect(bare.status).toBe(201);
    expect(bare.headers.get('content-type')).toMatch(/^application\/vc\+jwt/);
    expect((await bare.text()).split('.')).toHaveLength(3);
  });

  it('1. JWT Basic Credential Issuance: header typ vc+jwt, cty vc, alg ES256, kid an absolute DID URL of a method the issuer lists for assertion (statements 22, 27, 29)', async () => {
    expect(header).toMatchObject({ alg: 'ES256', typ: 'vc+jwt', cty: 'vc' });
    expect(header.kid.startsWith(`${target.issuerId}#`)).toBe(true);
    const { document, method } = await publishedMethod(header.kid);
    expect(method, `${header.kid} in the service's DID document`).toBeDefined();
    expect(method.publicKeyJwk).toMatchObject({ kty: 'EC', crv: 'P-256' });
    expect(document.assertionMethod).toContain(method.id);
    // The kid names the JsonWebKey2020 method Gaia-X resolves (with its x5u/x5c chain); the same key
    // is listed as a JsonWebKey method, the type VC-JOSE-COSE §4.3 names.
    expect(method.type).toBe('JsonWebKey2020');
    const twin = document.verificationMethod.find((m: { id: string }) => m.id === `${header.kid}${JSON_WEB_KEY_TWIN_SUFFIX}`);
    expect(twin?.type).toBe('JsonWebKey');
    expect(twin?.publicKeyJwk).toEqual(method.publicKeyJwk);
  });

  it('1. JWT Basic Credential Issuance: the payload is the credential, with no vc or vp claim, and iss equals the issuer (statements 4, 24)', () => {
    expect(withoutJwtClaims(payload)).toEqual(sent);
    expect(payload).not.toHaveProperty('vc');
    expect(payload).not.toHaveProperty('vp');
    expect(payload.iss).toBe(target.issuerId);
  });

  it('1. JWT Basic Credential Issuance: the signature verifies with raw jose and the published key, and at POST /credentials/verify (statement 2)', async () => {
    const { method } = await publishedMethod(header.kid);
    const { payload: verifiedBytes } = await compactVerify(token, await importJWK(method.publicKeyJwk, 'ES256'), { algorithms: ['ES256'] });
    expect(JSON.parse(new TextDecoder().decode(verifiedBytes))).toEqual(payload);
    expectVerified(await target.verify(token));
  });

  it('2. JWT Credential Issuance with All Optional Fields: ES384 with the service\'s P-384 key; header alg ES384, typ vc+jwt, cty vc, kid a P-384 method listed for assertion; the payload is the credential with iss; verified by raw jose and at POST /credentials/verify (statements 1, 2, 4, 22, 24, 27, 29)', async () => {
    // The suite hands its P-384 key for this case; gx-trust signs with its own P-384 key.
    const full = { ...fixture(SUITE, 'credential-full.json'), issuer: target.issuerId };
    const answer = await target.issue(full, { format: 'vc+jwt', alg: 'ES384' });
    expect(answer.status, answer.text).toBe(201);
    const es384 = tokenOf(answer.body.verifiableCredential, 'vc+jwt');
    const head = decodeProtectedHeader(es384) as Record<string, any>;
    expect(head).toMatchObject({ alg: 'ES384', typ: 'vc+jwt', cty: 'vc' });
    const { document, method } = await publishedMethod(head.kid);
    expect(method?.publicKeyJwk).toMatchObject({ kty: 'EC', crv: 'P-384' });
    expect(document.assertionMethod).toContain(method.id);
    const body = decodePart(es384, 1);
    expect(withoutJwtClaims(body)).toEqual(full);
    expect(body).not.toHaveProperty('vc');
    expect(body.iss).toBe(target.issuerId);
    await compactVerify(es384, await importJWK(method.publicKeyJwk, 'ES384'), { algorithms: ['ES384'] });
    // Its StatusList2021Entry names a list on example.edu, which no verifier here can fetch: the
    // report says so; every other check passes.
    const verified = await target.verify(es384);
    const failing = (verified.body.checks as { check: string; verified: boolean }[]).filter((c) => !c.verified).map((c) => c.check);
    expect(failing, verified.text).toEqual(['status']);
    expect(verified.body.checks.find((c: { check: string }) => c.check === 'proof')).toMatchObject({ verified: true });
  });

  it('3. JWT Basic Presentation Issuance: a vp+jwt holding the EnvelopedVerifiableCredential as given (statements 5, 7, 34)', async () => {
    // The holder is the service (an admin signs as the service); the suite's holder is its own issuer.
    const presentation = { ...fixture(SUITE, 'presentation-single.json'), holder: target.issuerId };
    const answer = await postJson(`${target.svc.url}/presentations/prove`, { presentation, options: { format: 'vp+jwt', alg: 'ES256' } }, AUTH());
    expect(answer.status, answer.text).toBe(201);
    const vp = tokenOf(answer.body.verifiablePresentation, 'vp+jwt');
    expect(decodeProtectedHeader(vp)).toMatchObject({ alg: 'ES256', typ: 'vp+jwt', cty: 'vp' });
    const vpPayload = decodePart(vp, 1);
    expect(withoutJwtClaims(vpPayload)).toEqual(presentation);
    expect(vpPayload.iss).toBe(target.issuerId);
    expect(vpPayload.verifiableCredential[0].type).toBe('EnvelopedVerifiableCredential');
  });

  it('3. JWT Basic Presentation Issuance: credentials in the presentation must be secured: the suite\'s held credential is not a JWS (its header lost its first character), so the VP fails verification; with a credential gx-trust issued it verifies (statement 8)', async () => {
    const presentation = { ...fixture(SUITE, 'presentation-single.json'), holder: target.issuerId };
    const broken = await postJson(`${target.svc.url}/presentations/prove`, { presentation, options: { format: 'vp+jwt', alg: 'ES256' } }, AUTH());
    const refused = await target.verifyVp(tokenOf(broken.body.verifiablePresentation, 'vp+jwt'));
    expect(refused.status, refused.text).toBe(422);
    expect(failedChecks(refused)).toEqual([]);
    expect(heldChecks(refused, 0)[0]).toMatchObject({ check: 'format', code: 'UNSUPPORTED_FORMAT' });

    const held = { '@context': 'https://www.w3.org/ns/credentials/v2', type: 'EnvelopedVerifiableCredential', id: `data:application/vc+jwt,${token}` };
    const good = await postJson(`${target.svc.url}/presentations/prove`, { presentation: { ...presentation, verifiableCredential: [held] }, options: { format: 'vp+jwt', alg: 'ES256' } }, AUTH());
    expect(good.status, good.text).toBe(201);
    expectVerified(await target.verifyVp(tokenOf(good.body.verifiablePresentation, 'vp+jwt')));
  });

  it('4. JWT Complex Presentation Issuance: with ES512 (the suite hands its P-521 key), the suite\'s vc+sd-jwt data: URL (a space before its first "~") is not an IRI: 400 at its id, not at the algorithm', async () => {
    const presentation = { ...fixture(SUITE, 'presentation-multiple.json'), holder: target.issuerId };
    const asGiven = await postJson(`${target.svc.url}/presentations/prove`, { presentation, options: { format: 'vp+jwt', alg: 'ES512' } }, AUTH());
    expect(asGiven.status, asGiven.text).toBe(400);
    expect(asGiven.body).toMatchObject({ code: 'INVALID_INPUT', pointer: '/presentation/verifiableCredential/1/id' });
  });

  it('4. JWT Complex Presentation Issuance: without the space, an ES512 vp+jwt with the service\'s P-521 key: header alg ES512, typ vp+jwt, cty vp, kid a P-521 method listed for authentication; the payload holds the three enveloped credentials as given; raw jose verifies it under the published JWK (statements 1, 2, 5, 7, 13, 20, 22)', async () => {
    const presentation = { ...fixture(SUITE, 'presentation-multiple.json'), holder: target.issuerId };
    // The one patch: the space removed from the SD-JWT data: URL (nothing else changes).
    expect(presentation.verifiableCredential[1].id.match(/ /g)).toHaveLength(1);
    presentation.verifiableCredential[1].id = presentation.verifiableCredential[1].id.replace(' ', '');
    const answer = await postJson(`${target.svc.url}/presentations/prove`, { presentation, options: { format: 'vp+jwt', alg: 'ES512' } }, AUTH());
    expect(answer.status, answer.text).toBe(201);
    const vp = tokenOf(answer.body.verifiablePresentation, 'vp+jwt');
    const head = decodeProtectedHeader(vp) as Record<string, any>;
    expect(head).toMatchObject({ alg: 'ES512', typ: 'vp+jwt', cty: 'vp' });
    const { document, method } = await publishedMethod(head.kid);
    expect(method?.publicKeyJwk).toMatchObject({ kty: 'EC', crv: 'P-521', alg: 'ES512' });
    expect(document.authentication).toContain(method.id);
    const { payload: verifiedBytes } = await compactVerify(vp, await importJWK(method.publicKeyJwk, 'ES512'), { algorithms: ['ES512'] });
    const vpPayload = JSON.parse(new TextDecoder().decode(verifiedBytes));
    expect(withoutJwtClaims(vpPayload)).toEqual(presentation);
    expect(vpPayload.iss).toBe(target.issuerId);
    expect(vpPayload.verifiableCredential.map((c: { type: string }) => c.type)).toEqual(Array(3).fill('EnvelopedVerifiableCredential'));
    expect(vpPayload.verifiableCredential).toEqual(presentation.verifiableCredential);
  });

  it('5. JWT Issuance with Unknown Extensions: gx-trust issues (the suite expects a failure; the Recommendation says members not understood MUST be ignored), keeps the members, and the result verifies (statements 26, 31, 33)', async () => {
    // gx-trust records a credential id once; case 1 recorded this input's id, so this copy gets its own.
    const credential = { ...fixture(SUITE, 'credential-unknown-extensions.json'), issuer: target.issuerId, id: 'urn:uuid:5d2d6c0e-3a8e-4f57-b0c6-2f1a3c9d7e41' };
    // The suite hands its P-521 key for this case: gx-trust signs ES512 with its own.
    const answer = await target.issue(credential, { format: 'vc+jwt', alg: 'ES512' });
    expect(answer.status, answer.text).toBe(201);
    const issuedToken = tokenOf(answer.body.verifiableCredential, 'vc+jwt');
    expect(decodeProtectedHeader(issuedToken)).toMatchObject({ alg: 'ES512', typ: 'vc+jwt' });
    expect(withoutJwtClaims(decodePart(issuedToken, 1))).toEqual(credential);
    expectVerified(await target.verify(issuedToken));
  });
});

describe('JOSE Tests: verification (POST /credentials/verify, /presentations/verify)', () => {
  it('6. JWT Basic Credential Verification: as published, refused at key-binding (issuer https://example.issuer/vc-jose-cose is not a DID, kid a bare thumbprint)', async () => {
    expectRefused(await target.verify(vector('credential-jose-minimal.txt')), 'KEY_BINDING', 'key-binding');
  });

  it('6. JWT Basic Credential Verification: re-targeted to a loopback did:web holding the suite\'s P-256 key and re-signed, iat left a string: refused INVALID_DATE at /iat (RFC 7519 §4.1.6; a deviation from the suite)', async () => {
    const answer = await target.verify(await retarget(vector('credential-jose-minimal.txt')));
    expectRefused(answer, 'INVALID_DATE', 'validity');
    expect(failedChecks(answer)).toHaveLength(1);
    expect(failedChecks(answer)[0]?.pointer).toBe('/iat');
  });

  it('6. JWT Basic Credential Verification: re-targeted, iat as the same instant in seconds: verified, compact JWS as JSON and as application/vc+jwt, the document returned is the payload (statements 2, 3, 29-32, 34)', async () => {
    const token = await retarget(vector('credential-jose-minimal.txt'), { numericIat: true });
    const answer = await target.verify(token);
    expectVerified(answer);
    expect(answer.body.document).toEqual(decodePart(token, 1));
    expect(answer.body.issuer).toBe(suiteDid);
    const raw = await fetch(`${target.svc.url}/credentials/verify`, { method: 'POST', headers: { 'content-type': 'application/vc+jwt' }, body: token });
    expect(raw.status).toBe(200);
    expect(((await raw.json()) as { verified: boolean }).verified).toBe(true);
  });

  it('7. JWT Presentation Verification: as published, refused at key-binding (holder not a DID)', async () => {
    expectRefused(await target.verifyVp(vector('presentation-jose-multiple.txt')), 'KEY_BINDING', 'key-binding');
  });

  /** The ES384 presentation and its vc+jwt re-targeted; the SD-JWT and COSE credentials kept as published. */
  async function presentationMultiple(keep: (mediaType: string) => boolean): Promise<string> {
    const held: { id: string }[] = decodePart(vector('presentation-jose-multiple.txt'), 1).verifiableCredential;
    const rewritten = await Promise.all(
      held.map(async (credential) => {
        const [jwt, sdJwt, cose] = ['data:application/vc+jwt,', 'data:application/vc+sd-jwt,', 'data:application/vc+cose;base64,'];
        if (credential.id.startsWith(jwt!)) return { ...credential, id: `${jwt}${await retarget(credential.id.slice(jwt!.length), { numericIat: true })}` };
        if (credential.id.startsWith(sdJwt!)) return { ...credential, id: `${sdJwt}${await retargetSdJwt(credential.id.slice(sdJwt!.length), { numericIat: true })}` };
        if (credential.id.startsWith(cose!)) return { ...credential, id: `${cose}${retargetCose(credential.id.slice(cose!.length))}` };
        return credential;
      }),
    );
    return retarget(vector('presentation-jose-multiple.txt'), {
      fresh: true,
      edit: (payload) => {
        payload.verifiableCredential = rewritten.filter((c) => keep(c.id.slice('data:'.length, c.id.search(/[;,]/))));
      },
    });
  }

  it('7. JWT Presentation Verification: re-targeted (ES384 with the suite\'s P-384 key, iat/exp moved to now), its vc+jwt, vc+sd-jwt and vc+cose credentials re-targeted too: the presentation and all three verify (statements 6, 7, 8)', async () => {
    const answer = await target.verifyVp(await presentationMultiple(() => true));
    expectVerified(answer);
    expect(answer.body.checks.find((c: { check: string }) => c.check === 'proof')).toMatchObject({ verified: true, message: 'ES384' });
    expect(answer.body.credentials.map((c: { format: string; verified: boolean }) => [c.format, c.verified])).toEqual([['vc+jwt', true], ['vc+sd-jwt', true], ['vc+cose', true]]);
  });

  it('7. JWT Presentation Verification: with its held credentials as published, the vc+sd-jwt and vc+cose are read (no longer UNSUPPORTED_FORMAT) and refused KEY_BINDING: they name the suite\'s https issuer', async () => {
    const asPublished = await retarget(vector('presentation-jose-multiple.txt'), {
      fresh: true,
      edit: (payload) => {
        payload.verifiableCredential = decodePart(vector('presentation-jose-multiple.txt'), 1).verifiableCredential;
      },
    });
    const answer = await target.verifyVp(asPublished);
    expect(answer.status, answer.text).toBe(422);
    expect(failedChecks(answer)).toEqual([]);
    for (const index of [1, 2]) expect(heldChecks(answer, index)[0], String(index)).toMatchObject({ check: 'key-binding', code: 'KEY_BINDING' });
  });

  it('7. JWT Presentation Verification: re-targeted, holding only its vc+jwt credential: verified (P-384 verification)', async () => {
    const answer = await target.verifyVp(await presentationMultiple((mediaType) => mediaType === 'application/vc+jwt'));
    expectVerified(answer);
    expect(answer.body.credentials).toHaveLength(1);
  });

  it('8. JWT Issuer Match Verification: re-targeted (EdDSA, the suite\'s Ed25519 key), iss equal to the string issuer: verified (statement 24)', async () => {
    const token = await retarget(vector('credential-issuer-match-signed.json'), { numericIat: true });
    expect(decodePart(token, 1).iss).toBe(decodePart(token, 1).issuer);
    expectVerified(await target.verify(token));
  });

  it('8. JWT Issuer Match Verification: issuer as an object whose id equals iss: verified; iss naming another issuer: refused KEY_BINDING (statements 24, 25)', async () => {
    const objectIssuer = await retarget(vector('credential-issuer-match-signed.json'), { numericIat: true, edit: (p) => (p.issuer = { id: p.issuer, name: 'Example Issuer' }) });
    expectVerified(await target.verify(objectIssuer));
    const mismatch = await retarget(vector('credential-issuer-match-signed.json'), { numericIat: true, edit: (p) => (p.iss = 'did:example:someone-else') });
    expectRefused(await target.verify(mismatch), 'KEY_BINDING', 'key-binding');
  });

  it('8. JWT Issuer Match Verification: without iss the kid must be an absolute URL of a method in the controller document: a relative kid is refused KEY_BINDING, an absolute one verifies (statements 27, 28)', async () => {
    const relative = await retarget(vector('credential-issuer-match-signed.json'), { numericIat: true, edit: (p) => delete p.iss });
    expect(decodeProtectedHeader(relative).kid).toBe('#key-4');
    expectRefused(await target.verify(relative), 'KEY_BINDING', 'key-binding');

    const key = KEYS.get(decodeProtectedHeader(vector('credential-issuer-match-signed.json')).kid as string)!;
    const payload = retargetValue(decodePart(vector('credential-issuer-match-signed.json'), 1)) as Record<string, any>;
    delete payload.iss;
    payload.iat = Date.parse(payload.iat) / 1000;
    const absolute = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader({ alg: 'EdDSA', cty: 'vc', kid: `${suiteDid}${key.fragment}`, typ: 'vc+jwt' })
      .sign(await importJWK(key.secretKeyJwk, 'EdDSA'));
    expectVerified(await target.verify(absolute));
  });

  it('9. JWT Verification With Unknown Extensions: the suite verifies its ES512 vector with its Ed25519 key and expects a failure: re-targeted with kid naming the suite\'s Ed25519 method (signature kept), an ES512 header over an Ed25519 key is refused ALG_NOT_ALLOWED; as published, KEY_BINDING (issuer not a DID)', async () => {
    const published = vector('credential-unknown-extensions-signed.json');
    expect(decodeProtectedHeader(published)).toMatchObject({ alg: 'ES512', kid: 'KQsihxP-LTeTZO2ETEfduP153UBIiFRhI8nSklMSmm0' });
    expectRefused(await target.verify(published), 'KEY_BINDING');
    // The suite's key_file for case 9 is vm-ed25519.json: the Ed25519 method of the loopback DID.
    const ed25519 = [...KEYS.values()].find((key) => key.publicKeyJwk.crv === 'Ed25519')!;
    const underEd25519 = await retarget(published, { numericIat: true, keepSignature: true, header: { kid: ed25519.fragment } });
    expect(decodeProtectedHeader(underEd25519)).toMatchObject({ alg: 'ES512', kid: ed25519.fragment });
    expectRefused(await target.verify(underEd25519), 'ALG_NOT_ALLOWED', 'proof');
  });

  it('9. JWT Verification With Unknown Extensions: under the P-521 key that signed it (re-targeted and re-signed, iat in seconds), the ES512 vector verifies: the failure above is the key\'s, not the algorithm\'s (statements 26, 31)', async () => {
    const token = await retarget(vector('credential-unknown-extensions-signed.json'), { numericIat: true });
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'ES512', kid: '#key-3' });
    const answer = await target.verify(token);
    expectVerified(answer);
  });

  /** An unsecured JWT (RFC 7519 §6): alg "none", an empty signature. */
  function unsecured(payload: Record<string, unknown>, typ: string): string {
    const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    return `${encode({ alg: 'none', typ })}.${encode(payload)}.`;
  }

  it('10. JWT Unsecured Credential Verification: the suite\'s credential without integrity protection is refused: as JSON PROOF_MISSING, as an alg "none" JWT ALG_NOT_ALLOWED (statement 3)', async () => {
    const credential = retargetValue(fixture(SUITE, 'credential-minimal.json')) as Record<string, unknown>;
    expectRefused(await target.verify(credential), 'PROOF_MISSING', 'format');
    expectRefused(await target.verify(unsecured({ ...credential, iss: suiteDid }, 'vc+jwt')), 'ALG_NOT_ALLOWED', 'format');
  });

  it('11. JWT Unsecured Presentation Verification: a presentation without integrity protection is refused: as JSON PROOF_MISSING, as an alg "none" JWT ALG_NOT_ALLOWED (statement 3)', async () => {
    const presentation = { ...retargetValue(fixture(SUITE, 'presentation-single.json')) as Record<string, unknown> };
    expectRefused(await target.verifyVp(presentation), 'PROOF_MISSING', 'format');
    expectRefused(await target.verifyVp(unsecured({ ...presentation, iss: suiteDid }, 'vp+jwt')), 'ALG_NOT_ALLOWED', 'format');
  });

  it('12. JWT Credential with an Invalid Signature: re-targeted with the vector\'s own signature bytes, and a correctly signed copy whose payload was then changed: INVALID_SIGNATURE (statements 1, 2)', async () => {
    expectRefused(await target.verify(await retarget(vector('credential-jose-bad-signature.txt'), { numericIat: true, keepSignature: true })), 'INVALID_SIGNATURE', 'proof');
    const signed = await retarget(vector('credential-jose-bad-signature.txt'), { numericIat: true });
    const [h, , sig] = signed.split('.');
    const tampered = { ...decodePart(signed, 1), validFrom: '2009-01-01T19:23:24Z' };
    expectRefused(await target.verify(`${h}.${Buffer.from(JSON.stringify(tampered)).toString('base64url')}.${sig}`), 'INVALID_SIGNATURE', 'proof');
  });

  it('13. JWT Credential with an Invalid Media Type: typ "bad+typ" is refused TOKEN_TYPE before any key is looked up, as published and re-targeted (statements 23, 29)', async () => {
    expectRefused(await target.verify(vector('credential-jose-bad-media-type.txt')), 'TOKEN_TYPE', 'format');
    expectRefused(await target.verify(await retarget(vector('credential-jose-bad-media-type.txt'), { numericIat: true })), 'TOKEN_TYPE', 'format');
  });

  it('14. JWT Presentation with an Invalid Media Type: typ "bad+typ" is refused TOKEN_TYPE, as published and re-targeted (statements 23, 29)', async () => {
    expectRefused(await target.verifyVp(vector('presentation-jose-bad-media-type.txt')), 'TOKEN_TYPE', 'format');
    expectRefused(await target.verifyVp(await retarget(vector('presentation-jose-bad-media-type.txt'), { fresh: true })), 'TOKEN_TYPE', 'format');
  });

  it('15. JWT Credential with vc and vp Claims: refused UNSUPPORTED_FORMAT (a typed vc+jwt must not carry them), as published and re-targeted (statement 4)', async () => {
    for (const token of [vector('credential-jose-vc-vp-claims.txt'), await retarget(vector('credential-jose-vc-vp-claims.txt'), { numericIat: true })]) {
      const answer = await target.verify(token);
      expectRefused(answer, 'UNSUPPORTED_FORMAT', 'format');
      expect(failedChecks(answer)[0]?.message).toContain('"vc"');
    }
  });

  it('16. JWT Presentation with Invalid Credentials: re-targeted, the vp+jwt verifies but its EnvelopedVerifiableCredential "not-a-credential" is UNSUPPORTED_FORMAT (not a data: URL), and an unsecured credential in its place PROOF_MISSING: not verified (statements 7, 8)', async () => {
    const answer = await target.verifyVp(await retarget(vector('presentation-jose-bad-credential.txt'), { fresh: true }));
    expect(answer.status, answer.text).toBe(422);
    expect(failedChecks(answer)).toEqual([]);
    const [check] = heldChecks(answer, 0);
    expect(check).toMatchObject({ check: 'format', code: 'UNSUPPORTED_FORMAT' });
    expect(check?.message).toContain('not a data: URL');

    const unsecuredHeld = await retarget(vector('presentation-jose-bad-credential.txt'), {
      fresh: true,
      edit: (p) => (p.verifiableCredential = [retargetValue(fixture(SUITE, 'credential-minimal.json'))]),
    });
    const plain = await target.verifyVp(unsecuredHeld);
    expect(plain.status, plain.text).toBe(422);
    expect(heldChecks(plain, 0)[0]).toMatchObject({ check: 'format', code: 'PROOF_MISSING' });
  });
});

// ---------------------------------------------------------------------------------------------
// SD-JWT (cases 17-26) and COSE (cases 27-35): verification. The vectors are sent as published
// (an SD-JWT as a bare string, a COSE_Sign1 as data:application/vc+cose;base64,...), where gx-trust
// decides before any key is looked up, and re-targeted as the JOSE ones are: issuer (holder, iss)
// replaced by the loopback DID, kid by the method's DID URL, re-signed with the suite's own key.
// An SD-JWT disclosure that names the suite's issuer is re-targeted too, and its digest in the
// issuer JWT replaced by the new disclosure's.

/** RFC 9901 §4.2.3: the digest an issuer JWT lists for a disclosure. */
function sdDigest(disclosure: string): string {
  return createHash('sha256').update(disclosure, 'ascii').digest('base64url');
}

function replaceString(value: unknown, from: string, to: string): unknown {
  if (value === from) return to;
  if (Array.isArray(value)) return value.map((v) => replaceString(v, from, to));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceString(v, from, to)]));
  return value;
}

interface SdRetarget extends Retarget {
  /** Set the issuer JWT's typ. */
  typ?: string;
  /** Change a decoded disclosure ([salt, name, value] or [salt, value]) before it is encoded again. */
  disclosure?: (decoded: any[]) => any[];
}

async function retargetSdJwt(sdJwt: string, options: SdRetarget = {}): Promise<string> {
  const [jws = '', ...rest] = sdJwt.split('~');
  const header = decodeProtectedHeader(jws) as Record<string, any>;
  let payload = retargetValue(decodePart(jws, 1)) as Record<string, any>;
  const disclosures = rest.slice(0, -1).map((disclosure) => {
    const decoded = JSON.parse(Buffer.from(disclosure, 'base64url').toString('utf8')) as any[];
    let next = retargetValue(decoded) as any[];
    if (options.disclosure) next = options.disclosure(next);
    if (JSON.stringify(next) === JSON.stringify(decoded)) return disclosure;
    const encoded = Buffer.from(JSON.stringify(next)).toString('base64url');
    payload = replaceString(payload, sdDigest(disclosure), sdDigest(encoded)) as Record<string, any>;
    return encoded;
  });
  if (options.numericIat && typeof payload.iat === 'string') payload.iat = Date.parse(payload.iat) / 1000;
  options.edit?.(payload);
  const key = KEYS.get(header.kid);
  if (key === undefined) throw new Error(`no suite key has kid ${header.kid}`);
  const alg = header.alg;
  const newHeader = { ...header, alg, kid: key.fragment, ...(options.typ === undefined ? {} : { typ: options.typ }) };
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signed = options.keepSignature
    ? `${encode(newHeader)}.${encode(payload)}.${jws.split('.')[2]}`
    : await new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader(newHeader).sign(await importJWK(key.secretKeyJwk, alg));
  return `${[signed, ...disclosures].join('~')}~`;
}

const COSE_ALG: Record<string, { id: number; hash: 'sha256' | 'sha384' | null }> = { ES256: { id: -7, hash: 'sha256' }, ES384: { id: -35, hash: 'sha384' }, EdDSA: { id: -8, hash: null } };

function decodeCose(base64: string): { header: Map<number, any>; unprotected: Map<number, any>; payload: Uint8Array; signature: Uint8Array } {
  const [protectedBytes, unprotected, payload, signature] = cborDecode(Buffer.from(base64, 'base64'), { useMaps: true, tags: { 18: (content: () => unknown) => content() } }) as any[];
  return { header: cborDecode(protectedBytes, { useMaps: true }) as Map<number, any>, unprotected, payload, signature };
}

/** A COSE vector re-targeted (see above) and re-signed over its new Sig_structure with the suite's private key; base64. */
function retargetCose(base64: string, options: { keepSignature?: boolean; edit?: (document: Record<string, any>) => void } = {}): string {
  const { header, unprotected, payload, signature } = decodeCose(base64);
  const key = KEYS.get(new TextDecoder().decode(header.get(4)));
  if (key === undefined) throw new Error('no suite key has the vector\'s kid');
  const document = retargetValue(JSON.parse(new TextDecoder().decode(payload))) as Record<string, any>;
  options.edit?.(document);
  header.set(4, new TextEncoder().encode(`${suiteDid}${key.fragment}`));
  const alg = COSE_ALG[key.publicKeyJwk.alg!]!;
  const protectedBytes = cborEncode(header);
  const newPayload = new TextEncoder().encode(JSON.stringify(document));
  const newSignature = options.keepSignature
    ? signature
    : new Uint8Array(sign(alg.hash, cborEncode(['Signature1', protectedBytes, new Uint8Array(0), newPayload]), { key: createPrivateKey({ key: key.secretKeyJwk as JsonWebKey, format: 'jwk' }), dsaEncoding: 'ieee-p1363' }));
  return Buffer.from(cborEncode(new Tagged(18, [protectedBytes, unprotected, newPayload, newSignature]))).toString('base64');
}

const coseUrl = (base64: string, kind: 'vc' | 'vp' = 'vc'): string => `data:application/${kind}+cose;base64,${base64}`;

describe('the suite\'s SD-JWT and COSE vectors, as copied', () => {
  it('each SD-JWT issuer JWT verifies with raw jose under the suite key its kid names, except credential-sdjwt-bad-signature.txt', async () => {
    for (const name of ['credential-sdjwt-selective.txt', 'credential-sdjwt-nested.txt', 'credential-sdjwt-bad-media-type.txt', 'presentation-sdjwt-selective.txt', 'presentation-sdjwt-bad-media-type.txt', 'presentation-sdjwt-bad-credential.txt', 'credential-sdjwt-bad-signature.txt']) {
      const jws = vector(name).split('~')[0]!;
      const { alg, kid } = decodeProtectedHeader(jws);
      const outcome = await compactVerify(jws, await importJWK(KEYS.get(kid as string)!.publicKeyJwk, alg)).then(() => 'valid', () => 'invalid');
      expect(outcome, name).toBe(name === 'credential-sdjwt-bad-signature.txt' ? 'invalid' : 'valid');
    }
  });

  it('each COSE_Sign1 verifies with @auth0/cose under the suite key its kid names, except credential-cose-bad-signature.txt; the not-base64 vector is the minimal one in hex', async () => {
    for (const name of ['credential-minimal-cose-signed.json', 'credential-cose-bad-media-type.txt', 'presentation-cose-single.txt', 'presentation-cose-bad-media-type.txt', 'presentation-cose-bad-credential.txt', 'credential-cose-bad-signature.txt']) {
      const bytes = Buffer.from(vector(name), 'base64');
      const kid = new TextDecoder().decode(decodeCose(vector(name)).header.get(4));
      const key = createPublicKey({ key: KEYS.get(kid)!.publicKeyJwk as JsonWebKey, format: 'jwk' });
      const outcome = await Sign1.decode(bytes).verify(key).then(() => 'valid', () => 'invalid');
      expect(outcome, name).toBe(name === 'credential-cose-bad-signature.txt' ? 'invalid' : 'valid');
    }
    expect(Buffer.from(vector('credential-cose-minimal-not-base64.txt'), 'hex').equals(Buffer.from(vector('credential-minimal-cose-signed.json'), 'base64'))).toBe(true);
  });
});

describe('SD-JWT Tests: verification (POST /credentials/verify, /presentations/verify)', () => {
  it('20. Basic SD-JWT Credential Verification: as published KEY_BINDING (an https issuer, a thumbprint kid); re-targeted it verifies, the disclosed firstName and lastName in the credential and no _sd left (statements 10, 26, 31, 35)', async () => {
    expectRefused(await target.verify(vector('credential-sdjwt-selective.txt')), 'KEY_BINDING', 'key-binding');
    const answer = await target.verify(await retargetSdJwt(vector('credential-sdjwt-selective.txt'), { numericIat: true }));
    expectVerified(answer);
    expect(answer.body.format).toBe('vc+sd-jwt');
    expect(answer.body.document.credentialSubject).toEqual({ id: 'did:example:ebfeb1f712ebc6f1c276e12ec21', birthDate: '1990-01-01', firstName: 'Jane', lastName: 'Doe' });
  });

  it('20. Basic SD-JWT Credential Verification: its string iat (not a NumericDate) is INVALID_DATE, as for the JOSE vectors', async () => {
    expectRefused(await target.verify(await retargetSdJwt(vector('credential-sdjwt-selective.txt'))), 'INVALID_DATE', 'validity');
  });

  it('21. Complex SD-JWT Credential Verification: the vector is ES512 (P-521): as published KEY_BINDING; re-targeted under the suite\'s P-521 key that signed it, it verifies, the nested street, city and the first phone number disclosed in place (statements 10, 26, 31, 35)', async () => {
    expectRefused(await target.verify(vector('credential-sdjwt-nested.txt')), 'KEY_BINDING', 'key-binding');
    const answer = await target.verify(await retargetSdJwt(vector('credential-sdjwt-nested.txt'), { numericIat: true }));
    expectVerified(answer);
    expect(decodeProtectedHeader((await retargetSdJwt(vector('credential-sdjwt-nested.txt'), { numericIat: true })).split('~')[0]!).alg).toBe('ES512');
    const subject = answer.body.document.credentialSubject;
    expect(subject.address).toEqual({ street: '123 Main St', city: 'Anytown', country: 'USA', postalCode: '12345' });
    expect(subject.phoneNumbers).toEqual([{ number: '+1-555-123-4567', type: 'work' }, { number: '+1-555-987-6543', type: 'mobile' }]);
  });

  it('22. SD-JWT Presentation Verification: re-targeted, the vp+sd-jwt verifies (its holder disclosed) but its held vc+sd-jwt, inside a disclosure, still names the suite\'s https issuer: KEY_BINDING; holding the re-targeted case 20 credential instead, it verifies (statements 12, 13, 14, 35)', async () => {
    const answer = await target.verifyVp(await retargetSdJwt(vector('presentation-sdjwt-selective.txt')));
    expect(answer.status, answer.text).toBe(422);
    expect(failedChecks(answer)).toEqual([]);
    expect(answer.body.format).toBe('vp+sd-jwt');
    expect(answer.body.document.holder).toBe(suiteDid);
    expect(heldChecks(answer, 0)[0]).toMatchObject({ check: 'key-binding', code: 'KEY_BINDING' });

    const credential = await retargetSdJwt(vector('credential-sdjwt-selective.txt'), { numericIat: true });
    const holding = await retargetSdJwt(vector('presentation-sdjwt-selective.txt'), {
      disclosure: (d) => (d.length === 2 && d[1]?.type === 'EnvelopedVerifiableCredential' ? [d[0], { ...d[1], id: `data:application/vc+sd-jwt,${credential}` }] : d),
    });
    const good = await target.verifyVp(holding);
    expectVerified(good);
    expect(good.body.credentials[0].format).toBe('vc+sd-jwt');
  });

  it('23. SD-JWT Credential With an Invalid Signature: as published KEY_BINDING; re-targeted with the vector\'s own signature bytes, and a correctly signed copy whose payload was then changed, INVALID_SIGNATURE (statements 9, 10)', async () => {
    expectRefused(await target.verify(vector('credential-sdjwt-bad-signature.txt')), 'KEY_BINDING', 'key-binding');
    expectRefused(await target.verify(await retargetSdJwt(vector('credential-sdjwt-bad-signature.txt'), { numericIat: true, keepSignature: true })), 'INVALID_SIGNATURE', 'proof');
    const signed = await retargetSdJwt(vector('credential-sdjwt-selective.txt'), { numericIat: true });
    const [jws = '', ...rest] = signed.split('~');
    const [h, , s] = jws.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...decodePart(jws, 1), validFrom: '2023-01-01T00:00:00Z' })).toString('base64url')}.${s}`;
    expectRefused(await target.verify([tampered, ...rest].join('~')), 'INVALID_SIGNATURE', 'proof');
  });

  it('24. SD-JWT Credential with an Invalid Media Type: typ "bad+typ" is TOKEN_TYPE before any key is looked up, as published and re-targeted (statements 23, 29)', async () => {
    expectRefused(await target.verify(vector('credential-sdjwt-bad-media-type.txt')), 'TOKEN_TYPE', 'format');
    expectRefused(await target.verify(await retargetSdJwt(vector('credential-sdjwt-bad-media-type.txt'), { numericIat: true })), 'TOKEN_TYPE', 'format');
  });

  it('25. SD-JWT Presentation with an Invalid Media Type: TOKEN_TYPE, as published and re-targeted (statements 23, 29)', async () => {
    expectRefused(await target.verifyVp(vector('presentation-sdjwt-bad-media-type.txt')), 'TOKEN_TYPE', 'format');
    expectRefused(await target.verifyVp(await retargetSdJwt(vector('presentation-sdjwt-bad-media-type.txt'))), 'TOKEN_TYPE', 'format');
  });

  it('26. SD-JWT Presentation with Invalid Credentials: typed bad+typ, TOKEN_TYPE as published and re-targeted (ES512, the suite\'s P-521 key); typed vp+sd-jwt the presentation verifies but its "bad-credential" is UNSUPPORTED_FORMAT: not verified (statements 13, 14)', async () => {
    expectRefused(await target.verifyVp(vector('presentation-sdjwt-bad-credential.txt')), 'TOKEN_TYPE', 'format');
    expectRefused(await target.verifyVp(await retargetSdJwt(vector('presentation-sdjwt-bad-credential.txt'))), 'TOKEN_TYPE', 'format');
    const typed = await target.verifyVp(await retargetSdJwt(vector('presentation-sdjwt-bad-credential.txt'), { typ: 'vp+sd-jwt' }));
    expect(typed.status, typed.text).toBe(422);
    expect(failedChecks(typed)).toEqual([]);
    expect(heldChecks(typed, 0)[0]).toMatchObject({ check: 'format', code: 'UNSUPPORTED_FORMAT' });
  });
});

describe('COSE Tests: verification (POST /credentials/verify, /presentations/verify)', () => {
  it('29. Basic COSE Credential Verification: as published KEY_BINDING (an https issuer, a thumbprint kid); re-targeted it verifies, the payload as the credential (statements 16, 29, 30, 31, 32)', async () => {
    expectRefused(await target.verify(coseUrl(vector('credential-minimal-cose-signed.json'))), 'KEY_BINDING', 'key-binding');
    const answer = await target.verify(coseUrl(retargetCose(vector('credential-minimal-cose-signed.json'))));
    expectVerified(answer);
    expect(answer.body.format).toBe('vc+cose');
    expect(answer.body.document.issuer).toBe(suiteDid);
    expect(answer.body.document.credentialSubject).toEqual({ degree: { name: 'Bachelor of Science and Arts', type: 'BachelorDegree' }, id: 'did:example:123' });
  });

  it('30. COSE Credential Verification Incorrect Encoding: the hex-encoded message is no base64 COSE_Sign1: UNSUPPORTED_FORMAT, as a ;base64 data: URL and as a plain one (statement 17)', async () => {
    expectRefused(await target.verify(coseUrl(vector('credential-cose-minimal-not-base64.txt'))), 'UNSUPPORTED_FORMAT', 'format');
    expectRefused(await target.verify(`data:application/vc+cose,${vector('credential-cose-minimal-not-base64.txt')}`), 'UNSUPPORTED_FORMAT', 'format');
  });

  it('31. COSE Presentation Verification: re-targeted (holder set to the loopback DID), the vp+cose verifies but its held vc+jwt is no JWS (UNSUPPORTED_FORMAT); holding the re-targeted case 29 credential it verifies (statements 19, 20, 21)', async () => {
    const answer = await target.verifyVp(coseUrl(retargetCose(vector('presentation-cose-single.txt'), { edit: (p) => (p.holder = suiteDid) }), 'vp'));
    expect(answer.status, answer.text).toBe(422);
    expect(failedChecks(answer)).toEqual([]);
    expect(answer.body.format).toBe('vp+cose');
    expect(heldChecks(answer, 0)[0]).toMatchObject({ check: 'format', code: 'UNSUPPORTED_FORMAT' });

    const credential = coseUrl(retargetCose(vector('credential-minimal-cose-signed.json')));
    const holding = retargetCose(vector('presentation-cose-single.txt'), {
      edit: (p) => {
        p.holder = suiteDid;
        p.verifiableCredential = [{ '@context': 'https://www.w3.org/ns/credentials/v2', type: 'EnvelopedVerifiableCredential', id: credential }];
      },
    });
    const good = await target.verifyVp(coseUrl(holding, 'vp'));
    expectVerified(good);
    expect(good.body.credentials[0].format).toBe('vc+cose');
  });

  it('32. COSE Credential With an Invalid Signature: as published KEY_BINDING; re-targeted with the vector\'s own signature bytes INVALID_SIGNATURE (statements 15, 16)', async () => {
    expectRefused(await target.verify(coseUrl(vector('credential-cose-bad-signature.txt'))), 'KEY_BINDING', 'key-binding');
    expectRefused(await target.verify(coseUrl(retargetCose(vector('credential-cose-bad-signature.txt'), { keepSignature: true }))), 'INVALID_SIGNATURE', 'proof');
    // And the same message correctly signed verifies: the signature was its only fault.
    expectVerified(await target.verify(coseUrl(retargetCose(vector('credential-cose-bad-signature.txt')))));
  });

  it('33. COSE Credential with an Invalid Media Type: typ "really/bad" and content type "very/bad" are TOKEN_TYPE before any key is looked up, as published and re-targeted (statements 23, 29)', async () => {
    expectRefused(await target.verify(coseUrl(vector('credential-cose-bad-media-type.txt'))), 'TOKEN_TYPE', 'format');
    expectRefused(await target.verify(coseUrl(retargetCose(vector('credential-cose-bad-media-type.txt')))), 'TOKEN_TYPE', 'format');
  });

  it('34. COSE Presentation with an Invalid Media Type: TOKEN_TYPE, as published and re-targeted (statements 23, 29)', async () => {
    expectRefused(await target.verifyVp(coseUrl(vector('presentation-cose-bad-media-type.txt'), 'vp')), 'TOKEN_TYPE', 'format');
    expectRefused(await target.verifyVp(coseUrl(retargetCose(vector('presentation-cose-bad-media-type.txt')), 'vp')), 'TOKEN_TYPE', 'format');
  });

  it('35. COSE Presentation with Invalid Credentials: re-targeted, the vp+cose verifies but its EnvelopedVerifiableCredential "bad-credential" is UNSUPPORTED_FORMAT (not a data: URL): not verified (statements 23, 29)', async () => {
    const answer = await target.verifyVp(coseUrl(retargetCose(vector('presentation-cose-bad-credential.txt')), 'vp'));
    expect(answer.status, answer.text).toBe(422);
    expect(failedChecks(answer)).toEqual([]);
    const [check] = heldChecks(answer, 0);
    expect(check).toMatchObject({ check: 'format', code: 'UNSUPPORTED_FORMAT' });
    expect(check?.message).toContain('not a data: URL');
  });
});

describe('SD-JWT Tests: issuance (POST /credentials/issue, options.format vc+sd-jwt)', () => {
  /** The suite's `disclosure_paths` (tests/test-mapping.js) as the JSON pointers options.selectivelyDisclosable takes. */
  const CASES = {
    17: { input: 'credential-selective.json', pointers: ['/credentialSubject/firstName', '/credentialSubject/lastName'] },
    18: { input: 'credential-nested-selective.json', pointers: ['/credentialSubject/address/street', '/credentialSubject/address/city', '/credentialSubject/phoneNumbers/0'] },
  } as const;

  async function issueSdJwt(number: 17 | 18): Promise<{ sent: Record<string, unknown>; sdJwt: string; envelope: { id: string } }> {
    const { input, pointers } = CASES[number];
    // As for the JOSE cases: the service's did:web signs (its P-384 key for ES384, as the suite hands P-384 for 17).
    const sent = { ...fixture(SUITE, input), issuer: target.issuerId };
    const answer = await target.issue(sent, { format: 'vc+sd-jwt', alg: 'ES384', selectivelyDisclosable: pointers });
    expect(answer.status, answer.text).toBe(201);
    const envelope = answer.body.verifiableCredential;
    expect(envelope).toMatchObject({ '@context': 'https://www.w3.org/ns/credentials/v2', type: 'EnvelopedVerifiableCredential' });
    const prefix = 'data:application/vc+sd-jwt,';
    expect(envelope.id.startsWith(prefix)).toBe(true);
    return { sent, sdJwt: envelope.id.slice(prefix.length), envelope };
  }

  it('17. Basic SD-JWT Credential Issuance: typ vc+sd-jwt, ES384, kid a DID URL of the issuer, firstName and lastName only as disclosures; the credential verifies at POST /credentials/verify, and without the lastName disclosure too (statements 9, 27, 35)', async () => {
    const { sent, sdJwt, envelope } = await issueSdJwt(17);
    const [jws = '', ...disclosures] = sdJwt.split('~');
    expect(decodeProtectedHeader(jws)).toMatchObject({ alg: 'ES384', typ: 'vc+sd-jwt', cty: 'vc' });
    expect(String(decodeProtectedHeader(jws).kid).startsWith(`${target.issuerId}#`)).toBe(true);
    const payload = decodePart(jws, 1);
    expect(payload.credentialSubject).not.toHaveProperty('firstName');
    expect(payload.credentialSubject._sd).toHaveLength(2);
    expect(disclosures.filter((d) => d !== '')).toHaveLength(2);

    const full = await target.verify(envelope);
    expectVerified(full);
    // The service gives a credential without one an id (VCDM 2.0 §4.4), as for every format.
    expect(withoutJwtClaims(full.body.document)).toEqual({ ...sent, id: expect.stringMatching(/^urn:uuid:/) });
    const withoutLastName = [jws, ...disclosures.filter((d) => d !== '' && !Buffer.from(d, 'base64url').toString('utf8').includes('lastName'))].join('~') + '~';
    const partial = await target.verify(withoutLastName);
    expectVerified(partial);
    expect(partial.body.document.credentialSubject).not.toHaveProperty('lastName');
    expect(partial.body.document.credentialSubject.firstName).toBe('Jane');
  });

  it('18. Complex SD-JWT Credential Issuance: nested street and city, and the first phone number as an array element disclosure; verified, the credential rebuilt as sent (statements 9, 27, 35)', async () => {
    const { sent, sdJwt } = await issueSdJwt(18);
    const payload = decodePart(sdJwt.split('~')[0]!, 1);
    expect(payload.credentialSubject.address._sd).toHaveLength(2);
    expect(payload.credentialSubject.phoneNumbers[0]).toEqual({ '...': expect.any(String) });
    const answer = await target.verify(sdJwt);
    expectVerified(answer);
    expect(withoutJwtClaims(answer.body.document)).toEqual({ ...sent, id: expect.stringMatching(/^urn:uuid:/) });
  });

  it('options.selectivelyDisclosable with another format, or naming the issuer, is 400 at the option', async () => {
    const sent = { ...fixture(SUITE, 'credential-selective.json'), issuer: target.issuerId };
    const jwt = await target.issue(sent, { format: 'vc+jwt', selectivelyDisclosable: ['/credentialSubject/firstName'] });
    expect(jwt.status, jwt.text).toBe(400);
    expect(jwt.body).toMatchObject({ code: 'INVALID_INPUT', pointer: '/options/selectivelyDisclosable' });
    const issuer = await target.issue(sent, { format: 'vc+sd-jwt', selectivelyDisclosable: ['/issuer'] });
    expect(issuer.status, issuer.text).toBe(400);
    expect(issuer.body).toMatchObject({ code: 'INVALID_INPUT', pointer: '/options/selectivelyDisclosable/0' });
  });
});

describe('COSE Tests: issuance (POST /credentials/issue, options.format vc+cose)', () => {
  it('27. Basic COSE Credential Issuance: a COSE_Sign1 (tag 18) with alg EdDSA (-8), kid the DID URL of a method the issuer lists, content type application/vc, typ application/vc+cose, the credential as payload; @auth0/cose verifies it under the published key, and so does POST /credentials/verify (statements 15, 22)', async () => {
    // The suite hands an Ed25519 key (vm-did-ed25519.json); gx-trust signs with its own. A fresh id:
    // case 1 recorded the input's own already.
    const sent = { ...fixture(SUITE, 'credential-minimal.json'), issuer: target.issuerId, id: 'urn:uuid:6a1e0f43-8f0e-4d5e-9b8e-27c0d3f1b2a7' };
    const answer = await target.issue(sent, { format: 'vc+cose', alg: 'EdDSA' });
    expect(answer.status, answer.text).toBe(201);
    const envelope = answer.body.verifiableCredential;
    expect(envelope.type).toBe('EnvelopedVerifiableCredential');
    const prefix = 'data:application/vc+cose;base64,';
    expect(envelope.id.startsWith(prefix)).toBe(true);
    const bytes = Buffer.from(envelope.id.slice(prefix.length), 'base64');
    expect(bytes[0]).toBe(0xd2); // tag 18, COSE_Sign1

    const { header, payload } = decodeCose(envelope.id.slice(prefix.length));
    expect(header.get(1)).toBe(-8);
    expect(header.get(3)).toBe('application/vc');
    expect(header.get(16)).toBe('application/vc+cose');
    const kid = new TextDecoder().decode(header.get(4));
    expect(kid.startsWith(`${target.issuerId}#`)).toBe(true);
    const { document, method } = await publishedMethod(kid);
    expect(document.assertionMethod).toContain(kid);
    await Sign1.decode(bytes).verify(createPublicKey({ key: method.publicKeyJwk as JsonWebKey, format: 'jwk' }));
    const credential = JSON.parse(new TextDecoder().decode(payload));
    expect(credential).toEqual(sent);

    const verified = await target.verify(envelope);
    expectVerified(verified);
    expect(verified.body.format).toBe('vc+cose');
  });
});

describe('SD-JWT and COSE Tests: presentation issuance (POST /presentations/prove, options.format vp+sd-jwt, vp+cose)', () => {
  const prove = (presentation: Record<string, unknown>, options: Record<string, unknown>, headers: Record<string, string> = {}) =>
    postJson(`${target.svc.url}/presentations/prove`, { presentation, options }, { ...AUTH(), ...headers });

  /** A vc+sd-jwt gx-trust issued (case 17's input and pointers), enveloped: a held credential that verifies. */
  async function issuedSdJwtCredential(): Promise<{ '@context': string; type: string; id: string }> {
    // A fresh id each time: the service records every credential it issues, once per id.
    const sent = { ...fixture(SUITE, 'credential-selective.json'), issuer: target.issuerId, id: `urn:uuid:${randomUUID()}` };
    const answer = await target.issue(sent, { format: 'vc+sd-jwt', alg: 'ES384', selectivelyDisclosable: ['/credentialSubject/firstName'] });
    expect(answer.status, answer.text).toBe(201);
    return answer.body.verifiableCredential;
  }

  /** The suite's case 19 input and disclosure paths (`holder`, `verifiableCredential[0]`) as JSON pointers; its P-384 key, so ES384. */
  const CASE_19 = { format: 'vp+sd-jwt', alg: 'ES384', selectivelyDisclosable: ['/holder', '/verifiableCredential/0'] };
  const SD_PREFIX = 'data:application/vp+sd-jwt,';

  it('19. SD-JWT Presentation Issuance: an EnvelopedVerifiablePresentation of a vp+sd-jwt: ES384 with the service\'s P-384 key, typ vp+sd-jwt, cty vp, kid a P-384 method listed for authentication; holder and the held credential only as disclosures, iss the holder; raw jose verifies the issuer JWT under the published key (statements 12, 13, 22, 27)', async () => {
    // As for the JOSE cases: the holder is the service (an admin signs as the service), not the suite's https holder.
    const presentation = { ...fixture(SUITE, 'presentation-selective.json'), holder: target.issuerId };
    const answer = await prove(presentation, CASE_19);
    expect(answer.status, answer.text).toBe(201);
    const envelope = answer.body.verifiablePresentation;
    expect(envelope).toMatchObject({ '@context': 'https://www.w3.org/ns/credentials/v2', type: 'EnvelopedVerifiablePresentation' });
    expect(envelope.id.startsWith(SD_PREFIX)).toBe(true);
    const [jws = '', ...rest] = (envelope.id as string).slice(SD_PREFIX.length).split('~');
    expect(rest.at(-1)).toBe(''); // no key binding JWT: the holder signs the presentation itself

    const header = decodeProtectedHeader(jws) as Record<string, any>;
    expect(header).toMatchObject({ alg: 'ES384', typ: 'vp+sd-jwt', cty: 'vp' });
    const { document, method } = await publishedMethod(header.kid);
    expect(method?.publicKeyJwk).toMatchObject({ kty: 'EC', crv: 'P-384' });
    expect(document.authentication).toContain(method.id);
    const { payload: bytes } = await compactVerify(jws, await importJWK(method.publicKeyJwk, 'ES384'), { algorithms: ['ES384'] });
    const payload = JSON.parse(new TextDecoder().decode(bytes));
    expect(payload).not.toHaveProperty('holder');
    expect(payload.iss).toBe(target.issuerId);
    expect(payload._sd_alg).toBe('sha-256');
    expect(payload._sd).toHaveLength(1);
    expect(payload.verifiableCredential).toEqual([{ '...': expect.any(String) }]);
    expect(payload).toMatchObject({ '@context': presentation['@context'], id: presentation.id, type: presentation.type });

    const disclosures: any[][] = rest.slice(0, -1).map((d) => JSON.parse(Buffer.from(d, 'base64url').toString('utf8')));
    expect(disclosures).toHaveLength(2);
    expect(disclosures.find((d) => d.length === 3)?.slice(1)).toEqual(['holder', target.issuerId]);
    expect(disclosures.find((d) => d.length === 2)?.[1]).toEqual(presentation.verifiableCredential[0]);
    expect(payload.verifiableCredential[0]['...']).toBe(sdDigest(rest.find((d) => JSON.parse(Buffer.from(d, 'base64url').toString('utf8')).length === 2)!));
  });

  it('19. SD-JWT Presentation Issuance: verified at POST /presentations/verify: as given the presentation\'s own checks pass and its held credential (the suite\'s https issuer) is KEY_BINDING; holding a vc+sd-jwt gx-trust issued, it verifies, and without the holder disclosure too (the key bound by iss) (statements 12, 13, 14, 35)', async () => {
    const presentation = { ...fixture(SUITE, 'presentation-selective.json'), holder: target.issuerId };
    const asGiven = await target.verifyVp((await prove(presentation, CASE_19)).body.verifiablePresentation);
    expect(asGiven.status, asGiven.text).toBe(422);
    expect(failedChecks(asGiven)).toEqual([]);
    expect(asGiven.body.format).toBe('vp+sd-jwt');
    expect(heldChecks(asGiven, 0)[0]).toMatchObject({ check: 'key-binding', code: 'KEY_BINDING' });

    const held = await issuedSdJwtCredential();
    const answer = await prove({ ...presentation, verifiableCredential: [held] }, CASE_19);
    expect(answer.status, answer.text).toBe(201);
    const verified = await target.verifyVp(answer.body.verifiablePresentation);
    expectVerified(verified);
    expect(verified.body.document.holder).toBe(target.issuerId);
    expect(verified.body.credentials[0].format).toBe('vc+sd-jwt');

    const sdJwt = answer.body.verifiablePresentation.id.slice(SD_PREFIX.length) as string;
    const [jws, ...rest] = sdJwt.split('~');
    const withoutHolder = [jws, ...rest.filter((d) => d !== '' && !Buffer.from(d, 'base64url').toString('utf8').includes('"holder"')), ''].join('~');
    expect(withoutHolder.split('~')).toHaveLength(3);
    const partial = await target.verifyVp(withoutHolder);
    expectVerified(partial);
    expect(partial.body.document).not.toHaveProperty('holder');
  });

  it('19. SD-JWT Presentation Issuance: challenge and domain are written as nonce and aud, which POST /presentations/verify checks; the bare SD-JWT with Accept: application/vp+sd-jwt; the signature audited as presentation.signed', async () => {
    const presentation = { ...fixture(SUITE, 'presentation-selective.json'), holder: target.issuerId, verifiableCredential: [await issuedSdJwtCredential()] };
    const before = await target.svc.service.store.auditSize();
    const bare = await fetch(`${target.svc.url}/presentations/prove`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/vp+sd-jwt', ...AUTH() },
      body: JSON.stringify({ presentation, options: { format: 'vp+sd-jwt', alg: 'ES384', challenge: 'c-19', domain: 'https://verifier.example' } }),
    });
    expect(bare.status).toBe(201);
    expect(bare.headers.get('content-type')).toMatch(/^application\/vp\+sd-jwt/);
    const sdJwt = await bare.text();
    expect(decodePart(sdJwt.split('~')[0]!, 1)).toMatchObject({ nonce: 'c-19', aud: 'https://verifier.example', holder: target.issuerId });

    const entries = await target.svc.service.store.auditEntries(before, await target.svc.service.store.auditSize());
    const entry = entries.map((e) => JSON.parse(e.leaf)).find((e) => e.action === 'presentation.signed');
    expect(entry).toMatchObject({ subject: target.issuerId, details: { format: 'vp+sd-jwt', holder: target.issuerId } });
    expect(entry.digests.presentation).toBe(`sha256:${createHash('sha256').update(sdJwt).digest('hex')}`);

    expectVerified(await target.verifyVp(sdJwt, { challenge: 'c-19', domain: 'https://verifier.example' }));
    const wrong = await target.verifyVp(sdJwt, { challenge: 'another' });
    expect(wrong.status, wrong.text).toBe(422);
    expect(failedChecks(wrong)[0]).toMatchObject({ check: 'challenge', code: 'CHALLENGE_MISMATCH' });
  });

  const COSE_PREFIX = 'data:application/vp+cose;base64,';

  it('28. COSE Basic Presentation Issuance: an EnvelopedVerifiablePresentation of a COSE_Sign1 (tag 18) with alg ES384 (-35), content type application/vp, typ application/vp+cose, kid a P-384 method the holder lists for authentication, the presentation as payload; @auth0/cose verifies it under the published key (statements 19, 20, 22)', async () => {
    // The suite hands its P-384 key for this case; gx-trust signs with its own P-384 key, as the service.
    const presentation = { ...fixture(SUITE, 'presentation-single.json'), holder: target.issuerId };
    const answer = await prove(presentation, { format: 'vp+cose', alg: 'ES384' });
    expect(answer.status, answer.text).toBe(201);
    const envelope = answer.body.verifiablePresentation;
    expect(envelope).toMatchObject({ '@context': 'https://www.w3.org/ns/credentials/v2', type: 'EnvelopedVerifiablePresentation' });
    expect(envelope.id.startsWith(COSE_PREFIX)).toBe(true);
    const bytes = Buffer.from(envelope.id.slice(COSE_PREFIX.length), 'base64');
    expect(bytes[0]).toBe(0xd2); // tag 18, COSE_Sign1

    const { header, payload } = decodeCose(envelope.id.slice(COSE_PREFIX.length));
    expect(header.get(1)).toBe(-35);
    expect(header.get(3)).toBe('application/vp');
    expect(header.get(16)).toBe('application/vp+cose');
    const kid = new TextDecoder().decode(header.get(4));
    expect(kid.startsWith(`${target.issuerId}#`)).toBe(true);
    const { document, method } = await publishedMethod(kid);
    expect(method?.publicKeyJwk).toMatchObject({ kty: 'EC', crv: 'P-384' });
    expect(document.authentication).toContain(kid);
    await Sign1.decode(bytes).verify(createPublicKey({ key: method.publicKeyJwk as JsonWebKey, format: 'jwk' }));
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual(presentation);
  });

  it('28. COSE Basic Presentation Issuance: verified at POST /presentations/verify: as given the presentation\'s own checks pass and the suite\'s held vc+jwt (no JWS) is UNSUPPORTED_FORMAT; holding a vc+cose gx-trust issued, it verifies; audited as presentation.signed (statements 19, 20, 21)', async () => {
    const presentation = { ...fixture(SUITE, 'presentation-single.json'), holder: target.issuerId };
    const asGiven = await target.verifyVp((await prove(presentation, { format: 'vp+cose', alg: 'ES384' })).body.verifiablePresentation);
    expect(asGiven.status, asGiven.text).toBe(422);
    expect(failedChecks(asGiven)).toEqual([]);
    expect(asGiven.body.format).toBe('vp+cose');
    expect(heldChecks(asGiven, 0)[0]).toMatchObject({ check: 'format', code: 'UNSUPPORTED_FORMAT' });

    const credential = { ...fixture(SUITE, 'credential-minimal.json'), issuer: target.issuerId, id: 'urn:uuid:1f6b2e0a-7c44-4d8e-8a3b-5e9d0c2b6a71' };
    const issued = await target.issue(credential, { format: 'vc+cose', alg: 'ES256' });
    expect(issued.status, issued.text).toBe(201);
    const before = await target.svc.service.store.auditSize();
    const answer = await prove({ ...presentation, verifiableCredential: [issued.body.verifiableCredential] }, { format: 'vp+cose', alg: 'ES384' });
    expect(answer.status, answer.text).toBe(201);
    const entries = await target.svc.service.store.auditEntries(before, await target.svc.service.store.auditSize());
    expect(entries.map((e) => JSON.parse(e.leaf)).find((e) => e.action === 'presentation.signed')).toMatchObject({ subject: target.issuerId, details: { format: 'vp+cose', holder: target.issuerId } });
    const verified = await target.verifyVp(answer.body.verifiablePresentation);
    expectVerified(verified);
    expect(verified.body.format).toBe('vp+cose');
    expect(verified.body.credentials[0].format).toBe('vc+cose');
  });

  it('28. COSE Basic Presentation Issuance: a challenge or domain is refused, 400 at the option with a hint (a vp+cose has nowhere to carry them, and the verifier fails an expected one); nothing is signed or audited', async () => {
    const presentation = { ...fixture(SUITE, 'presentation-single.json'), holder: target.issuerId };
    const before = await target.svc.service.store.auditSize();
    for (const [member, value] of [['challenge', 'c-28'], ['domain', 'https://verifier.example']] as const) {
      const answer = await prove(presentation, { format: 'vp+cose', alg: 'ES384', [member]: value });
      expect(answer.status, answer.text).toBe(400);
      expect(answer.body).toMatchObject({ code: 'INVALID_INPUT', pointer: `/options/${member}`, hint: expect.stringContaining('vp+sd-jwt') });
    }
    expect(await target.svc.service.store.auditSize()).toBe(before);
  });

  it('held credentials that are not EnvelopedVerifiableCredential objects, an unknown format, and selectivelyDisclosable with another format or naming iss are 400 at their pointer', async () => {
    const presentation = { ...fixture(SUITE, 'presentation-single.json'), holder: target.issuerId };
    // A Data Integrity credential is secured, but not as VC-JOSE-COSE presentations hold credentials.
    const ldp = await target.issue({ ...fixture(SUITE, 'credential-minimal.json'), issuer: target.issuerId, id: `urn:uuid:${randomUUID()}` }, { format: 'ldp_vc' });
    expect(ldp.status, ldp.text).toBe(201);
    const unsecured = { ...fixture(SUITE, 'credential-minimal.json'), issuer: target.issuerId };
    for (const format of ['vp+sd-jwt', 'vp+cose']) {
      const answer = await prove({ ...presentation, verifiableCredential: [ldp.body.verifiableCredential] }, { format, alg: 'ES384' });
      expect(answer.status, answer.text).toBe(400);
      expect(answer.body).toMatchObject({ code: 'INVALID_INPUT', pointer: '/presentation/verifiableCredential/0', hint: expect.stringContaining('EnvelopedVerifiableCredential') });
      expect(answer.body.detail).toContain(format);
      // An unsecured one is refused before any format is chosen, as for every presentation.
      const plain = await prove({ ...presentation, verifiableCredential: [unsecured] }, { format, alg: 'ES384' });
      expect(plain.status, plain.text).toBe(400);
      expect(plain.body).toMatchObject({ code: 'INVALID_INPUT', pointer: '/presentation/verifiableCredential/0' });
    }
    const unknown = await prove(presentation, { format: 'vp+mdoc' });
    expect(unknown.status, unknown.text).toBe(400);
    expect(unknown.body).toMatchObject({ code: 'INVALID_INPUT', pointer: '/options/format' });
    const jwt = await prove(presentation, { format: 'vp+jwt', selectivelyDisclosable: ['/holder'] });
    expect(jwt.status, jwt.text).toBe(400);
    expect(jwt.body).toMatchObject({ code: 'INVALID_INPUT', pointer: '/options/selectivelyDisclosable' });
    for (const pointer of ['/type', '/iss']) {
      const clear = await prove(presentation, { format: 'vp+sd-jwt', selectivelyDisclosable: [pointer] });
      expect(clear.status, clear.text).toBe(400);
      expect(clear.body).toMatchObject({ code: 'INVALID_INPUT', pointer: '/options/selectivelyDisclosable/0' });
    }
  });
});
