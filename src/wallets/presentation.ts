/**
 * OpenID for Verifiable Presentations 1.0, gx-trust as the verifier: a connector asks for
 * credentials with a DCQL query, the holder's wallet fetches the signed request object by
 * `request_uri`, and answers by `direct_post` at the `response_uri`. Each presentation is verified
 * by the verifier `/presentations/verify` uses (one report shape), with the request's nonce as the
 * challenge and its client_id as the domain (audience); the DCQL query is then evaluated against
 * the credentials the verified presentations hold. A request is closed by its first response, on
 * any replica (a conditional update), and the connector reads the outcome by id.
 *
 * Client identifier: `decentralized_identifier:<service did:web>` (OpenID4VP 1.0 §5.9.3): the
 * request object is signed with a key of that DID document, so a wallet checks the signature by
 * resolving the DID, with no X.509 certificate or pre-registration needed.
 *
 * The protocol messages are built and parsed by oid4vc-ts (`@openid4vc/openid4vp`, the family
 * of the issuance side); DCQL is evaluated by `dcql` (the same authors).
 * @see https://openid.net/specs/openid-4-verifiable-presentations-1_0.html
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { HashAlgorithm, type CallbackContext, type Jwk } from '@openid4vc/oauth2';
import { Openid4vpVerifier, parseOpenid4vpAuthorizationResponse } from '@openid4vc/openid4vp';
import { DcqlPresentationResult, DcqlQuery } from 'dcql';
import QRCode from 'qrcode';
import type { Clock } from '../clock.js';
import type { JsonObject } from '../credentials/index.js';
import { GxTrustError, type ErrorCode } from '../errors.js';
import type { ClaimsReader } from '../issuing/credential-claims.js';
import { compactJws } from '../keyring/signer.js';
import type { Keyring } from '../keyring/index.js';
import type { AuditRepository, PresentationRequestRepository } from '../storage/repositories.js';
import type { PresentationOutcome, PresentationRequestRecord } from '../storage/store.js';
import type { ComplianceCheck, VerificationReport, Verifier } from '../verifying/index.js';
import { makeReport, type Check } from '../verifying/report.js';

/** How long a wallet may answer a request (default, and the most a connector may ask for). */
export const REQUEST_LIFETIME_SECONDS = { default: 300, max: 3600 };

/** Distinct presentations one response may carry: each is verified in full. */
export const MAX_PRESENTATIONS = 16;

export const VERIFIER_PATHS = {
  requestObject: (id: string) => `/openid4vp/requests/${id}`,
  response: (id: string) => `/openid4vp/requests/${id}/response`,
} as const;

/** The OAuth error a wallet reads beside each refusal of its response (RFC 6749 §5.2, OpenID4VP §8.5). */
export const VERIFIER_OAUTH_ERRORS: Partial<Record<ErrorCode, string>> = {
  PRESENTATION_REQUEST_UNKNOWN: 'invalid_request',
  PRESENTATION_REQUEST_CLOSED: 'invalid_request',
  PRESENTATION_REQUEST_EXPIRED: 'invalid_request',
  STATE_MISMATCH: 'invalid_request',
  PRESENTATION_REFUSED: 'invalid_request',
};

const GX = 'https://w3id.org/gaia-x/development#';

const typeValues = (...names: string[]) => [...names.map((name) => [`${GX}${name}`]), ...names.map((name) => [`gx:${name}`])];
const W3C = { format: 'jwt_vc_json', require_cryptographic_holder_binding: false } as const;

/**
 * The query a connector gets when it names none: a Gaia-X label of level 1 or above, with the
 * credentials a label covers (the LegalPerson, its registration number, the terms and conditions
 * (gx:Issuer), and a service offering when the label covers one): a label is verified against the
 * digests of what it covers, so those are asked for beside it. All as VC-JOSE (`jwt_vc_json`).
 * `type_values` lists the expanded IRI (as OpenID4VP 1.0 asks) and, as another alternative, the
 * compact `gx:` form, for wallets that compare types as written instead of expanding them.
 * `require_cryptographic_holder_binding` is false: Gaia-X credentials name their subject, not a
 * wallet key, and what binds them to whoever presents them is the presentation's proof by the
 * subject's DID (checked for a label: LABEL_SUBJECT_MISMATCH), which DCQL 1.0's flag cannot say.
 */
export function defaultDcqlQuery(): Record<string, unknown> {
  return {
    credentials: [
      {
        id: 'label',
        ...W3C,
        meta: { type_values: typeValues('LabelCredential') },
        claims: [{ id: 'level', path: ['credentialSubject', 'gx:labelLevel'], values: ['L1', 'L2', 'L3'] }],
      },
      { id: 'legal_person', ...W3C, meta: { type_values: typeValues('LegalPerson') } },
      { id: 'registration_number', ...W3C, meta: { type_values: typeValues('VatID', 'LeiCode', 'EORI', 'EUID', 'TaxID', 'LocalRegistrationNumber') } },
      { id: 'terms_and_conditions', ...W3C, meta: { type_values: typeValues('Issuer') } },
      { id: 'service_offering', ...W3C, meta: { type_values: typeValues('ServiceOffering') } },
    ],
    credential_sets: [
      { options: [['label', 'legal_person', 'registration_number', 'terms_and_conditions']], required: true },
      { options: [['service_offering']], required: false },
    ],
  };
}

export interface PresentationRequestInput {
  dcqlQuery?: Record<string, unknown> | undefined;
  expiresInSeconds?: number | undefined;
}

export interface CreatedPresentationRequest {
  id: string;
  /** `openid4vp://?client_id=…&request_uri=…`: the request by reference. */
  authorizationRequestUri: string;
  requestUri: string;
  clientId: string;
  /** The URI as a QR code: an SVG data URI. */
  qrCode: string;
  expiresAt: string;
  dcqlQuery: Record<string, unknown>;
}

export type PresentationRequestStatus = 'pending' | 'answered' | 'refused' | 'expired';

export interface PresentationRequestView {
  id: string;
  status: PresentationRequestStatus;
  clientId: string;
  createdAt: string;
  expiresAt: string;
  answeredAt?: string;
  dcqlQuery: Record<string, unknown>;
  /** Once answered or refused: the reports, and what the DCQL query made of the credentials. */
  result?: Record<string, unknown>;
}

export interface VerifierCaller {
  actor: string;
  role: string;
}

export interface PresentationVerifier {
  clientId: string;
  createRequest(input: PresentationRequestInput, caller: VerifierCaller): Promise<CreatedPresentationRequest>;
  /** The signed request object (JWT `typ: oauth-authz-req+jwt`), for the wallet that fetches the request_uri. */
  requestObject(id: string): Promise<string>;
  /** The wallet's direct_post answer (form fields); the outcome as the connector will read it. */
  response(id: string, body: Record<string, unknown>): Promise<PresentationRequestView>;
  /** The request as its creator reads it; undefined when there is none, or the caller did not create it. */
  view(id: string, caller: VerifierCaller): Promise<PresentationRequestView | undefined>;
}

export interface PresentationVerifierDependencies {
  store: PresentationRequestRepository & Pick<AuditRepository, 'appendAudit'>;
  verifier: Verifier;
  keyring: Pick<Keyring, 'baseUrl' | 'key' | 'did'>;
  readClaims: ClaimsReader;
  /** The label check the verifier runs in a presentation, run again over all presentations of one response. */
  checkLabel: ComplianceCheck;
  clock: Clock;
}

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

function sameDigest(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}

function refusal(code: ErrorCode, message: string, hint: string, pointer?: string): GxTrustError {
  return new GxTrustError(code, message, { hint, ...(pointer === undefined ? {} : { pointer }) });
}

/** A DCQL query as the `dcql` library reads it; a fault is a 400 at /dcqlQuery. */
export function parseDcqlQuery(input: unknown): DcqlQuery {
  try {
    const query = DcqlQuery.parse(input as Parameters<typeof DcqlQuery.parse>[0]);
    DcqlQuery.validate(query);
    return query;
  } catch (error) {
    throw new GxTrustError('INVALID_INPUT', `not a valid DCQL query: ${error instanceof Error ? error.message : String(error)}`, {
      pointer: '/dcqlQuery',
      hint: 'Send a DCQL query (OpenID4VP 1.0 §6): {credentials: [{id, format: "jwt_vc_json" | "ldp_vc", meta: {type_values: [[…]]}, claims?: […]}]}',
    });
  }
}

/** The credential as the DCQL library matches it: its format, types (as written and expanded) and claims. */
interface DcqlW3cCredential {
  credential_format: 'jwt_vc_json' | 'ldp_vc';
  type: string[];
  claims: JsonObject;
  cryptographic_holder_binding: boolean;
}

export function createPresentationVerifier(deps: PresentationVerifierDependencies): PresentationVerifier {
  const { store, keyring } = deps;
  const base = keyring.baseUrl.replace(/\/$/, '');
  const clientId = `decentralized_identifier:${keyring.did}`;
  // Request objects are signed by the service's P-256 key, under the kid of its did:web method.
  const signer = keyring.key('P-256').signer();
  const signerJwk: Jwk = { ...(signer.publicJwk as Jwk), kid: signer.kid };

  const callbacks: Omit<CallbackContext, 'generateRandom' | 'clientAuthentication' | 'decryptJwe' | 'encryptJwe'> = {
    hash: (data, alg) => new Uint8Array(createHash({ [HashAlgorithm.Sha256]: 'sha256', [HashAlgorithm.Sha384]: 'sha384', [HashAlgorithm.Sha512]: 'sha512' }[alg]).update(data).digest()),
    signJwt: async (_jwtSigner, jwt) => ({
      jwt: await compactJws(jwt.header as Record<string, unknown>, jwt.payload as Record<string, unknown>, signer),
      signerJwk,
    }),
    // Responses come by direct_post, unsigned and unencrypted: nothing is verified or decrypted by the library.
    verifyJwt: async () => ({ verified: false }),
    fetch: async (input) => {
      throw new GxTrustError('INTERNAL', `no fetch from the OpenID4VP verifier: ${String(input)}`);
    },
  };
  // Nothing is encrypted: the request object is signed, the response comes by plain direct_post.
  const noJwe = async (): Promise<never> => {
    throw new GxTrustError('INTERNAL', 'gx-trust neither encrypts nor decrypts OpenID4VP messages');
  };
  const verifier = new Openid4vpVerifier({ callbacks: { ...callbacks, encryptJwe: noJwe, decryptJwe: noJwe } });

  /** The authorization request as the request object states it. */
  function requestPayload(record: PresentationRequestRecord, state?: string) {
    return {
      response_type: 'vp_token' as const,
      response_mode: 'direct_post' as const,
      client_id: record.clientId,
      response_uri: `${base}${VERIFIER_PATHS.response(record.id)}`,
      nonce: record.nonce,
      ...(state === undefined ? {} : { state }),
      dcql_query: record.dcqlQuery,
      client_metadata: {
        client_name: 'gx-trust',
        vp_formats_supported: {
          jwt_vc_json: { alg_values: ['EdDSA', 'ES256', 'ES384', 'ES512', 'PS256', 'RS256'] as [string, ...string[]] },
          // cryptosuite_values (eddsa-rdfc-2022, ecdsa-rdfc-2019) is left out: Sphereon's
          // did-auth-siop 0.20 refuses client metadata that carries it, and it is optional.
          ldp_vc: { proof_type_values: ['DataIntegrityProof', 'Ed25519Signature2020', 'JsonWebSignature2020'] as [string, ...string[]] },
        },
      },
    };
  }

  // The state is derived from the id and the nonce (both stored), so any replica signs the same
  // request object; the store keeps only its digest, which a response is matched against.
  const stateFor = (record: Pick<PresentationRequestRecord, 'id' | 'nonce'>) => createHash('sha256').update(`state:${record.id}:${record.nonce}`).digest('base64url');

  async function signedRequest(record: PresentationRequestRecord) {
    const now = deps.clock();
    const lifetime = Math.max(1, Math.floor((Date.parse(record.expiresAt) - now.getTime()) / 1000));
    return verifier.createOpenId4vpAuthorizationRequest({
      authorizationRequestPayload: requestPayload(record, stateFor(record)),
      jar: {
        requestUri: `${base}${VERIFIER_PATHS.requestObject(record.id)}`,
        jwtSigner: { method: 'did', didUrl: signer.kid, alg: 'ES256' },
        expiresInSeconds: lifetime,
        // OpenID4VP 1.0 §5.8: a request object for wallets found without metadata names this audience.
        additionalJwtPayload: { aud: 'https://self-issued.me/v2', iss: record.clientId },
        now,
      } as NonNullable<Parameters<Openid4vpVerifier['createOpenId4vpAuthorizationRequest']>[0]['jar']>,
      now,
    });
  }

  async function createRequest(input: PresentationRequestInput, caller: VerifierCaller): Promise<CreatedPresentationRequest> {
    const dcqlQuery = (input.dcqlQuery ?? defaultDcqlQuery()) as Record<string, unknown>;
    parseDcqlQuery(dcqlQuery);
    const now = deps.clock();
    const lifetime = input.expiresInSeconds ?? REQUEST_LIFETIME_SECONDS.default;
    const id = randomUUID();
    const nonce = randomBytes(24).toString('base64url');
    const record: PresentationRequestRecord = {
      id,
      createdBy: caller.actor,
      createdByRole: caller.role,
      clientId,
      nonce,
      stateHash: '',
      dcqlQuery,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + lifetime * 1000).toISOString(),
      answeredAt: null,
      outcome: null,
      result: null,
    };
    record.stateHash = sha256Hex(stateFor(record));
    const signed = await signedRequest(record);
    await store.createPresentationRequest({
      request: { id, createdBy: record.createdBy, createdByRole: record.createdByRole, clientId, nonce, stateHash: record.stateHash, dcqlQuery, createdAt: record.createdAt, expiresAt: record.expiresAt },
      audit: {
        actor: caller.actor,
        action: 'presentation-request.created',
        subject: `urn:uuid:${id}`,
        digests: {},
        details: { request: id, clientId, expiresAt: record.expiresAt, credentialQueries: ((dcqlQuery['credentials'] as { id?: unknown }[] | undefined) ?? []).map((c) => String(c.id)) },
      },
    });
    const uri = signed.authorizationRequest;
    const qrCode = `data:image/svg+xml;base64,${Buffer.from(await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M' })).toString('base64')}`;
    return { id, authorizationRequestUri: uri, requestUri: `${base}${VERIFIER_PATHS.requestObject(id)}`, clientId, qrCode, expiresAt: record.expiresAt, dcqlQuery };
  }

  async function openRecord(id: string): Promise<PresentationRequestRecord> {
    const record = await store.getPresentationRequest(id);
    if (record === undefined) throw refusal('PRESENTATION_REQUEST_UNKNOWN', `no presentation request ${id}`, 'Scan the request again: the connector may have made a new one');
    if (record.answeredAt !== null) throw refusal('PRESENTATION_REQUEST_CLOSED', 'the presentation request was answered already', 'Each request takes one response: ask the connector for a new one');
    if (Date.parse(record.expiresAt) <= deps.clock().getTime()) throw refusal('PRESENTATION_REQUEST_EXPIRED', `the presentation request expired at ${record.expiresAt}`, 'Ask the connector for a new request');
    return record;
  }

  async function requestObject(id: string): Promise<string> {
    const record = await openRecord(id);
    const signed = await signedRequest(record);
    return signed.jar!.authorizationRequestJwt;
  }

  /** The credentials a verified presentation holds, as DCQL matches them. */
  async function dcqlCredentials(report: VerificationReport): Promise<DcqlW3cCredential[]> {
    // The holder binding of each credential is the presentation's proof, which was checked above.
    const bound = report.checks.filter((c) => ['proof', 'key-binding'].includes(c.check)).every((c) => c.verified);
    const credentials: DcqlW3cCredential[] = [];
    for (const held of report.credentials ?? []) {
      const document = held.document;
      if (document === undefined) continue;
      const written = (Array.isArray(document['type']) ? document['type'] : [document['type']]).filter((t): t is string => typeof t === 'string');
      let expanded: string[] = [];
      try {
        expanded = (await deps.readClaims(document as JsonObject)).types;
      } catch {
        // A credential whose contexts do not expand is matched by its types as written.
      }
      credentials.push({
        credential_format: held.format.includes('jwt') ? 'jwt_vc_json' : 'ldp_vc',
        type: [...new Set([...written, ...expanded])],
        claims: document as JsonObject,
        cryptographic_holder_binding: bound,
      });
    }
    return credentials;
  }

  /** Which credential query each presentation answers, evaluated by the DCQL library on the verified credentials. */
  function evaluateDcql(query: DcqlQuery, answers: Record<string, DcqlW3cCredential[][]>) {
    const chosen: Record<string, DcqlW3cCredential[]> = {};
    for (const [queryId, presentations] of Object.entries(answers)) {
      const credentialQuery = query.credentials.find((c) => c.id === queryId);
      if (credentialQuery === undefined) continue;
      const single = { credentials: [credentialQuery] } as DcqlQuery;
      // A presentation may hold several credentials (a label travels with those it covers): the
      // one that meets the credential query answers it, else the first is reported as failing.
      chosen[queryId] = presentations.map((held) => {
        const fits = held.find((candidate) => {
          try {
            return DcqlPresentationResult.fromDcqlPresentation({ [queryId]: [candidate] } as never, { dcqlQuery: single }).credential_matches[queryId]?.success === true;
          } catch {
            return false;
          }
        });
        return fits ?? held[0]!;
      }).filter((c) => c !== undefined);
    }
    const presented = Object.fromEntries(Object.entries(chosen).filter(([, list]) => list.length > 0));
    let result: ReturnType<typeof DcqlPresentationResult.fromDcqlPresentation> | undefined;
    let problem: string | undefined;
    try {
      result = DcqlPresentationResult.fromDcqlPresentation(presented as never, { dcqlQuery: query });
    } catch (error) {
      problem = error instanceof Error ? error.message : String(error);
    }
    const matched = query.credentials.map((c) => c.id).filter((id) => result?.credential_matches[id]?.success === true);
    const failed = query.credentials
      .map((c) => c.id)
      .filter((id) => !matched.includes(id))
      .map((id) => {
        const match = result?.credential_matches[id];
        const issues = match?.failed_credentials?.map((f) => ({ meta: f.meta.success ? undefined : f.meta.issues, claims: f.claims.success ? undefined : f.claims.failed_claims })) ?? [];
        return { id, reason: match === undefined ? 'no presentation was sent for this credential query' : 'no presented credential meets this credential query', issues };
      });
    return {
      satisfied: result?.can_be_satisfied === true && problem === undefined,
      matched,
      failed,
      ...(problem === undefined ? {} : { error: problem }),
      ...(result?.credential_sets === undefined ? {} : { credentialSets: result.credential_sets }),
    };
  }

  async function response(id: string, body: Record<string, unknown>): Promise<PresentationRequestView> {
    const record = await openRecord(id);
    const state = body['state'];
    // A response for another request (or none) does not close this one.
    if (typeof state !== 'string' || !sameDigest(sha256Hex(state), record.stateHash)) {
      throw refusal('STATE_MISMATCH', typeof state === 'string' ? 'the state is not this request\'s: the response answers another request' : 'the response has no state', 'Post the response to the response_uri of the request whose state it carries', '/state');
    }
    let vpToken = body['vp_token'];
    if (typeof vpToken === 'string' && vpToken.trim().startsWith('{')) {
      try {
        vpToken = JSON.parse(vpToken) as unknown;
      } catch {
        throw refusal('INVALID_INPUT', 'vp_token is not JSON', 'Send vp_token as the JSON object of OpenID4VP 1.0 §8.1: {<credential query id>: [<presentation>, …]}', '/vp_token');
      }
    }
    let presentations: Record<string, unknown[]>;
    try {
      const parsed = await parseOpenid4vpAuthorizationResponse({
        authorizationResponse: { ...body, vp_token: vpToken },
        authorizationRequestPayload: requestPayload(record, state),
        callbacks: { ...callbacks, decryptJwe: noJwe },
      });
      if (parsed.type !== 'dcql') throw new Error('a DCQL request is answered with a DCQL vp_token');
      presentations = parsed.dcql.presentations as Record<string, unknown[]>;
    } catch (error) {
      throw refusal('INVALID_INPUT', `not an OpenID4VP response: ${error instanceof Error ? error.message : String(error)}`, 'Send vp_token as {<credential query id>: [<presentation>, …]} and the state of the request', '/vp_token');
    }
    const query = parseDcqlQuery(record.dcqlQuery);
    const unknownIds = Object.keys(presentations).filter((queryId) => !query.credentials.some((c) => c.id === queryId));
    if (unknownIds.length > 0) {
      throw refusal('INVALID_INPUT', `vp_token answers credential queries the request does not have: ${unknownIds.join(', ')}`, `Answer the ids of the DCQL query: ${query.credentials.map((c) => c.id).join(', ')}`, '/vp_token');
    }

    // Each distinct presentation is verified once, with the nonce as its challenge and the
    // client_id as its domain (JWT nonce/aud, Data Integrity challenge/domain).
    const distinct = new Map<string, { presentation: unknown; queryIds: string[] }>();
    for (const [queryId, list] of Object.entries(presentations)) {
      for (const presentation of list) {
        const key = typeof presentation === 'string' ? presentation : JSON.stringify(presentation);
        const entry = distinct.get(key) ?? { presentation, queryIds: [] };
        entry.queryIds.push(queryId);
        distinct.set(key, entry);
      }
    }
    // Anyone may post here, so the work one response asks for is bounded (the request's state
    // must match first, and the request closes on its first response).
    if (distinct.size > MAX_PRESENTATIONS) {
      throw refusal('INVALID_INPUT', `a response may carry at most ${MAX_PRESENTATIONS} distinct presentations`, 'Answer each credential query with one presentation', '/vp_token');
    }
    const verified: { queryIds: string[]; report: VerificationReport }[] = [];
    for (const { presentation, queryIds } of distinct.values()) {
      const report = await deps.verifier.verifyPresentation(presentation, { challenge: record.nonce, domain: record.clientId });
      verified.push({ queryIds, report });
    }
    await checkLabelsAcrossPresentations(verified);
    const answers: Record<string, DcqlW3cCredential[][]> = {};
    for (const { queryIds, report } of verified) {
      const held = report.verified ? await dcqlCredentials(report) : [];
      for (const queryId of queryIds) if (held.length > 0) (answers[queryId] ??= []).push(held);
    }
    const dcql = evaluateDcql(query, answers);
    const allVerified = verified.every((v) => v.report.verified);
    const outcome: PresentationOutcome = allVerified && dcql.satisfied ? 'answered' : 'refused';
    const result = { verified: allVerified, presentations: verified, dcql };
    const at = deps.clock().toISOString();
    const closed = await store.closePresentationRequest({
      id: record.id,
      at,
      outcome,
      result: result as unknown as Record<string, unknown>,
      audit: {
        actor: record.createdBy,
        action: `presentation-request.${outcome}`,
        subject: `urn:uuid:${record.id}`,
        digests: {},
        details: { request: record.id, verified: allVerified, dcqlSatisfied: dcql.satisfied, matched: dcql.matched, holders: verified.map((v) => v.report.issuer ?? null) },
      },
    });
    if (!closed) throw refusal('PRESENTATION_REQUEST_CLOSED', 'the presentation request was answered already', 'Each request takes one response: ask the connector for a new one');
    const view: PresentationRequestView = { ...viewOf({ ...record, answeredAt: at, outcome, result: result as unknown as Record<string, unknown> }) };
    if (outcome === 'refused') {
      const reasons = [
        ...verified.flatMap((v) => v.report.errors.map((e) => `presentation: ${e}`)),
        ...verified.flatMap((v) => (v.report.credentials ?? []).flatMap((c) => c.errors.map((e) => `credential: ${e}`))),
        ...dcql.failed.map((f) => `dcql: ${f.id}: ${f.reason}`),
      ];
      throw refusal('PRESENTATION_REFUSED', `the presentation was refused: ${reasons.slice(0, 5).join('; ') || 'the DCQL query is not met'}`, 'The connector reads the full report at GET /verifier/requests/{id}');
    }
    return view;
  }

  /**
   * DCQL asks for each credential in its own presentation, and a wallet answers a label and what it
   * covers in several (Sphereon's does: it holds each presentation of a credential query to that
   * query). When every presentation of the response is bound to one holder (proof and key verified,
   * the same nonce and audience), the response is one presentation for the label check: each
   * label's compliance check is run again, by the same check, with the credentials of all of them
   * as companions, and replaces the per-presentation one.
   */
  async function checkLabelsAcrossPresentations(verified: { queryIds: string[]; report: VerificationReport }[]): Promise<void> {
    if (verified.length < 2) return;
    const bound = (report: VerificationReport) => report.checks.filter((c) => ['format', 'proof', 'key-binding', 'challenge', 'domain'].includes(c.check)).every((c) => c.verified);
    const holders = new Set(verified.map((v) => (bound(v.report) ? v.report.issuer : undefined)));
    const [holder] = [...holders];
    if (holders.size !== 1 || holder === undefined) return;
    const held = verified.flatMap((v) => v.report.credentials ?? []).filter((c) => c.document !== undefined);
    const now = deps.clock();
    for (const entry of verified) {
      const own = (entry.report.credentials ?? []).filter((c) => c.document !== undefined);
      const labelChecks: Check[] = [];
      for (const credential of own) {
        const others = held.filter((other) => other !== credential);
        const companionStatuses = others.map((other) => {
          const statuses = other.checks.filter((c) => c.check === 'status');
          return statuses.find((c) => !c.verified) ?? statuses[0];
        });
        const check = await deps.checkLabel(credential.document as JsonObject, { now, companions: others.map((o) => o.document as JsonObject), companionStatuses, holder });
        if (check !== undefined) labelChecks.push(check);
      }
      if (labelChecks.length === 0) continue;
      const checks = [...entry.report.checks.filter((c) => c.check !== 'compliance'), ...labelChecks];
      const { verified: _verified, format, checks: _checks, errors: _errors, ...extras } = entry.report;
      entry.report = makeReport(format, checks, { ...extras, warnings: [...entry.report.warnings, 'the labels were checked against the credentials of every presentation of this response (one holder, one nonce)'] });
    }
  }

  function viewOf(record: PresentationRequestRecord): PresentationRequestView {
    const expired = record.answeredAt === null && Date.parse(record.expiresAt) <= deps.clock().getTime();
    const status: PresentationRequestStatus = record.outcome ?? (expired ? 'expired' : 'pending');
    return {
      id: record.id,
      status,
      clientId: record.clientId,
      createdAt: record.createdAt,
      expiresAt: record.expiresAt,
      ...(record.answeredAt === null ? {} : { answeredAt: record.answeredAt }),
      dcqlQuery: record.dcqlQuery,
      ...(record.result === null ? {} : { result: record.result }),
    };
  }

  async function view(id: string, caller: VerifierCaller): Promise<PresentationRequestView | undefined> {
    const record = await store.getPresentationRequest(id);
    if (record === undefined || record.createdBy !== caller.actor) return undefined;
    return viewOf(record);
  }

  return { clientId, createRequest, requestObject, response, view };
}
