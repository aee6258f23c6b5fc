/**
 * The vc+sd-jwt / vp+sd-jwt format (src/formats/sd-jwt/verify.ts) against SD-JWTs made by an
 * independent implementation, @sd-jwt/core (OpenWallet Foundation's, RFC 9901), signed with
 * node:crypto keys of issuers on did:jwk; and the tampering RFC 9901 §7.1 tells a verifier to refuse.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { SDJwtInstance } from '@sd-jwt/core';
import { CompactSign } from 'jose';
import { describe, expect, it } from 'vitest';
import { publicJwkOf } from '../../../src/dids/multikey.js';
import { disclosureDigest, sdJwtFormat } from '../../../src/formats/sd-jwt/verify.js';
import { b64, checkOf, decodeJws, makeContext, makeCredential, makeIssuer, makePresentation, NOW, summary, type TestIssuer } from '../jose/fixtures.js';

const ALL_PASSED = ['format:ok', 'disclosures:ok', 'key-binding:ok', 'proof:ok'];
const WITH_KEY_BINDING = [...ALL_PASSED, 'holder-binding:ok'];

function signerFor(privateKey: KeyObject, alg: 'ES256' | 'EdDSA'): (data: string) => string {
  return (data) => sign(alg === 'EdDSA' ? null : 'sha256', Buffer.from(data), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
}


/** An @sd-jwt/core instance issuing as `issuer` (and signing key binding JWTs with `holderKey`). */
function peer(issuer: TestIssuer, alg: 'ES256' | 'EdDSA', holderKey?: KeyObject, hashAlg = 'sha-256'): SDJwtInstance<Record<string, unknown>> {
  return new SDJwtInstance({
    signer: signerFor(issuer.privateKey, alg),
    signAlg: alg,
    hasher: (data, name) => createHash(name.replace('-', '')).update(typeof data === 'string' ? data : Buffer.from(data)).digest(),
    hashAlg: hashAlg as 'sha-256',
    saltGenerator: () => randomBytes(16).toString('base64url'),
    ...(holderKey === undefined ? {} : { kbSigner: signerFor(holderKey, 'ES256'), kbSignAlg: 'ES256' }),
  });
}

/** @sd-jwt/core types a disclosure frame from the payload's static type; these payloads are built at run time. */
const frame = (value: Record<string, unknown>): never => value as never;

const holder = generateKeyPairSync('ec', { namedCurve: 'P-256' });

function credentialOf(issuer: TestIssuer, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return makeCredential(issuer.did, { credentialSubject: { id: 'did:example:member-42', memberOf: 'IPCEI-AI', roles: ['admin', 'auditor'], address: { city: 'Bonn', street: 'Platz 1' } }, ...extra });
}

async function issue(issuer: TestIssuer, alg: 'ES256' | 'EdDSA' = 'ES256', extra: Record<string, unknown> = {}): Promise<string> {
  return peer(issuer, alg).issue(credentialOf(issuer, extra), frame({ credentialSubject: { _sd: ['memberOf'], roles: { _sd: [1] }, address: { _sd: ['street'] } } }), { header: { typ: 'vc+sd-jwt', kid: issuer.kid } });
}

const es256 = makeIssuer('ES256');
const ed25519 = makeIssuer('EdDSA');

function parts(sdJwt: string): { jws: string; disclosures: string[]; kb: string } {
  const [jws = '', ...rest] = sdJwt.split('~');
  return { jws, disclosures: rest.slice(0, -1), kb: rest.at(-1) ?? '' };
}

function join(jws: string, disclosures: string[], kb = ''): string {
  return `${[jws, ...disclosures].join('~')}~${kb}`;
}

function decodeDisclosure(disclosure: string): unknown[] {
  return JSON.parse(Buffer.from(disclosure, 'base64url').toString('utf8')) as unknown[];
}

/** Signs a payload as the issuer would, by hand, for shapes no well-behaved library writes. */
async function signPayload(issuer: TestIssuer, payload: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg: 'ES256', typ: 'vc+sd-jwt', kid: issuer.kid, ...header }).sign(issuer.privateKey);
}

describe('vc+sd-jwt: what verifies', () => {
  it.each([
    ['ES256', es256],
    ['EdDSA', ed25519],
  ] as const)('verifies an %s SD-JWT credential from @sd-jwt/core and rebuilds the disclosed credential without _sd, ... or _sd_alg', async (alg, issuer) => {
    const sdJwt = await issue(issuer, alg);
    const result = await sdJwtFormat.verifyCredential(sdJwt, makeContext());
    expect(summary(result)).toEqual(ALL_PASSED);
    expect(result.format).toBe('vc+sd-jwt');
    expect(result.issuer).toBe(issuer.did);
    expect(result.document).toEqual(credentialOf(issuer));
    expect(JSON.stringify(result.document)).not.toMatch(/_sd|"\.\.\."/);
  });

  it('verifies the same SD-JWT as a data: URL and as an EnvelopedVerifiableCredential', async () => {
    const sdJwt = await issue(es256);
    for (const input of [`data:application/vc+sd-jwt,${sdJwt}`, { '@context': 'https://www.w3.org/ns/credentials/v2', type: 'EnvelopedVerifiableCredential', id: `data:application/vc+sd-jwt,${sdJwt}` }]) {
      expect(summary(await sdJwtFormat.verifyCredential(input, makeContext()))).toEqual(ALL_PASSED);
    }
  });

  it('a holder that drops disclosures still presents a valid credential, without those claims (selective disclosure)', async () => {
    const { jws, disclosures } = parts(await issue(es256));
    const kept = disclosures.filter((d) => decodeDisclosure(d)[1] !== 'memberOf' && decodeDisclosure(d).length === 3);
    const result = await sdJwtFormat.verifyCredential(join(jws, kept), makeContext());
    expect(summary(result)).toEqual(ALL_PASSED);
    const subject = result.document?.credentialSubject as Record<string, unknown>;
    expect(subject).not.toHaveProperty('memberOf');
    expect(subject.roles).toEqual(['admin']);
    expect(subject.address).toEqual({ city: 'Bonn', street: 'Platz 1' });
  });

  it('verifies a vp+sd-jwt presentation, holding its credentials for the dispatcher', async () => {
    const vc = await issue(es256);
    const presentation = makePresentation({ holder: es256.did, verifiableCredential: [{ '@context': 'https://www.w3.org/ns/credentials/v2', type: 'EnvelopedVerifiableCredential', id: `data:application/vc+sd-jwt,${vc}` }] });
    const vp = await peer(es256, 'ES256').issue(presentation, frame({ _sd: ['holder'] }), { header: { typ: 'vp+sd-jwt', kid: es256.kid } });
    const result = await sdJwtFormat.verifyPresentation(vp, makeContext());
    expect(summary(result)).toEqual(ALL_PASSED);
    expect(result.heldCredentials).toHaveLength(1);
  });
});

describe('vc+sd-jwt: disclosures tampered with (RFC 9901 §7.1)', () => {
  it('refuses a disclosure whose value was changed: its digest is in no _sd the issuer signed', async () => {
    const { jws, disclosures } = parts(await issue(es256));
    const changed = disclosures.map((d) => {
      const [salt, name] = decodeDisclosure(d);
      return name === 'memberOf' ? b64([salt, name, 'SOMETHING-ELSE']) : d;
    });
    const result = await sdJwtFormat.verifyCredential(join(jws, changed), makeContext());
    expect(checkOf(result, 'disclosures')).toMatchObject({ verified: false, code: 'INVALID_DISCLOSURE' });
    expect(checkOf(result, 'disclosures').message).toContain('referenced by no digest');
  });

  it('refuses an extra disclosure the issuer never made, and the same disclosure sent twice', async () => {
    const { jws, disclosures } = parts(await issue(es256));
    const extra = await sdJwtFormat.verifyCredential(join(jws, [...disclosures, b64(['c2FsdA', 'isAdmin', true])]), makeContext());
    expect(checkOf(extra, 'disclosures').code).toBe('INVALID_DISCLOSURE');
    const twice = await sdJwtFormat.verifyCredential(join(jws, [...disclosures, disclosures[0]!]), makeContext());
    expect(checkOf(twice, 'disclosures')).toMatchObject({ code: 'INVALID_DISCLOSURE', message: expect.stringContaining('repeats') });
    expect(twice.checks.every((c) => c.check === 'format' || !c.verified)).toBe(true);
  });

  it('refuses an SD-JWT whose issuer hashed with another _sd_alg than sha-256, before any key is looked up', async () => {
    const sdJwt = await peer(es256, 'ES256', undefined, 'sha-512').issue(credentialOf(es256), frame({ credentialSubject: { _sd: ['memberOf'] } }), { header: { typ: 'vc+sd-jwt', kid: es256.kid } });
    expect(decodeJws(parts(sdJwt).jws).payload._sd_alg).toBe('sha-512');
    const result = await sdJwtFormat.verifyCredential(sdJwt, makeContext());
    expect(checkOf(result, 'format')).toMatchObject({ verified: false, code: 'ALG_NOT_ALLOWED', pointer: '/_sd_alg' });
    expect(checkOf(result, 'key-binding').code).toBe('CHECK_NOT_RUN');
  });

  it('refuses a disclosed claim that is also present in the clear, and a digest listed twice', async () => {
    const disclosure = b64(['c2FsdA', 'memberOf', 'IPCEI-AI']);
    const clear = { ...credentialOf(es256), credentialSubject: { id: 'did:example:member-42', memberOf: 'OTHER', _sd: [disclosureDigest(disclosure)] } };
    const both = await sdJwtFormat.verifyCredential(join(await signPayload(es256, clear), [disclosure]), makeContext());
    expect(checkOf(both, 'disclosures')).toMatchObject({ code: 'INVALID_DISCLOSURE', message: expect.stringContaining('in the clear') });
    const repeated = { ...credentialOf(es256), credentialSubject: { id: 'did:example:member-42', _sd: [disclosureDigest(disclosure), disclosureDigest(disclosure)] } };
    const dup = await sdJwtFormat.verifyCredential(join(await signPayload(es256, repeated), [disclosure]), makeContext());
    expect(checkOf(dup, 'disclosures')).toMatchObject({ code: 'INVALID_DISCLOSURE', message: expect.stringContaining('more than once') });
  });

  it('refuses a disclosure named __proto__ without touching Object.prototype', async () => {
    const disclosure = b64(['c2FsdA', '__proto__', { polluted: true }]);
    const payload = { ...credentialOf(es256), credentialSubject: { id: 'did:example:member-42', _sd: [disclosureDigest(disclosure)] } };
    const result = await sdJwtFormat.verifyCredential(join(await signPayload(es256, payload), [disclosure]), makeContext());
    expect(checkOf(result, 'disclosures')).toMatchObject({ verified: false, code: 'FORBIDDEN_KEY' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses a 100,000-deep disclosure value and a chain of 3,000 disclosures each inside the last, without recursing through them', async () => {
    // Written as text: JSON.stringify itself would overflow the stack on such a value.
    const deep = b64(`["c2FsdA","deep",${'['.repeat(100_000)}${']'.repeat(100_000)}]`);
    const one = { ...credentialOf(es256), credentialSubject: { id: 'did:example:member-42', _sd: [disclosureDigest(deep)] } };
    const refused = await sdJwtFormat.verifyCredential(join(await signPayload(es256, one), [deep]), makeContext());
    expect(checkOf(refused, 'disclosures').verified).toBe(false);

    const chain: string[] = [];
    let inner: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 3000; i++) {
      const disclosure = b64([`c2FsdA${i}`, `level${i}`, inner]);
      chain.push(disclosure);
      inner = { _sd: [disclosureDigest(disclosure)] };
    }
    const nested = { ...credentialOf(es256), credentialSubject: { id: 'did:example:member-42', ...inner } };
    const result = await sdJwtFormat.verifyCredential(join(await signPayload(es256, nested), chain), makeContext());
    expect(checkOf(result, 'disclosures')).toMatchObject({ verified: false, code: 'INVALID_INPUT' });
  });

  it('refuses a changed payload under the issuer signature: INVALID_SIGNATURE', async () => {
    const { jws, disclosures } = parts(await issue(es256));
    const [h, , s] = jws.split('.');
    const payload = { ...decodeJws(jws).payload, validUntil: '2099-01-01T00:00:00Z' };
    const result = await sdJwtFormat.verifyCredential(join(`${h}.${b64(payload)}.${s}`, disclosures), makeContext());
    expect(checkOf(result, 'proof')).toMatchObject({ verified: false, code: 'INVALID_SIGNATURE' });
  });
});

describe('vc+sd-jwt: headers and keys held to the vc+jwt rules', () => {
  it('refuses typ vc+jwt, dc+sd-jwt (SD-JWT VC, another data model) and vp+sd-jwt on the credential endpoint: TOKEN_TYPE', async () => {
    for (const typ of ['vc+jwt', 'dc+sd-jwt', 'vp+sd-jwt']) {
      const result = await sdJwtFormat.verifyCredential(join(await signPayload(es256, credentialOf(es256), { typ }), []), makeContext());
      expect(checkOf(result, 'format').code, typ).toBe('TOKEN_TYPE');
    }
  });

  it('refuses an ES256 header over an Ed25519 issuer key (alg confusion): ALG_NOT_ALLOWED', async () => {
    const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const token = await new CompactSign(new TextEncoder().encode(JSON.stringify(credentialOf(ed25519))))
      .setProtectedHeader({ alg: 'ES256', typ: 'vc+sd-jwt', kid: ed25519.kid })
      .sign(p256.privateKey);
    const result = await sdJwtFormat.verifyCredential(join(token, []), makeContext());
    expect(summary(result)).toEqual(['format:ok', 'disclosures:ok', 'key-binding:ok', 'proof:ALG_NOT_ALLOWED']);
  });

  it('refuses a kid of another DID and an embedded jwk header: KEY_BINDING', async () => {
    const other = makeIssuer('ES256');
    const foreign = await sdJwtFormat.verifyCredential(join(await signPayload(es256, credentialOf(es256), { kid: other.kid }), []), makeContext());
    expect(checkOf(foreign, 'key-binding').code).toBe('KEY_BINDING');
    const embedded = await sdJwtFormat.verifyCredential(join(await signPayload(es256, credentialOf(es256), { jwk: es256.publicJwk }), []), makeContext());
    expect(checkOf(embedded, 'key-binding').code).toBe('KEY_BINDING');
  });
});

describe('vc+sd-jwt: key binding JWT (kb+jwt, sd_hash)', () => {
  async function withKeyBinding(nonce = 'n-0S6_WzA2Mj', aud = 'https://verifier.example', iat = Math.floor(NOW.getTime() / 1000)): Promise<string> {
    const sd = peer(es256, 'ES256', holder.privateKey);
    const issued = await sd.issue({ ...credentialOf(es256), cnf: { jwk: publicJwkOf(holder.publicKey) } }, frame({ credentialSubject: { _sd: ['memberOf'] } }), { header: { typ: 'vc+sd-jwt', kid: es256.kid } });
    return sd.present(issued, frame({ credentialSubject: { memberOf: true } }), { kb: { payload: { iat, aud, nonce } } });
  }
  const secondsBeforeNow = (seconds: number) => Math.floor(NOW.getTime() / 1000) - seconds;

  it('refuses a key binding JWT older than the maximum age beyond the clock skew (300 s + 300 s by default) at /kb-jwt/iat', async () => {
    const old = await withKeyBinding(undefined, undefined, secondsBeforeNow(601));
    const result = await sdJwtFormat.verifyCredential(old, makeContext());
    expect(checkOf(result, 'holder-binding')).toMatchObject({ verified: false, code: 'VALIDITY_PERIOD', pointer: '/kb-jwt/iat' });
    expect(checkOf(result, 'holder-binding').message).toContain('601 s ago');
    const withinSkew = await withKeyBinding(undefined, undefined, secondsBeforeNow(600));
    expect(summary(await sdJwtFormat.verifyCredential(withinSkew, makeContext()))).toEqual(WITH_KEY_BINDING);
  });

  it('takes the verifier\'s own maximum age: a longer one accepts the old key binding JWT, a shorter one refuses a recent one', async () => {
    const old = await withKeyBinding(undefined, undefined, secondsBeforeNow(3000));
    expect(summary(await sdJwtFormat.verifyCredential(old, makeContext({ keyBindingMaxAgeSeconds: 3600 })))).toEqual(WITH_KEY_BINDING);
    const recent = await withKeyBinding(undefined, undefined, secondsBeforeNow(61));
    const strict = await sdJwtFormat.verifyCredential(recent, makeContext({ keyBindingMaxAgeSeconds: 0, clockSkewSeconds: 60 }));
    expect(checkOf(strict, 'holder-binding')).toMatchObject({ verified: false, code: 'VALIDITY_PERIOD', pointer: '/kb-jwt/iat' });
  });

  it('verifies the holder\'s key binding JWT and compares its nonce and aud with the expected challenge and domain', async () => {
    const presented = await withKeyBinding();
    expect(parts(presented).kb).not.toBe('');
    const result = await sdJwtFormat.verifyCredential(presented, makeContext({ challenge: 'n-0S6_WzA2Mj', domain: 'https://verifier.example' }));
    expect(summary(result)).toEqual([...WITH_KEY_BINDING, 'challenge:ok', 'domain:ok']);
    const wrongNonce = await sdJwtFormat.verifyCredential(presented, makeContext({ challenge: 'another' }));
    expect(checkOf(wrongNonce, 'challenge').code).toBe('CHALLENGE_MISMATCH');
  });

  it('refuses a key binding JWT whose sd_hash covers other disclosures (one dropped after it was made)', async () => {
    const { jws, disclosures, kb } = parts(await withKeyBinding());
    const result = await sdJwtFormat.verifyCredential(join(jws, disclosures.slice(1), kb), makeContext());
    expect(checkOf(result, 'holder-binding')).toMatchObject({ verified: false, code: 'INVALID_DISCLOSURE' });
  });

  it('refuses a key binding JWT signed by another key than cnf, and one over a credential without cnf', async () => {
    const { jws, disclosures, kb } = parts(await withKeyBinding());
    const [h, p] = kb.split('.');
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const forged = sign('sha256', Buffer.from(`${h}.${p}`), { key: stranger.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
    const result = await sdJwtFormat.verifyCredential(join(jws, disclosures, `${h}.${p}.${forged}`), makeContext());
    expect(checkOf(result, 'holder-binding')).toMatchObject({ verified: false, code: 'INVALID_SIGNATURE' });

    const plain = parts(await issue(es256));
    const noCnf = await sdJwtFormat.verifyCredential(join(plain.jws, plain.disclosures, kb), makeContext());
    expect(checkOf(noCnf, 'holder-binding')).toMatchObject({ verified: false, code: 'KEY_BINDING' });
  });

  it('warns when a credential names a holder key but comes without a key binding JWT', async () => {
    const { jws, disclosures } = parts(await withKeyBinding());
    const result = await sdJwtFormat.verifyCredential(join(jws, disclosures), makeContext());
    expect(summary(result)).toEqual(ALL_PASSED);
    expect(result.warnings?.join(' ')).toContain('no key binding JWT');
  });
});


