/**
 * Issuance next to the raw libraries, same run, same keys, one at a time: gx-trust's issuer (strict
 * validation, defaults, the signing identity, the format) against jose's SignJWT with the key
 * imported once (vc+jwt ES256) and @digitalbazaar/vc `issue` with the Ed25519 Multikey signer
 * (eddsa-rdfc-2022). Signing only: no records (bench/records.ts measures those).
 *
 * The raw baselines read the development key files themselves: the service never hands a private
 * key out of src/keyring, so the bench loads the same PEM files the keyring loaded.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createPrivateKey } from 'node:crypto';
import { SignJWT, importPKCS8, type JWK } from 'jose';
import * as vc from '@digitalbazaar/vc';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { createIssuer } from '../src/issuing/index.js';
import { DEVELOPMENT_FILES, type Keyring } from '../src/keyring/index.js';
import type { DocumentLoader } from '../src/document-loader/index.js';
import { measure } from './measure.js';
import { rawDocumentLoader } from './raw-document-loader.js';

export interface IssuanceRow {
  name: string;
  opsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

const credential = (keyring: Keyring, i: number) => ({
  '@context': ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/gaia-x/development#'],
  type: ['VerifiableCredential'],
  id: `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  issuer: keyring.did,
  validFrom: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  credentialSubject: { id: 'did:web:member.example', 'gx:countryCode': 'DE', 'gx:legalName': 'Example Member GmbH' },
});

export async function benchmarkIssuance(options: { keyring: Keyring; documentLoader: DocumentLoader; keysDir: string; iterations: number }): Promise<IssuanceRow[]> {
  const { keyring, documentLoader, keysDir, iterations } = options;
  const issuer = createIssuer({ keyring, documentLoader, clock: () => new Date() });
  const p256Pem = await readFile(join(keysDir, DEVELOPMENT_FILES.p256), 'utf8');
  const p256 = await importPKCS8(p256Pem, 'ES256');
  const p256Kid = keyring.key('P-256').jwkVerificationMethodId;
  const edJwk = createPrivateKey(await readFile(join(keysDir, DEVELOPMENT_FILES.ed25519), 'utf8')).export({ format: 'jwk' }) as JWK;
  const edId = keyring.key('Ed25519').multikeyVerificationMethodId!;
  const edKeyPair = await Ed25519Multikey.fromJwk({ jwk: edJwk, secretKey: true, id: edId, controller: keyring.did });
  const rawLoader = rawDocumentLoader(documentLoader, keyring.didDocument());

  let n = 0;
  const rows: IssuanceRow[] = [];
  const row = async (name: string, run: () => Promise<unknown>) => rows.push({ name, ...(await measure(run, iterations)) });
  await row('issue vc+jwt ES256: gx-trust issuer', () => issuer.issueCredential(credential(keyring, n++), { format: 'vc+jwt', alg: 'ES256' }));
  await row('issue vc+jwt ES256: raw jose SignJWT (key imported once)', () =>
    new SignJWT(credential(keyring, n++)).setProtectedHeader({ alg: 'ES256', kid: p256Kid, typ: 'vc+jwt', cty: 'vc' }).setIssuedAt().sign(p256));
  await row('issue eddsa-rdfc-2022: gx-trust issuer', () => issuer.issueCredential(credential(keyring, n++), { format: 'ldp_vc', cryptosuite: 'eddsa-rdfc-2022' }));
  await row('issue eddsa-rdfc-2022: raw @digitalbazaar/vc issue', () =>
    vc.issue({
      credential: credential(keyring, n++),
      suite: new DataIntegrityProof({ signer: edKeyPair.signer(), cryptosuite: eddsaRdfc2022 }),
      documentLoader: rawLoader,
    }));
  return rows;
}
