/**
 * The attack cases against the VC-JOSE proof format: alg none, key confusion, header-supplied keys
 * and URLs, kid injection, crit/b64, JWEs, token-type confusion and fields outside the JWS.
 */
import { createHmac } from 'node:crypto';
import net from 'node:net';
import { CompactSign } from 'jose';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { envelopeCredential, signCredentialJwt, signPresentationJwt } from '../../../src/formats/jose/sign.js';
import { joseFormat } from '../../../src/formats/jose/verify.js';
import {
  NOW,
  b64,
  checkOf,
  issuerFor,
  makeContext,
  makeCredential,
  makeIssuer,
  makePresentation,
  recordingResolver,
  summary,
} from './fixtures.js';

const NOT_RUN_AFTER_FORMAT = ['key-binding:CHECK_NOT_RUN', 'proof:CHECK_NOT_RUN'];

let connects: MockInstance;
let prototypeKeys: string[];
beforeEach(() => {
  connects = vi.spyOn(net.Socket.prototype, 'connect');
  prototypeKeys = Object.getOwnPropertyNames(Object.prototype);
});
afterEach(() => {
  // Checks every row makes: no outbound connection, Object.prototype unchanged.
  expect(connects).not.toHaveBeenCalled();
  expect(Object.getOwnPropertyNames(Object.prototype)).toEqual(prototypeKeys);
  vi.restoreAllMocks();
});

/** A token with any header, signed (or not) by `sign` over the JWS signing input. */
function forge(header: Record<string, unknown>, payload: Record<string, unknown>, sign: (input: string) => string): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${sign(input)}`;
}

function issuerHeader(alg: string) {
  const issuer = issuerFor('PS256');
  return { header: { alg, typ: 'vc+jwt', kid: issuer.kid, iss: issuer.did }, payload: makeCredential(issuer.did), issuer };
}

describe('alg none', () => {
  it.each(['none', 'None', 'NONE'])('refuses alg %s with an empty signature before resolving any key', async (alg) => {
    const { header, payload } = issuerHeader(alg);
    const resolver = recordingResolver();
    const result = await joseFormat.verifyCredential(forge(header, payload, () => ''), makeContext({}, resolver));
    expect(summary(result)).toEqual(['format:ALG_NOT_ALLOWED', ...NOT_RUN_AFTER_FORMAT]);
    expect(resolver.calls).toEqual([]);
  });
});

describe('HS/RS key confusion', () => {
  it.each([
    ['the SPKI PEM', ''],
    ['the PEM with leading whitespace', '\n  '],
  ])('refuses HS256 keyed with %s of the issuer public key', async (_name, prefix) => {
    const { header, payload, issuer } = issuerHeader('HS256');
    const secret = prefix + issuer.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const token = forge(header, payload, (input) => createHmac('sha256', secret).update(input).digest('base64url'));
    const resolver = recordingResolver();
    const result = await joseFormat.verifyCredential(token, makeContext({}, resolver));
    expect(summary(result)).toEqual(['format:ALG_NOT_ALLOWED', ...NOT_RUN_AFTER_FORMAT]);
    expect(resolver.calls).toEqual([]);
  });

  it.each(['HS384', 'HS512', 'ES256K', 'Ed25519', 'RSA-OAEP'])('refuses alg %s', async (alg) => {
    const { header, payload } = issuerHeader(alg);
    const result = await joseFormat.verifyCredential(forge(header, payload, () => 'AAAA'), makeContext());
    expect(checkOf(result, 'format').code).toBe('ALG_NOT_ALLOWED');
  });

  it('refuses an allowed alg that does not fit the DID document key (ES256 header, RSA key)', async () => {
    const { header, payload } = issuerHeader('ES256');
    const attacker = makeIssuer('ES256');
    const token = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader(header)
      .sign(attacker.privateKey);
    const result = await joseFormat.verifyCredential(token, makeContext());
    expect(summary(result)).toEqual(['format:ok', 'key-binding:ok', 'proof:ALG_NOT_ALLOWED']);
  });

  it('refuses ES384 (allowed only with P-384 keys) over an RSA key of the DID document', async () => {
    const { header, payload } = issuerHeader('ES384');
    const result = await joseFormat.verifyCredential(forge(header, payload, () => 'AAAA'), makeContext());
    expect(summary(result)).toEqual(['format:ok', 'key-binding:ok', 'proof:ALG_NOT_ALLOWED']);
  });
});

describe('embedded jwk', () => {
  it('refuses a token carrying the attacker key in a jwk header, signed with it', async () => {
    const victim = issuerFor('ES256');
    const attacker = makeIssuer('ES256');
    const token = await new CompactSign(new TextEncoder().encode(JSON.stringify(makeCredential(victim.did))))
      .setProtectedHeader({ alg: 'ES256', typ: 'vc+jwt', kid: victim.kid, jwk: attacker.publicJwk })
      .sign(attacker.privateKey);
    const result = await joseFormat.verifyCredential(token, makeContext());
    expect(summary(result)).toEqual(['format:ok', 'key-binding:KEY_BINDING', 'proof:CHECK_NOT_RUN']);
  });
});

describe('jku / x5u header SSRF', () => {
  it.each([
    ['jku', 'http://169.254.169.254/latest/meta-data/jwks.json'],
    ['x5u', 'http://169.254.169.254/latest/meta-data/cert.pem'],
  ])('never fetches a %s header and refuses the key binding', async (name, url) => {
    const issuer = issuerFor('EdDSA');
    const token = await new CompactSign(new TextEncoder().encode(JSON.stringify(makeCredential(issuer.did))))
      .setProtectedHeader({ alg: 'EdDSA', typ: 'vc+jwt', kid: issuer.kid, [name]: url })
      .sign(issuer.privateKey);
    const result = await joseFormat.verifyCredential(token, makeContext());
    expect(summary(result)).toEqual(['format:ok', 'key-binding:KEY_BINDING', 'proof:CHECK_NOT_RUN']);
    // afterEach asserts that no socket connected.
  });

  it('ignores an x5c header: the key still comes from the DID document', async () => {
    const issuer = issuerFor('EdDSA');
    const token = await new CompactSign(new TextEncoder().encode(JSON.stringify(makeCredential(issuer.did))))
      .setProtectedHeader({ alg: 'EdDSA', typ: 'vc+jwt', kid: issuer.kid, x5c: ['MIIBattackerCert'] })
      .sign(issuer.privateKey);
    expect(summary(await joseFormat.verifyCredential(token, makeContext()))).toEqual(['format:ok', 'key-binding:ok', 'proof:ok']);
  });
});

describe('kid injection', () => {
  async function withKid(kid: string, iss?: string) {
    const issuer = issuerFor('EdDSA');
    const header: Record<string, unknown> = { alg: 'EdDSA', typ: 'vc+jwt', kid };
    if (iss !== undefined) header.iss = iss;
    const token = await new CompactSign(new TextEncoder().encode(JSON.stringify(makeCredential(issuer.did))))
      .setProtectedHeader(header as { alg: string })
      .sign(issuer.privateKey);
    const resolver = recordingResolver();
    return { result: await joseFormat.verifyCredential(token, makeContext({}, resolver)), resolver, issuer };
  }

  it.each([
    ['another DID', () => issuerFor('ES256').kid],
    ['a relative path', () => '../../x'],
    ['a bare fragment', () => '#0'],
    ['SQL', () => "' OR 1=1--"],
    ['the issuer DID without a fragment', () => issuerFor('EdDSA').did],
    ['a DID that only starts like the issuer', () => `${issuerFor('EdDSA').did}x#0`],
  ])('refuses a kid that is %s before it reaches the resolver', async (_name, kid) => {
    const { result, resolver } = await withKid(kid());
    expect(summary(result)).toEqual(['format:ok', 'key-binding:KEY_BINDING', 'proof:CHECK_NOT_RUN']);
    expect(resolver.calls).toEqual([]);
  });

  it('hands an injection after the issuer DID only to the resolver, whose DID URL parser refuses it', async () => {
    const issuer = issuerFor('EdDSA');
    const { result, resolver } = await withKid(`${issuer.did}#' OR 1=1--`);
    expect(resolver.calls).toEqual([`${issuer.did}#' OR 1=1--`]);
    expect(result.checks.map((c) => c.check)).toEqual(['format', 'key-binding', 'proof']);
    expect(checkOf(result, 'key-binding').code).toBe('INVALID_DID');
    expect(checkOf(result, 'proof').code).toBe('CHECK_NOT_RUN');
  });

  it.each([
    ['the header iss', 'header'],
    ['the claim iss', 'claim'],
  ])('resolves a relative kid (#0) against %s (VC-JOSE-COSE: absolute only without iss)', async (_name, where) => {
    const issuer = issuerFor('EdDSA');
    const credential = where === 'claim' ? { ...makeCredential(issuer.did), iss: issuer.did } : makeCredential(issuer.did);
    const header: Record<string, unknown> = { alg: 'EdDSA', typ: 'vc+jwt', kid: '#0' };
    if (where === 'header') header.iss = issuer.did;
    const token = await new CompactSign(new TextEncoder().encode(JSON.stringify(credential)))
      .setProtectedHeader(header as { alg: string })
      .sign(issuer.privateKey);
    const resolver = recordingResolver();
    const result = await joseFormat.verifyCredential(token, makeContext({}, resolver));
    expect(summary(result)).toEqual(['format:ok', 'key-binding:ok', 'proof:ok']);
    expect(resolver.calls).toEqual([issuer.kid]);
    expect(result.verificationMethod?.id).toBe(issuer.kid);
  });

  it('refuses a relative kid whose iss is another DID than the issuer, before the resolver', async () => {
    const { result, resolver } = await withKid('#0', issuerFor('ES256').did);
    expect(summary(result)).toEqual(['format:ok', 'key-binding:KEY_BINDING', 'proof:CHECK_NOT_RUN']);
    expect(resolver.calls).toEqual([]);
  });

  it('refuses a header iss that is not the payload issuer', async () => {
    const issuer = issuerFor('EdDSA');
    const { result } = await withKid(issuer.kid, issuerFor('ES256').did);
    expect(summary(result)).toEqual(['format:ok', 'key-binding:KEY_BINDING', 'proof:CHECK_NOT_RUN']);
  });
});

describe('crit and b64', () => {
  it.each([
    ['crit with an unknown extension', { crit: ['x-unknown'], 'x-unknown': true }],
    ['b64: false', { b64: false, crit: ['b64'] }],
    ['b64: false without crit', { b64: false }],
  ])('refuses %s as INVALID_INPUT', async (_name, extra) => {
    const { header, payload } = issuerHeader('PS256');
    const token = forge({ ...header, ...extra }, payload, () => 'AAAA');
    const result = await joseFormat.verifyCredential(token, makeContext());
    expect(summary(result)).toEqual(['format:INVALID_INPUT', ...NOT_RUN_AFTER_FORMAT]);
  });
});

describe('JWE on the credential path', () => {
  const jwe = (header: Record<string, unknown>) => [b64(header), 'AAAA', 'AAAAAAAAAAAAAAAA', 'AAAA', 'AAAAAAAAAAAAAAAAAAAAAA'].join('.');

  it.each([
    ['a PBES2 JWE with p2c = 2^31', { alg: 'PBES2-HS256+A128KW', enc: 'A128GCM', p2c: 2 ** 31, p2s: 'AAAAAAAAAAA' }],
    ['a zip:DEF JWE', { alg: 'dir', enc: 'A256GCM', zip: 'DEF', typ: 'vc+jwt' }],
  ])('refuses %s as UNSUPPORTED_FORMAT without decrypting', async (_name, header) => {
    for (const input of [jwe(header), `data:application/vc+jwt,${jwe(header)}`]) {
      expect(joseFormat.canVerifyCredential(input)).toBe(true);
      const result = await joseFormat.verifyCredential(input, makeContext());
      expect(summary(result)).toEqual(['format:UNSUPPORTED_FORMAT', ...NOT_RUN_AFTER_FORMAT]);
    }
  });

  it.each([
    ['a JSON string', '"eyJ"'],
    ['a 4-part token', 'a.b.c.d'],
    ['a header that is not JSON', `${b64('nope')}.${b64({})}.AAAA`],
    ['a header that is an array', `${b64([1])}.${b64({})}.AAAA`],
  ])('refuses %s as UNSUPPORTED_FORMAT', async (_name, input) => {
    const result = await joseFormat.verifyCredential(input, makeContext());
    expect(summary(result)).toEqual(['format:UNSUPPORTED_FORMAT', ...NOT_RUN_AFTER_FORMAT]);
  });
});

describe('token-type confusion', () => {
  it('refuses a vp+jwt sent as a credential', async () => {
    const holder = issuerFor('EdDSA');
    const vp = await signPresentationJwt({ presentation: makePresentation(), signer: holder.signer });
    expect(summary(await joseFormat.verifyCredential(vp, makeContext()))).toEqual(['format:TOKEN_TYPE', ...NOT_RUN_AFTER_FORMAT]);
  });

  async function signed(header: Record<string, unknown>, payload: Record<string, unknown>): Promise<string> {
    const issuer = issuerFor('ES256');
    return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader({ alg: 'ES256', kid: issuer.kid, ...header } as { alg: string })
      .sign(issuer.privateKey);
  }

  it('refuses an access token (at+jwt) sent as a credential, whatever its payload', async () => {
    const token = await signed({ typ: 'at+jwt' }, makeCredential(issuerFor('ES256').did));
    expect(summary(await joseFormat.verifyCredential(token, makeContext()))).toEqual(['format:TOKEN_TYPE', ...NOT_RUN_AFTER_FORMAT]);
  });

  // typ is a SHOULD (VC-JOSE-COSE §3.1.1): without one the payload says what the token is.
  it.each([
    ['no typ', {}],
    ['the generic typ JWT', { typ: 'JWT' }],
  ])('accepts a credential with %s when its payload is a credential', async (_name, header) => {
    const token = await signed(header, makeCredential(issuerFor('ES256').did));
    const result = await joseFormat.verifyCredential(token, makeContext());
    expect(summary(result)).toEqual(['format:ok', 'key-binding:ok', 'proof:ok']);
    expect(result.format).toBe('vc+jwt');
  });

  it.each([
    ['a presentation payload sent as a credential', 'credential', makePresentation({ holder: 'did:example:x' })],
    ['a credential payload sent as a presentation', 'presentation', makeCredential('did:example:x')],
    ['claims of no credential at all (an ID token)', 'credential', { iss: 'did:example:x', sub: 'alice', aud: 'rp' }],
    ['a payload typed both ways', 'credential', makeCredential('did:example:x', { type: ['VerifiableCredential', 'VerifiablePresentation'] })],
  ])('refuses an untyped token with %s (TOKEN_TYPE)', async (_name, kind, payload) => {
    const token = await signed({}, payload);
    const result = kind === 'credential' ? await joseFormat.verifyCredential(token, makeContext()) : await joseFormat.verifyPresentation(token, makeContext());
    expect(summary(result)).toEqual(['format:TOKEN_TYPE', ...NOT_RUN_AFTER_FORMAT]);
  });

  it('accepts typ with the application/ prefix and in another case (RFC 7515 §4.1.9)', async () => {
    const issuer = issuerFor('ES256');
    const token = await new CompactSign(new TextEncoder().encode(JSON.stringify(makeCredential(issuer.did))))
      .setProtectedHeader({ alg: 'ES256', kid: issuer.kid, typ: 'application/VC+JWT' })
      .sign(issuer.privateKey);
    expect(summary(await joseFormat.verifyCredential(token, makeContext()))).toEqual(['format:ok', 'key-binding:ok', 'proof:ok']);
  });

  it('refuses a vc+jwt whose payload uses the VCDM 1.1 "vc" claim', async () => {
    const issuer = issuerFor('ES256');
    const token = await new CompactSign(new TextEncoder().encode(JSON.stringify({ iss: issuer.did, vc: makeCredential(issuer.did) })))
      .setProtectedHeader({ alg: 'ES256', kid: issuer.kid, typ: 'vc+jwt' })
      .sign(issuer.privateKey);
    expect(checkOf(await joseFormat.verifyCredential(token, makeContext()), 'format').code).toBe('UNSUPPORTED_FORMAT');
  });
});

describe('fields outside the JWS', () => {
  it('builds the document only from the payload, whatever the enveloping object says', async () => {
    const issuer = issuerFor('ES256');
    const credential = makeCredential(issuer.did);
    const jwt = await signCredentialJwt({ credential, signer: issuer.signer, now: NOW });
    const wrapper = {
      ...envelopeCredential(jwt),
      issuer: 'did:example:attacker',
      credentialSubject: { id: 'did:example:member-42', memberOf: 'Everything', isAdmin: true },
      validUntil: '2999-01-01T00:00:00Z',
    };
    const result = await joseFormat.verifyCredential(wrapper, makeContext());
    expect(summary(result)).toEqual(['format:ok', 'key-binding:ok', 'proof:ok']);
    expect(result.document).toEqual({ ...credential, iss: issuer.did, iat: NOW.getTime() / 1000, exp: Date.parse('2027-01-01T00:00:00Z') / 1000 });
    expect(result.issuer).toBe(issuer.did);
    expect(result.warnings?.[0]).toContain('issuer, credentialSubject, validUntil');
  });
});
