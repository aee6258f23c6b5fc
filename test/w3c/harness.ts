/**
 * What the W3C VC-API test suites do to an implementation, over loopback: `issue` posts
 * `{credential, options}` to `POST /credentials/issue` with the issuer filled in from the
 * implementation's configured `issuerId` when the input names none (as the suites' request builder
 * does), `verify` posts `{verifiableCredential, options: {checks: ['proof']}}` to
 * `POST /credentials/verify`, `verifyVp` posts `{verifiablePresentation, options}` to
 * `POST /presentations/verify`. A suite counts any HTTP status of 400 or more as a rejection; the
 * tests here also say which status and which `code`, so a rejection for an unrelated reason shows.
 *
 * The suites' inputs are read from `test/fixtures/w3c/<suite>/` (provenance in the README there).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { postJson, startService, type RunningService } from '../helpers/service.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/w3c/', import.meta.url));

/** A suite's input, parsed afresh on each call (tests change their copy). */
export function fixture(suite: string, name: string): any {
  return JSON.parse(readFileSync(`${FIXTURES}${suite}/${name}`, 'utf8'));
}

export interface Answer {
  status: number;
  body: any;
  text: string;
}

export interface SuiteEndpoints {
  svc: RunningService;
  /** The DID the suites' configuration names as `issuerId`: the service's did:web. */
  issuerId: string;
  issue(credential: Record<string, unknown>, options?: Record<string, unknown>): Promise<Answer>;
  verify(verifiableCredential: unknown, options?: Record<string, unknown>): Promise<Answer>;
  verifyVp(verifiablePresentation: unknown, options?: Record<string, unknown>): Promise<Answer>;
  /** Revoke, suspend or reinstate through the VC-API status route (the status list suite's `setStatus`). */
  setStatus(credentialId: string, status: 'revoked' | 'suspended' | 'active'): Promise<Answer>;
}

export async function startSuiteTarget(env: Record<string, string> = {}): Promise<SuiteEndpoints> {
  // The suites verify anonymously, one runner sending hundreds of Data Integrity verifications in
  // a burst from one address: the anonymous canonicalization budget (20 a second) would answer
  // some with 429, which is the limit working, not a verdict. An operator running the suites
  // lifts it the same way. No result cache: each malformed copy is judged afresh.
  const svc = await startService({ GX_RESULT_CACHE_SECONDS: '0', GX_RATE_LIMIT_ANONYMOUS_CANONICALIZATIONS: '0', ...env });
  const issuerId: string = svc.service.keyring.did;
  const auth = { authorization: `Bearer ${svc.apiKey}` };
  return {
    svc,
    issuerId,
    async issue(credential, options = { type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022' }) {
      const body = structuredClone(credential);
      // The suites' request builder: `issuer` (or `issuer.id`) comes from the configuration
      // when the input leaves it out.
      if (body['issuer'] === undefined) body['issuer'] = issuerId;
      else if (isObject(body['issuer']) && body['issuer']['id'] === undefined) body['issuer']['id'] = issuerId;
      return postJson(`${svc.url}/credentials/issue`, { credential: body, options }, auth);
    },
    verify(verifiableCredential, options = { checks: ['proof'] }) {
      return postJson(`${svc.url}/credentials/verify`, { verifiableCredential, options });
    },
    verifyVp(verifiablePresentation, options = {}) {
      return postJson(`${svc.url}/presentations/verify`, { verifiablePresentation, options });
    },
    setStatus(credentialId, status) {
      return postJson(`${svc.url}/credentials/status`, { credentialId, credentialStatus: [{ type: 'BitstringStatusListCredential', status }] }, auth);
    },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The issued credential of a 201, or the answer in the failure message. */
export function issued(answer: Answer): any {
  if (answer.status !== 201) throw new Error(`expected 201, got ${answer.status}: ${answer.text}`);
  return answer.body.verifiableCredential;
}
