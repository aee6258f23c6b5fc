/**
 * A JSON pointer to the `id` of an object that holds nothing else (`/credentialSubject/id` of a
 * subject named only by its DID). The selective-disclosure libraries select in the compacted form,
 * where such an object is the bare IRI (VCDM 2 defines `credentialSubject` as `@type: @id`), so
 * the pointer matched nothing there and the library threw deep in signing: a 500 where the
 * pointer names a real, selectable statement. It selects the same statement as its parent.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { createDocumentLoader } from '../../src/document-loader/index.js';
import { deriveCredential } from '../../src/formats/data-integrity/sign.js';
import { createIssuer, type Issuer } from '../../src/issuing/index.js';
import { loadOrCreateKeyring } from '../../src/keyring/index.js';

const DID = 'did:web:trust.example.org';
const SUBJECT = 'did:web:member.example';
const documentLoader = createDocumentLoader();
let dir: string;
let issuer: Issuer;

const credential = () => ({
  '@context': ['https://www.w3.org/ns/credentials/v2'],
  type: ['VerifiableCredential'],
  issuer: DID,
  credentialSubject: { id: SUBJECT },
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gx-trust-node-ref-'));
  issuer = createIssuer({ keyring: await loadOrCreateKeyring({ keysDir: dir, baseUrl: 'https://trust.example.org', env: 'development' }), documentLoader, clock: systemClock });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.each(['ecdsa-sd-2023', 'bbs-2023'] as const)('%s: a pointer to the id of a subject that holds only its id', (cryptosuite) => {
  it('is a mandatory pointer the base proof keeps, and a selective pointer a derivation discloses', async () => {
    const issued = await issuer.issueCredential(credential(), { cryptosuite, mandatoryPointers: ['/credentialSubject/id'] });
    if (issued.format !== 'ldp_vc') throw new Error('expected a Data Integrity credential');
    expect(issued.verifiableCredential['proof']).toMatchObject({ cryptosuite });

    const derived = await deriveCredential({ verifiableCredential: issued.verifiableCredential, selectivePointers: ['/credentialSubject/id'], documentLoader });
    expect(derived['credentialSubject']).toEqual({ id: SUBJECT });
  });

  it('still refuses a pointer that selects nothing, at its index', async () => {
    await expect(issuer.issueCredential(credential(), { cryptosuite, mandatoryPointers: ['/credentialSubject/id', '/credentialSubject/name'] })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      pointer: '/options/mandatoryPointers/1',
    });
  });
});
