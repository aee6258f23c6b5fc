/** W3C VC-API credential endpoints: issue (recorded), derive (selective disclosure) and verify. */
import { z } from 'zod';
import { IssueOptions } from '../../issuing/index.js';
import { StatusOption } from '../../issuing/vc-api-options.js';
import type { ScopedSigner } from '../../issuing/signing-policy.js';
import type { VerificationReport, Verifier, VerifyOptions as VerifierOptions } from '../../verifying/index.js';
import { GxTrustError } from '../../errors.js';
import { MAX_KEY_BINDING_MAX_AGE_SECONDS } from '../../verifying/types.js';
import { examples } from '../openapi/examples.js';
import { BAD_INPUT, problem, RATE_LIMITED, SIGNER_BUSY, SIGNING_REFUSED, UNAUTHORIZED, VERIFIER_BUSY } from '../openapi/responses.js';
import { IssuedCredential, VerificationReport as VerificationReportSchema } from '../openapi/schemas.js';
import { parseBody, requireBody } from '../parse.js';
import type { CanonicalizationBudget, RateLimitedRequest } from '../rate-limit.js';
import { defineRoute, json, text, type Answer, type Route, type RouteContext } from '../route.js';

export const IssueCredentialRequest = z.strictObject({
  credential: z.record(z.string(), z.unknown()),
  options: IssueOptions.extend({
    /** true, purposes by name, or the VC-API suites' {type: BitstringStatusListEntry, statusPurpose} (one or a list). */
    credentialStatus: StatusOption.optional(),
    /** 'public': anyone may fetch it with GET /credentials/{id}; 'private' (default): its owner, admins, auditors. */
    visibility: z.enum(['private', 'public']).optional(),
  }).optional(),
});

/** VC-API derive: the holder's credential with its ecdsa-sd-2023 or bbs-2023 base proof, and what to disclose. */
export const DeriveCredentialRequest = z.strictObject({
  verifiableCredential: z.record(z.string(), z.unknown()),
  options: z.strictObject({
    /** JSON pointers (RFC 6901) of the statements to disclose beside the mandatory ones; [] discloses those only. */
    selectivePointers: z.array(z.string().max(1024)).max(256),
    /** bbs-2023 only: bytes the derived proof binds, hex-encoded. */
    presentationHeader: z.string().regex(/^(?:[0-9a-fA-F]{2})*$/).max(1024).optional(),
  }),
});

export const VerifyOptions = z.looseObject({
  challenge: z.string().max(512).optional(),
  domain: z.string().max(512).optional(),
  /** VC-API: a Data Integrity proof whose proofPurpose is another is refused (it only narrows what verifies). */
  expectedProofPurpose: z.string().max(128).optional(),
  /** Seconds: the oldest SD-JWT key binding JWT (its iat) this call accepts, beyond the clock skew; default GX_KB_JWT_MAX_AGE_SECONDS. */
  keyBindingMaxAge: z.number().int().min(0).max(MAX_KEY_BINDING_MAX_AGE_SECONDS).optional(),
});

export const VerifyCredentialRequest = z.strictObject({
  verifiableCredential: z.union([z.record(z.string(), z.unknown()), z.string().max(256 * 1024)]),
  options: VerifyOptions.optional(),
});

export const VerifyPresentationRequest = z.strictObject({
  verifiablePresentation: z.union([z.record(z.string(), z.unknown()), z.string().max(256 * 1024)]),
  options: VerifyOptions.optional(),
});

export interface VerificationInput {
  input: unknown;
  options: { challenge?: string; domain?: string; expectedProofPurpose?: string; keyBindingMaxAge?: number };
}

/** What the verify routes need: the verifier, and anonymous callers' share of canonicalization work. */
export interface VerifyRouteDependencies {
  verifier: Verifier;
  canonicalizationBudget?: CanonicalizationBudget | undefined;
}

/** The options with the caller's share of canonicalization work, when the service limits it. */
export function withCanonicalizationBudget(
  options: VerificationInput['options'],
  budget: CanonicalizationBudget | undefined,
  request: RateLimitedRequest,
): VerifierOptions {
  return budget === undefined ? options : { ...options, admitCanonicalization: budget(request) };
}

/** Query parameters the verify routes read for a bare token body (a JSON body has `options`). */
export const VERIFY_QUERY = {
  challenge: 'For a compact JWT or SD-JWT body, once (beside a JSON body: options.challenge)',
  domain: 'For a compact JWT or SD-JWT body, once (beside a JSON body: options.domain)',
  keyBindingMaxAge: `For a compact JWT or SD-JWT body: seconds (an integer from 0 to ${MAX_KEY_BINDING_MAX_AGE_SECONDS}), as options.keyBindingMaxAge`,
} as const;

const SECONDS = /^(?:0|[1-9][0-9]{0,5})$/;

/**
 * `?keyBindingMaxAge=` of a bare token body, in the bounds of options.keyBindingMaxAge: a bare
 * SD-JWT had no way to set it. A JSON body sets it in its options; the query parameter beside one
 * is refused rather than ignored, since a caller that meant to narrow the window would not know.
 */
function keyBindingMaxAgeOf(query: Readonly<Record<string, unknown>>, bare: boolean): number | undefined {
  const raw = query['keyBindingMaxAge'];
  if (raw === undefined) return undefined;
  const at = { pointer: '/keyBindingMaxAge' };
  if (!bare) {
    throw new GxTrustError('INVALID_INPUT', 'the keyBindingMaxAge query parameter is for a bare token body; this body is JSON', {
      ...at,
      hint: 'Set options.keyBindingMaxAge in the JSON body instead',
    });
  }
  const seconds = typeof raw === 'string' && SECONDS.test(raw) ? Number(raw) : Number.NaN;
  if (!(seconds <= MAX_KEY_BINDING_MAX_AGE_SECONDS)) {
    throw new GxTrustError('INVALID_INPUT', `keyBindingMaxAge must be a whole number of seconds from 0 to ${MAX_KEY_BINDING_MAX_AGE_SECONDS}, got ${JSON.stringify(raw)}`, {
      ...at,
      hint: `Send ?keyBindingMaxAge= once, with an integer from 0 to ${MAX_KEY_BINDING_MAX_AGE_SECONDS} (digits only)`,
    });
  }
  return seconds;
}

/**
 * `?challenge=` or `?domain=` of a bare token body. Given twice, or beside a JSON body (which sets
 * them in its options), it is refused: either way it used to be dropped without a word, and a
 * verifier that believed it had bound a challenge then accepted a replayed presentation.
 */
function bindingParameterOf(query: Readonly<Record<string, unknown>>, name: 'challenge' | 'domain', bare: boolean): string | undefined {
  const raw = query[name];
  if (raw === undefined) return undefined;
  const at = { pointer: `/${name}` };
  if (!bare) {
    throw new GxTrustError('INVALID_INPUT', `the ${name} query parameter is for a bare token body; this body is JSON`, {
      ...at,
      hint: `Set options.${name} in the JSON body instead`,
    });
  }
  if (typeof raw !== 'string') {
    throw new GxTrustError('INVALID_INPUT', `${name} is given more than once in the query`, { ...at, hint: `Send ?${name}= once` });
  }
  return raw;
}

/**
 * A VC-API JSON body, or a bare compact JWT sent as application/vc+jwt or application/vp+jwt, or a
 * bare SD-JWT as application/vc+sd-jwt or application/vp+sd-jwt (the body is then its text): a bare
 * one takes its challenge, domain and keyBindingMaxAge from the query, a JSON body from its `options`.
 */
export function verificationInputOf(
  body: unknown,
  query: Readonly<Record<string, unknown>>,
  field: 'verifiableCredential' | 'verifiablePresentation',
  schema: typeof VerifyCredentialRequest | typeof VerifyPresentationRequest,
): VerificationInput {
  const keyBindingMaxAge = keyBindingMaxAgeOf(query, typeof body === 'string');
  const challenge = bindingParameterOf(query, 'challenge', typeof body === 'string');
  const domain = bindingParameterOf(query, 'domain', typeof body === 'string');
  if (typeof body === 'string') {
    return {
      input: body.trim(),
      options: {
        ...(challenge === undefined ? {} : { challenge }),
        ...(domain === undefined ? {} : { domain }),
        ...(keyBindingMaxAge === undefined ? {} : { keyBindingMaxAge }),
      },
    };
  }
  const parsed = parseBody(schema as z.ZodType<Record<string, unknown>>, requireBody(body));
  const options = (parsed['options'] ?? {}) as VerificationInput['options'];
  const picked: VerificationInput['options'] = {};
  if (options.challenge !== undefined) picked.challenge = options.challenge;
  if (options.domain !== undefined) picked.domain = options.domain;
  if (options.expectedProofPurpose !== undefined) picked.expectedProofPurpose = options.expectedProofPurpose;
  if (options.keyBindingMaxAge !== undefined) picked.keyBindingMaxAge = options.keyBindingMaxAge;
  return { input: parsed[field], options: picked };
}

/** 200 when every check passed; 422 with the same report when any failed or could not run. */
export function reportAnswer(report: VerificationReport): Answer {
  return json(report.verified ? 200 : 422, report);
}

/** The verify routes' handler: the body as the route reads it, the report as the verifier gives it. */
export function verifyHandler(
  field: 'verifiableCredential' | 'verifiablePresentation',
  schema: typeof VerifyCredentialRequest | typeof VerifyPresentationRequest,
  verify: (verifier: Verifier, input: unknown, options: VerifierOptions) => Promise<VerificationReport>,
) {
  return async (context: RouteContext<unknown>, deps: VerifyRouteDependencies): Promise<Answer> => {
    const { input, options } = verificationInputOf(context.body, context.query, field, schema);
    return reportAnswer(await verify(deps.verifier, input, withCanonicalizationBudget(options, deps.canonicalizationBudget, context.client)));
  };
}

export const VERIFY_RESPONSES = {
  200: { description: 'Every check ran and passed', schema: VerificationReportSchema },
  422: { description: 'A check failed or could not run (same report)', schema: VerificationReportSchema },
  400: BAD_INPUT,
  401: problem('An API key is needed (GX_ANONYMOUS_VERIFY=false)'),
  429: RATE_LIMITED,
  503: VERIFIER_BUSY,
};

/** What the credential routes are given: the credentials-API signer (scoped by the signing policy) and the verifier. */
export interface CredentialRouteDependencies extends VerifyRouteDependencies {
  signer: ScopedSigner;
  /** Derives a selectively disclosed credential from an ecdsa-sd-2023 or bbs-2023 base proof (no key). */
  deriver: (verifiableCredential: Record<string, unknown>, selectivePointers: readonly string[], presentationHeader?: Uint8Array) => Promise<Record<string, unknown>>;
}

export const credentialRoutes: readonly Route<CredentialRouteDependencies>[] = [
  defineRoute({
    method: 'post', path: '/credentials/issue', operationId: 'issueCredential', tag: 'Credentials', roles: ['member'], signing: 'credentials-api',
    summary: 'Issue a credential signed by the service, recorded with its audit entry (Idempotency-Key honoured)',
    request: { schema: IssueCredentialRequest, example: examples.issueCredential },
    responses: { 201: { description: 'The signed credential', schema: IssuedCredential }, 400: BAD_INPUT, 401: UNAUTHORIZED, 403: problem('The role may not call this, or may not sign as the issuer named'), 422: SIGNING_REFUSED, 429: RATE_LIMITED, 503: SIGNER_BUSY },
    async handler(context, deps: CredentialRouteDependencies) {
      const body = context.body;
      // The signing policy decides as whom and what: only as the issuer the credential names (400
      // at /credential/issuer without one, naming the DIDs this key may sign as), a member only as
      // its own DID (403 and audited otherwise), never a label, a status list or, as the service,
      // a type another module issues after its checks (422 SIGNING_NOT_ALLOWED).
      const idempotencyKey = context.header('idempotency-key');
      const issued = await deps.signer.issueCredential(body.credential, body.options ?? {}, {
        caller: context.caller(),
        ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
      });
      if (issued.format === 'vc+jwt' && context.accepts(['application/json', 'application/vc+jwt']) === 'application/vc+jwt') {
        return text(201, 'application/vc+jwt', issued.jwt);
      }
      if (issued.format === 'vc+sd-jwt' && context.accepts(['application/json', 'application/vc+sd-jwt']) === 'application/vc+sd-jwt') {
        return text(201, 'application/vc+sd-jwt', issued.jwt);
      }
      return json(201, { verifiableCredential: issued.verifiableCredential });
    },
  }),
  defineRoute({
    // An API key, unlike verify: derivation canonicalizes (and for bbs-2023 computes a zero-knowledge
    // proof: a median of 167 ms for a small credential here, against 2.5 ms for ecdsa-sd-2023), on
    // the worker pool when there is one, else in the main thread: anonymous floods must reach neither.
    method: 'post', path: '/credentials/derive', operationId: 'deriveCredential', tag: 'Credentials', roles: ['member', 'connector'],
    summary: 'Derive a selectively disclosed credential (ecdsa-sd-2023, bbs-2023) from one with a base proof: the holder\'s step, no key involved',
    request: { schema: DeriveCredentialRequest, example: examples.deriveCredential },
    responses: { 201: { description: 'The derived credential', schema: IssuedCredential }, 400: BAD_INPUT, 401: UNAUTHORIZED, 403: problem('The role may not call this'), 429: RATE_LIMITED },
    async handler(context, deps: CredentialRouteDependencies) {
      const body = parseBody(DeriveCredentialRequest, requireBody(context.body));
      const header = body.options.presentationHeader;
      return json(201, { verifiableCredential: await deps.deriver(body.verifiableCredential, body.options.selectivePointers, header === undefined ? undefined : Buffer.from(header, 'hex')) });
    },
  }),
  defineRoute({
    method: 'post', path: '/credentials/verify', operationId: 'verifyCredential', tag: 'Credentials', anonymousVerify: true,
    summary: 'Verify a credential in any supported proof format; a bare compact JWT may be sent as application/vc+jwt, an SD-JWT as application/vc+sd-jwt',
    request: { schema: VerifyCredentialRequest, example: examples.verifyCredential, mediaTypes: ['application/json', 'application/vc+jwt', 'application/vc+ld+json+jwt', 'application/vc+ld+jwt', 'application/jwt', 'application/vc+sd-jwt'], parse: 'handler' },
    query: VERIFY_QUERY,
    responses: VERIFY_RESPONSES,
    handler: verifyHandler('verifiableCredential', VerifyCredentialRequest, (verifier, input, options) => verifier.verifyCredential(input, options)),
  }),
];
