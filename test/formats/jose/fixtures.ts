/**
 * Fixtures shared by the VC-JOSE tests: issuers on did:jwk (resolved offline by the real
 * resolver), fresh credentials, and a verification context pinned to a fixed instant.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import { createDidResolver } from '../../../src/dids/index.js';
import type { DidResolver } from '../../../src/dids/types.js';
import { publicJwkOf } from '../../../src/dids/multikey.js';
import { createDocumentLoader } from '../../../src/document-loader/index.js';
import { GxTrustError } from '../../../src/errors.js';
import type { JoseAlgorithm, JoseSigner } from '../../../src/formats/jose/sign.js';
import { signingKeyOf } from '../../../src/keyring/signer.js';
import type { Check, CheckName } from '../../../src/verifying/report.js';
import type { FormatResult, VerifyContext } from '../../../src/verifying/types.js';

export const NOW = new Date('2026-03-01T12:00:00Z');

export interface TestIssuer {
  did: string;
  kid: string;
  signer: JoseSigner;
  /** For tests that sign what gx-trust would not (jose directly, hostile headers). */
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicJwk: JWK;
}

export function generateKeys(alg: JoseAlgorithm | 'RSA-1024'): { privateKey: KeyObject; publicKey: KeyObject } {
  switch (alg) {
    case 'EdDSA':
      return generateKeyPairSync('ed25519');
    case 'ES256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' });
    case 'ES384':
      return generateKeyPairSync('ec', { namedCurve: 'P-384' });
    case 'ES512':
      return generateKeyPairSync('ec', { namedCurve: 'P-521' });
    case 'PS256':
      return generateKeyPairSync('rsa', { modulusLength: 2048 });
    case 'RSA-1024':
      return generateKeyPairSync('rsa', { modulusLength: 1024 });
  }
}

export function didJwkOf(publicKey: KeyObject): string {
  return `did:jwk:${Buffer.from(JSON.stringify(publicJwkOf(publicKey))).toString('base64url')}`;
}

/** A new issuer with its own key, on did:jwk (its method is `#0`). */
export function makeIssuer(alg: JoseAlgorithm): TestIssuer {
  const { privateKey, publicKey } = generateKeys(alg);
  const did = didJwkOf(publicKey);
  const kid = `${did}#0`;
  if (signingKeyOf(privateKey).algorithm !== alg) throw new Error(`${alg} is not what the key signs with`);
  return { did, kid, privateKey, publicKey, publicJwk: publicJwkOf(publicKey), signer: signingKeyOf(privateKey).signer(kid) };
}

const issuers = new Map<JoseAlgorithm, TestIssuer>();
/** One issuer per algorithm for the whole file: RSA key generation is slow. */
export function issuerFor(alg: JoseAlgorithm): TestIssuer {
  let issuer = issuers.get(alg);
  if (issuer === undefined) {
    issuer = makeIssuer(alg);
    issuers.set(alg, issuer);
  }
  return issuer;
}

export function makeCredential(issuer: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    // VCDM 2.0's @vocab covers the example terms: no context outside the pinned set is needed.
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    id: 'urn:uuid:3f0d8c2e-6a51-4a9c-9d0e-2b1d5f6f2a10',
    type: ['VerifiableCredential', 'ExampleMembershipCredential'],
    issuer,
    validFrom: '2026-01-01T00:00:00Z',
    validUntil: '2027-01-01T00:00:00Z',
    credentialSubject: { id: 'did:example:member-42', memberOf: 'IPCEI-AI' },
    ...overrides,
  };
}

export function makePresentation(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    type: ['VerifiablePresentation'],
    ...overrides,
  };
}

export function makeContext(overrides: Partial<VerifyContext> = {}, resolver: DidResolver = createDidResolver({ testMode: true })): VerifyContext {
  return {
    resolver,
    documentLoader: createDocumentLoader(),
    now: NOW,
    clockSkewSeconds: 300,
    ...overrides,
  };
}

/** A resolver that records every DID URL it is asked for, and delegates to the real one. */
export function recordingResolver(inner: DidResolver = createDidResolver({ testMode: true })): DidResolver & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    resolve: (did) => {
      calls.push(did);
      return inner.resolve(did);
    },
    resolveVerificationMethod: (didUrl, options) => {
      calls.push(didUrl);
      return inner.resolveVerificationMethod(didUrl, options);
    },
  };
}

export function checkOf(result: FormatResult, name: CheckName): Check {
  const check = result.checks.find((c) => c.check === name);
  if (check === undefined) throw new Error(`no ${name} check in ${JSON.stringify(result.checks)}`);
  return check;
}

/** `check:code` for each check, or `check:ok`: one readable line to compare. */
export function summary(result: FormatResult): string[] {
  return result.checks.map((c) => `${c.check}:${c.verified ? 'ok' : c.code}`);
}

export function b64(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

/** Decodes the header and payload of a compact JWS without verifying it. */
export function decodeJws(jws: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload] = jws.split('.');
  return {
    header: JSON.parse(Buffer.from(header ?? '', 'base64url').toString('utf8')) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as Record<string, unknown>,
  };
}

export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GxTrustError) return error.code;
    throw error;
  }
  throw new Error('expected a GxTrustError, got a result');
}
