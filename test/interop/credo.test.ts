/**
 * Credo (@credo-ts/core, the OpenWallet Foundation agent framework) verifying gx-trust's VCDM 2.0
 * vc+jwt with its W3cV2CredentialService: data model, DID resolution, key binding and signature,
 * the way a Credo wallet or verifier does. What it takes to run Credo here, recorded rather than
 * hidden:
 * - @credo-ts/core 0.7.0 does not install: it depends on @verifiables/request-converter, which the
 *   npm registry does not have (404). 0.6.3 installs on Node 20 without native builds.
 * - A Credo agent needs a key management backend and a storage service. The stock ones are native
 *   (@credo-ts/askar downloads its library at install; @credo-ts/node 0.6 exists only as an alpha
 *   that builds ffi-napi). Credo's KMS is pluggable, so the agent here has a verify-only backend of
 *   a few lines over node:crypto: Credo parses, resolves, binds and picks the key and algorithm;
 *   the backend does the one signature check. Its storage answers nothing (verifying stores
 *   nothing).
 * - Credo issues only as a DID it created and stored (a DidRecord), so Credo -> gx-trust needs a
 *   real storage service: left out until one is wired (see docs/interop.md).
 * - Credo's did:web resolver fetches https:// only; the agent gets a loopback did:web resolver.
 * - Credo cannot handle an RSA key (PS256): it computes a multicodec fingerprint RSA has none of.
 */
import 'reflect-metadata';
import { EventEmitter } from 'node:events';
import { constants, createPublicKey, verify as nodeVerify, type JsonWebKey } from 'node:crypto';
import {
  Agent,
  DependencyManager,
  DidDocument,
  DidsModule,
  InjectionSymbols,
  JsonTransformer,
  JwkDidResolver,
  KeyDidResolver,
  Kms,
  W3cV2CredentialService,
  W3cV2JwtVerifiableCredential,
  type AgentDependencies,
  type DidResolver,
} from '@credo-ts/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startService, type RunningService } from '../helpers/service.js';
import { credentialBody } from './peers.js';

/** Signature verification, and nothing else, for Credo's KMS API. */
class NodeVerifyOnlyBackend {
  readonly backend = 'node-verify-only';
  isOperationSupported(_context: unknown, operation: { operation: string }): boolean {
    return operation.operation === 'verify';
  }
  async verify(_context: unknown, options: { key: { publicJwk: JsonWebKey }; algorithm: string; data: Uint8Array; signature: Uint8Array }) {
    const key = createPublicKey({ key: options.key.publicJwk, format: 'jwk' });
    const { algorithm } = options;
    const digest = algorithm === 'EdDSA' ? null : `sha${algorithm.slice(2)}`;
    const verifyKey = algorithm.startsWith('ES')
      ? { key, dsaEncoding: 'ieee-p1363' as const }
      : algorithm.startsWith('PS')
        ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
        : key;
    const verified = nodeVerify(digest, options.data, verifyKey, options.signature);
    return verified ? { verified: true as const, publicJwk: options.key.publicJwk } : { verified: false as const };
  }
  async getPublicKey(): Promise<null> {
    return null;
  }
  private refuse(): never {
    throw new Kms.KeyManagementError('this backend only verifies');
  }
  async createKey(): Promise<never> { this.refuse(); }
  async importKey(): Promise<never> { this.refuse(); }
  async deleteKey(): Promise<never> { this.refuse(); }
  async sign(): Promise<never> { this.refuse(); }
  async encrypt(): Promise<never> { this.refuse(); }
  async decrypt(): Promise<never> { this.refuse(); }
  randomBytes(): never { this.refuse(); }
}

/** Credo's WebDidResolver, but over http:// and for loopback hosts only. */
class LoopbackWebDidResolver implements DidResolver {
  readonly supportedMethods = ['web'];
  readonly allowsCaching = false;
  readonly allowsLocalDidRecord = false;
  async resolve(_context: unknown, did: string, parsed: { id: string }) {
    const host = decodeURIComponent(parsed.id);
    if (!/^(localhost|127\.0\.0\.1):\d+$/.test(host)) throw new Error(`${did} is not a loopback did:web`);
    const json = await (await fetch(`http://${host}/.well-known/did.json`)).json();
    return { didDocument: JsonTransformer.fromJSON(json, DidDocument), didDocumentMetadata: {}, didResolutionMetadata: { contentType: 'application/did+json' } };
  }
}

function credoVerifier(): { verify(jwt: string): Promise<{ isValid: boolean; error?: Error; validations: Record<string, { isValid: boolean }> }> } {
  // Verifying stores nothing; a read that reached storage would be a surprise worth failing on.
  const storage = new Proxy({}, { get: (_target, member) => (member === 'then' ? undefined : () => { throw new Error(`Credo asked storage for ${String(member)}`); }) });
  const dependencyManager = new DependencyManager();
  dependencyManager.registerInstance(InjectionSymbols.StorageService, storage);
  const dependencies = { FileSystem: class {}, EventEmitterClass: EventEmitter, fetch, WebSocketClass: class {} } as unknown as AgentDependencies;
  const agent = new Agent(
    {
      dependencies,
      modules: {
        dids: new DidsModule({ resolvers: [new LoopbackWebDidResolver(), new JwkDidResolver(), new KeyDidResolver()] }),
        kms: new Kms.KeyManagementModule({ backends: [new NodeVerifyOnlyBackend() as unknown as Kms.KeyManagementService] }),
      },
    },
    dependencyManager,
  );
  const service = agent.dependencyManager.resolve(W3cV2CredentialService);
  return {
    async verify(jwt) {
      return (await service.verifyCredential(agent.context, { credential: W3cV2JwtVerifiableCredential.fromCompact(jwt) })) as never;
    },
  };
}

let svc: RunningService;
let credo: ReturnType<typeof credoVerifier>;

beforeAll(async () => {
  svc = await startService({ GX_RESULT_CACHE_SECONDS: '0' });
  credo = credoVerifier();
});
afterAll(async () => {
  await svc?.close();
});

async function issuedVcJwt(alg: string): Promise<string> {
  const answer = await postJson(`${svc.url}/credentials/issue`, { credential: credentialBody(), options: { format: 'vc+jwt', alg } }, { authorization: `Bearer ${svc.apiKey}` });
  expect(answer.status, answer.text).toBe(201);
  return String(answer.body.verifiableCredential.id).replace(/^data:application\/vc\+jwt,/, '');
}

describe.each(['ES256', 'EdDSA'])('gx-trust issues an %s vc+jwt, Credo verifies it', (alg) => {
  it('W3cV2CredentialService says valid: data model, signature, issuer is signer', async () => {
    const result = await credo.verify(await issuedVcJwt(alg));
    expect(result.error?.message).toBeUndefined();
    expect(result).toMatchObject({ isValid: true, validations: { dataModel: { isValid: true }, signature: { isValid: true }, issuerIsSigner: { isValid: true } } });
  });

  it('refuses it with a changed subject', async () => {
    const [header, payload, signature] = (await issuedVcJwt(alg)).split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
    claims.credentialSubject = { id: 'did:web:mallory.example' };
    const result = await credo.verify([header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.'));
    expect(result.isValid).toBe(false);
    expect(result.validations['signature']?.isValid).toBe(false);
  });
});

describe('Credo\'s limitation, as it stands', () => {
  it('refuses a PS256 vc+jwt after checking it: an RSA key has no multicodec fingerprint in Credo', async () => {
    const result = await credo.verify(await issuedVcJwt('PS256'));
    expect(result.validations['signature']?.isValid).toBe(true);
    expect(result.isValid).toBe(false);
    expect(result.error?.message).toMatch(/multicodec not supported for RsaPublicJwk/);
  });
});
