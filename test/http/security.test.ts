/**
 * The attack cases that reach the HTTP verifier (forged JOSE headers, hostile did:web hosts): each
 * hostile credential is refused with its code, and nothing is fetched from an address the attacker
 * names.
 */
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { get } from 'node:http';
import net from 'node:net';
import { CompactSign, exportJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDidResolver } from '../../src/dids/index.js';
import { createDocumentLoader } from '../../src/document-loader/index.js';
import { createVerifier } from '../../src/verifying/index.js';
import { dataIntegrityFormat } from '../../src/formats/data-integrity/verify.js';
import { joseFormat } from '../../src/formats/jose/verify.js';
import { jsonWebSignature2020Format } from '../../src/formats/json-web-signature-2020/verify.js';
import { postJson, startService, type RunningService } from '../helpers/service.js';
import { servicePrivateKey } from '../helpers/service-keys.js';

let svc: RunningService;
let did: string;

beforeAll(async () => {
  svc = await startService();
  did = svc.service.keyring.did;
});
afterAll(async () => {
  await svc?.close();
  vi.restoreAllMocks();
});

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function credentialPayload(issuer: string) {
  return {
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    type: ['VerifiableCredential'],
    issuer,
    credentialSubject: { id: 'did:web:member.example' },
  };
}

async function verify(jwt: string) {
  return postJson(`${svc.url}/credentials/verify`, { verifiableCredential: jwt });
}

function failedCheck(body: { checks: { verified: boolean; code?: string }[] }) {
  return body.checks.find((c) => !c.verified);
}

describe('POST /credentials/verify refuses', () => {
  it('alg none with an empty signature with ALG_NOT_ALLOWED', async () => {
    const jwt = `${b64({ alg: 'none', typ: 'vc+jwt', kid: `${did}#jwk-p256` })}.${b64(credentialPayload(did))}.`;
    const response = await verify(jwt);
    expect(response.status).toBe(422);
    expect(failedCheck(response.body)?.code).toBe('ALG_NOT_ALLOWED');
  });

  it.each([['the PEM'], ['the PEM with leading white space']])('HS256 keyed with the issuer public key as %s', async (variant) => {
    const pem = svc.service.keyring.key('RSA').publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const secret = variant.includes('white') ? `\n  ${pem}` : pem;
    const input = `${b64({ alg: 'HS256', typ: 'vc+jwt', kid: `${did}#jwk-rsa` })}.${b64(credentialPayload(did))}`;
    const jwt = `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
    const response = await verify(jwt);
    expect(response.status).toBe(422);
    expect(failedCheck(response.body)?.code).toBe('ALG_NOT_ALLOWED');
  });

  it('an embedded jwk header signed with the attacker key with KEY_BINDING', async () => {
    const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = await exportJWK(attacker.publicKey);
    const jwt = await new CompactSign(Buffer.from(JSON.stringify(credentialPayload(did))))
      .setProtectedHeader({ alg: 'ES256', typ: 'vc+jwt', kid: `${did}#jwk-p256`, jwk })
      .sign(attacker.privateKey);
    const response = await verify(jwt);
    expect(response.status).toBe(422);
    expect(failedCheck(response.body)?.code).toBe('KEY_BINDING');
  });

  it('a kid naming another DID than the issuer with KEY_BINDING', async () => {
    const jwt = await new CompactSign(Buffer.from(JSON.stringify(credentialPayload(did))))
      .setProtectedHeader({ alg: 'ES256', typ: 'vc+jwt', kid: 'did:web:other.example#key-1' })
      .sign(servicePrivateKey(svc.service, 'P-256'));
    const response = await verify(jwt);
    expect(response.status).toBe(422);
    expect(failedCheck(response.body)?.code).toBe('KEY_BINDING');
  });

  it('a vp+jwt sent as a credential with TOKEN_TYPE', async () => {
    const jwt = await new CompactSign(Buffer.from(JSON.stringify(credentialPayload(did))))
      .setProtectedHeader({ alg: 'ES256', typ: 'vp+jwt', kid: `${did}#jwk-p256` })
      .sign(servicePrivateKey(svc.service, 'P-256'));
    const response = await verify(jwt);
    expect(response.status).toBe(422);
    expect(failedCheck(response.body)?.code).toBe('TOKEN_TYPE');
  });

  it('a JWE with UNSUPPORTED_FORMAT before any decryption', async () => {
    const jwe = `${b64({ alg: 'PBES2-HS256+A128KW', enc: 'A128GCM', p2c: 2 ** 31, zip: 'DEF' })}.a.b.c.d`;
    const response = await verify(jwe);
    expect(response.status).toBe(422);
    expect(failedCheck(response.body)?.code).toBe('UNSUPPORTED_FORMAT');
  });
});

describe('outside development, a verifier', () => {
  it.each([
    'did:web:169.254.169.254',
    'did:web:2130706433',
    'did:web:%5B%3A%3A1%5D',
    'did:web:localhost%3A2375',
    'did:web:trusted.example%40attacker.test',
  ])('refuses a credential from %s without opening any connection', async (hostileDid) => {
    const connect = vi.spyOn(net.Socket.prototype, 'connect');
    const resolver = createDidResolver({ testMode: false });
    const verifier = createVerifier({
      resolver,
      documentLoader: createDocumentLoader(),
      clock: () => new Date(),
      clockSkewSeconds: 300,
      formats: [joseFormat, dataIntegrityFormat, jsonWebSignature2020Format],
    });
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwt = await new CompactSign(Buffer.from(JSON.stringify(credentialPayload(hostileDid))))
      .setProtectedHeader({ alg: 'ES256', typ: 'vc+jwt', kid: `${hostileDid}#key-1` })
      .sign(key.privateKey);
    const report = await verifier.verifyCredential(jwt);
    expect(report.verified).toBe(false);
    const binding = report.checks.find((c) => c.check === 'key-binding');
    expect(['DID_FORBIDDEN', 'INVALID_DID']).toContain(binding?.code);
    expect(report.checks.find((c) => c.check === 'proof')).toMatchObject({ verified: false, code: 'CHECK_NOT_RUN' });
    expect(connect).not.toHaveBeenCalled();
    connect.mockRestore();
  });
});

it('the test above would see a connection if one were made', async () => {
  const connect = vi.spyOn(net.Socket.prototype, 'connect');
  // node:http, like the hardened fetch (the global fetch pools its sockets inside undici).
  await new Promise<void>((resolve, reject) => {
    get(`${svc.url}/health`, (res) => res.resume().on('end', resolve)).on('error', reject);
  });
  expect(connect).toHaveBeenCalled();
  connect.mockRestore();
});
