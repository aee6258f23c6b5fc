/**
 * One entry point for every proof format: `verifyCredential` / `verifyPresentation` detect the
 * format, let its module check the proof and the key binding, then run the checks common to all
 * formats (data model, validity period, X.509 chain of the signing key) and, for presentations,
 * verify every credential held. The result is data; nothing here throws on a bad credential. It
 * throws only when it could not verify at all, for a reason that is not the credential's (load shed,
 * or the caller's share of costly work used up). And it answers by its deadline (deadline.ts): what
 * had not finished by then is CHECK_NOT_RUN.
 */
import type { Clock } from '../clock.js';
import { isObject, issuerId, type JsonObject } from '../credentials/index.js';
import type { DidResolver, VerificationMethod } from '../dids/types.js';
import type { DocumentLoader } from '../document-loader/index.js';
import { isGxTrustError, type ErrorCode } from '../errors.js';
import { failed, makeReport, passed, type Check, type VerificationReport } from './report.js';
import { DEFAULT_KEY_BINDING_MAX_AGE_SECONDS, type FormatResult, type ProofFormat, type VerifyContext } from './types.js';
import { checkValidityPeriod } from './validity.js';
import type { CachedVerification, ResultCache } from './result-cache.js';
import { startDeadline, withinDeadline, type Deadline } from './deadline.js';

export type { VerificationReport, Check } from './report.js';

/** The X.509 check of a signing key that carries `x5c`/`x5u`; injected so the dispatcher stays format-agnostic. */
export type CertificateChainCheck = (
  method: VerificationMethod,
  validity: { validAt: Date; validUntil?: Date },
) => Promise<Check | undefined>;

/**
 * The 'status' check of a credential that carries `credentialStatus` (revocation, suspension);
 * injected by the status-lists module. Returns undefined when the credential has no status entry.
 * It must fail closed: a list that cannot be fetched or verified is a failed check.
 * `verifyListCredential` is the asking verifier itself, handed over with each call: a status list
 * credential is verified by the same verifier as the credential that points at it, and neither
 * module has to be built before the other.
 */
export type CredentialStatusCheck = (credential: JsonObject, context: StatusCheckContext) => Promise<Check | undefined>;

export interface StatusCheckContext {
  now: Date;
  deadline?: Deadline;
  verifyListCredential: (list: JsonObject | string, options: Pick<VerifyOptions, 'deadline' | 'followCredentialStatus'>) => Promise<VerificationReport>;
}

/**
 * The 'compliance' check of a label credential (src/compliance/connector-check.ts): undefined for
 * anything that is not a label. For a label held in a presentation: `companions`, the other
 * credentials of the same presentation as they stood in it (embedded proofs included), whose digests
 * the label must match, and `holder`, the DID
 * the presentation's proof is bound to (undefined when none was), which must be the label's subject.
 */
export type ComplianceCheck = (
  credential: JsonObject,
  context: {
    now: Date;
    companions?: readonly JsonObject[];
    /** Each companion's 'status' check as its own verification reported it (same order; undefined: it has no status). */
    companionStatuses?: readonly (Check | undefined)[];
    holder?: string | undefined;
  },
) => Promise<Check | undefined>;

export interface VerifierDependencies {
  resolver: DidResolver;
  documentLoader: DocumentLoader;
  clock: Clock;
  clockSkewSeconds: number;
  /** VerifyContext.keyBindingMaxAgeSeconds unless a call sets its own; default DEFAULT_KEY_BINDING_MAX_AGE_SECONDS. */
  keyBindingMaxAgeSeconds?: number;
  /** In order of precedence; the first that claims the input verifies it. */
  formats: readonly ProofFormat[];
  checkCertificateChain?: CertificateChainCheck;
  checkStatus?: CredentialStatusCheck;
  checkCompliance?: ComplianceCheck;
  /** Keeps the proof, key-binding and X.509 part of credential reports (src/verifying/result-cache.ts). */
  resultCache?: ResultCache;
  /**
   * Every verification's report is built by this many milliseconds after it started (deadline.ts):
   * checks not finished by then are CHECK_NOT_RUN. Default DEFAULT_VERIFY_DEADLINE_MS.
   */
  deadlineMs?: number;
}

/**
 * A few seconds: above the 3 s a single DID, status-list or x5u fetch may take (so a slow host is
 * reported with its own code), below what an HTTP client waits before it gives up.
 */
export const DEFAULT_VERIFY_DEADLINE_MS = 5000;

export interface VerifyOptions {
  challenge?: string;
  domain?: string;
  /** See VerifyContext.expectedProofPurpose. */
  expectedProofPurpose?: string;
  /** Overrides the clock for this call ("was it valid at ..."). */
  now?: Date;
  /** Seconds: the oldest SD-JWT key binding JWT this call accepts (VerifyContext.keyBindingMaxAgeSeconds); also for the credentials a presentation holds. */
  keyBindingMaxAge?: number;
  /** The caller's share of canonicalization work (VerifyContext.admitCanonicalization); also asked for each credential a presentation holds. */
  admitCanonicalization?: (units?: number) => Promise<void>;
  /**
   * The deadline of the verification this one is part of (the credentials a presentation holds, a
   * status list's own proof): shared, so the whole answers by one deadline. Absent: its own, of
   * `deadlineMs`.
   */
  deadline?: Deadline;
  /**
   * false: the credential's own `credentialStatus` is not followed. A status list credential is
   * verified so: the Bitstring Status List validate algorithm asks that its proofs verify, nothing
   * about its own status, and following it lets a list that names itself recurse without end.
   */
  followCredentialStatus?: boolean;
}

/**
 * Refusals that mean the verification did not run at all, for a reason that is not the credential's:
 * the service sheds load (VERIFIER_BUSY) or the caller used up its share (RATE_LIMITED). They are
 * not failed checks: the caller is told to come back (503, 429 with Retry-After).
 */
const NOT_RUN_AT_ALL: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['VERIFIER_BUSY', 'RATE_LIMITED']);

export interface Verifier {
  verifyCredential(input: unknown, options?: VerifyOptions): Promise<VerificationReport>;
  verifyPresentation(input: unknown, options?: VerifyOptions): Promise<VerificationReport>;
}

/**
 * The one replay rule for presentations of every format: the challenge (Data Integrity
 * `proof.challenge`, vp+jwt `nonce`) is checked when the verifier expects one, and must then match;
 * a verifier that expects none has nothing to tie the presentation to this exchange, and is told so.
 */
export const NO_CHALLENGE_WARNING = 'no challenge was expected: nothing binds this presentation to this verification, so it may be a replay; send options.challenge (the nonce you gave the holder)';

/**
 * An enveloped credential (presentation) is secured by its envelope, not by a `proof`: when no
 * format verifies it, what is wrong is its media type (one gx-trust does not verify) or an `id`
 * that is no `data:` URL, and "has no proof" would send its sender looking in the wrong place.
 * @see https://www.w3.org/TR/vc-data-model-2.0/#enveloped-verifiable-credentials
 */
function envelopeFault(input: unknown, kind: 'credential' | 'presentation'): string | undefined {
  const type = kind === 'credential' ? 'EnvelopedVerifiableCredential' : 'EnvelopedVerifiablePresentation';
  if (!isObject(input) || !(Array.isArray(input['type']) ? input['type'].includes(type) : input['type'] === type)) return undefined;
  const id = input['id'];
  if (typeof id !== 'string' || !id.startsWith('data:')) return `an ${type} whose id is not a data: URL`;
  const end = id.search(/[;,]/);
  const mediaType = id.slice('data:'.length, end < 0 ? Math.min(id.length, 80) : Math.min(end, 80));
  const media = kind === 'credential' ? 'vc+jwt, vc+sd-jwt, vc+cose' : 'vp+jwt, vp+sd-jwt, vp+cose';
  return `an ${type} of media type ${JSON.stringify(mediaType)}: gx-trust verifies enveloped ${kind}s of the media types ${media}`;
}

/** Presentations nest credentials; a nesting bomb must not recurse without end. */
const MAX_HELD_CREDENTIALS = 64;

export function createVerifier(deps: VerifierDependencies): Verifier {
  function contextFor(options: VerifyOptions): VerifyContext {
    const context: VerifyContext = {
      resolver: deps.resolver,
      documentLoader: deps.documentLoader,
      now: options.now ?? deps.clock(),
      clockSkewSeconds: deps.clockSkewSeconds,
      keyBindingMaxAgeSeconds: options.keyBindingMaxAge ?? deps.keyBindingMaxAgeSeconds ?? DEFAULT_KEY_BINDING_MAX_AGE_SECONDS,
    };
    if (options.challenge !== undefined) context.challenge = options.challenge;
    if (options.domain !== undefined) context.domain = options.domain;
    if (options.expectedProofPurpose !== undefined) context.expectedProofPurpose = options.expectedProofPurpose;
    if (options.admitCanonicalization !== undefined) context.admitCanonicalization = options.admitCanonicalization;
    return context;
  }

  async function runFormat(
    kind: 'credential' | 'presentation',
    input: unknown,
    context: VerifyContext,
    deadline: Deadline,
  ): Promise<FormatResult> {
    const format = deps.formats.find((f) =>
      kind === 'credential' ? f.canVerifyCredential(input) : f.canVerifyPresentation(input),
    );
    if (format === undefined) {
      const envelope = envelopeFault(input, kind);
      const code: ErrorCode = envelope === undefined && isObject(input) && input['proof'] === undefined ? 'PROOF_MISSING' : 'UNSUPPORTED_FORMAT';
      return {
        format: 'unknown',
        checks: [
          failed('format', code, envelope ?? (code === 'PROOF_MISSING'
            ? `the ${kind} has no proof`
            : `not a ${kind} in a proof format gx-trust verifies (Data Integrity, VC-JOSE, JsonWebSignature2020)`)),
        ],
      };
    }
    try {
      return await withinDeadline(kind === 'credential' ? format.verifyCredential(input, context) : format.verifyPresentation(input, context), deadline);
    } catch (error) {
      if (isGxTrustError(error) && NOT_RUN_AT_ALL.has(error.code)) throw error;
      // A format module reports failures as checks; a throw is a fault we still must not call valid
      // (the deadline's is CHECK_NOT_RUN).
      const code: ErrorCode = isGxTrustError(error) ? error.code : 'INTERNAL';
      return { format: format.name, checks: [failed('proof', code, error instanceof Error ? error.message : String(error))] };
    }
  }

  /** `chain.check` in: a cached X.509 result to use instead of checking again; out: the one computed. */
  async function commonChecks(
    result: FormatResult,
    context: VerifyContext,
    kind: 'credential' | 'presentation',
    options: { deadline: Deadline; followCredentialStatus: boolean },
    chain: { cached: boolean; check?: Check | undefined } = { cached: false },
  ): Promise<Check[]> {
    const checks: Check[] = [];
    const document = result.document;
    if (document === undefined) return checks;
    if (kind === 'credential') {
      const types = Array.isArray(document['type']) ? document['type'] : [document['type']];
      checks.push(
        types.includes('VerifiableCredential') && issuerId(document) !== undefined
          ? passed('credential')
          : failed('credential', 'INVALID_INPUT', 'not a verifiable credential: type VerifiableCredential and an issuer are required'),
      );
    }
    const validity = checkValidityPeriod(document, result.timeClaims, context.now, context.clockSkewSeconds);
    checks.push(validity);
    const method = result.verificationMethod;
    if (chain.cached) {
      if (chain.check !== undefined) checks.push(chain.check);
    } else if (method !== undefined && deps.checkCertificateChain !== undefined) {
      const validUntil = validUntilOf(document);
      const chainCheck = await withinDeadline(
        deps.checkCertificateChain(method, { validAt: context.now, ...(validUntil === undefined ? {} : { validUntil }) }),
        options.deadline,
      ).catch((error: unknown) => failed('x509', isGxTrustError(error) ? error.code : 'CHECK_NOT_RUN', error instanceof Error ? error.message : String(error)));
      chain.check = chainCheck;
      if (chainCheck !== undefined) checks.push(chainCheck);
    }
    if (kind === 'credential' && document['credentialStatus'] !== undefined && options.followCredentialStatus) {
      let statusCheck: Check | undefined;
      try {
        const pending = deps.checkStatus?.(document, { now: context.now, ...(options.deadline === undefined ? {} : { deadline: options.deadline }), verifyListCredential: verifyCredential });
        // The status check answers by the deadline itself, naming the entry it could not read; the
        // race only keeps a check that would not from holding the verification.
        statusCheck = pending === undefined ? undefined : await withinDeadline(pending, options.deadline, { yieldToWork: true });
      } catch (error) {
        statusCheck = failed('status', isGxTrustError(error) ? error.code : 'CHECK_NOT_RUN', error instanceof Error ? error.message : String(error));
      }
      checks.push(statusCheck ?? failed('status', 'CHECK_NOT_RUN', 'the credential has a credentialStatus no status check understood'));
    }
    return checks;
  }

  /** `verify` under the caller's deadline, or under its own, started here and cleared when done. */
  async function withDeadline(options: VerifyOptions, verify: (deadline: Deadline) => Promise<VerificationReport>): Promise<VerificationReport> {
    if (options.deadline !== undefined) return verify(options.deadline);
    const started = startDeadline(deps.deadlineMs ?? DEFAULT_VERIFY_DEADLINE_MS);
    try {
      return await verify(started.deadline);
    } finally {
      started.done();
    }
  }

  /**
   * Whether the methods a cached result bound are bound still: a key rotated out, removed or past
   * its lifetime must fail now, not when the entry expires. Anything that keeps the binding from
   * being made again (a fetch failure too) sends the credential through a full verification, which
   * reports it.
   */
  async function stillBound(bindings: CachedVerification['bindings']): Promise<boolean> {
    if (bindings === undefined) return true;
    try {
      for (const method of bindings.methods) {
        await deps.resolver.resolveVerificationMethod(method, { purpose: 'assertionMethod', expectedController: bindings.controller });
      }
      return true;
    } catch {
      return false;
    }
  }

  function verifyCredential(input: unknown, options: VerifyOptions = {}): Promise<VerificationReport> {
    return withDeadline(options, async (deadline) => {
      const context = contextFor(options);
      // A cached result was reached without the caller's expected purpose: not reused for it. Nor
      // one whose format compared a challenge or domain (an SD-JWT key binding JWT's nonce and aud):
      // served to a call expecting another, it would let a presentation be replayed.
      const callBound = context.expectedProofPurpose !== undefined || context.challenge !== undefined || context.domain !== undefined;
      const key = callBound ? undefined : deps.resultCache?.keyOf(input, context.now);
      let hit = key === undefined ? undefined : deps.resultCache?.get(key, input);
      if (hit !== undefined && !(await stillBound(hit.bindings))) hit = undefined;
      const result: Readonly<FormatResult> = hit?.result ?? (await runFormat('credential', input, context, deadline));
      const chain: { cached: boolean; check?: Check | undefined } = hit === undefined ? { cached: false } : { cached: true, check: hit.chainCheck };
      const checks = [...result.checks, ...(await commonChecks(result, context, 'credential', { deadline, followCredentialStatus: options.followCredentialStatus !== false }, chain))];
      // A result with a check the deadline cut short is not kept (CHECK_NOT_RUN alone is never cacheable).
      // Nor one that judged a key binding JWT: its age grows while an entry lives, and the bound is
      // the call's (options.keyBindingMaxAge).
      const judgedKeyBinding = result.checks.some((check) => check.check === 'holder-binding');
      if (key !== undefined && hit === undefined && !judgedKeyBinding) deps.resultCache?.set(key, input, { result, chainCheck: chain.check });
      // The label check reads the document and its companions only (no fetch): never cut short.
      if (deps.checkCompliance !== undefined && result.document !== undefined) {
        const complianceCheck = await deps.checkCompliance(result.document, { now: context.now });
        if (complianceCheck !== undefined) checks.push(complianceCheck);
      }
      return makeReport(result.format, checks, reportExtras(result));
    });
  }

  function verifyPresentation(input: unknown, options: VerifyOptions = {}): Promise<VerificationReport> {
    return withDeadline(options, (deadline) => verifyPresentationWithin(input, options, deadline));
  }

  async function verifyPresentationWithin(input: unknown, options: VerifyOptions, deadline: Deadline): Promise<VerificationReport> {
    const context = contextFor(options);
    const result = await runFormat('presentation', input, context, deadline);
    const checks = [...result.checks, ...(await commonChecks(result, context, 'presentation', { deadline, followCredentialStatus: true }))];
    const held = result.heldCredentials ?? [];
    if (held.length > MAX_HELD_CREDENTIALS) {
      checks.push(failed('credential', 'INVALID_INPUT', `a presentation may hold at most ${MAX_HELD_CREDENTIALS} credentials`));
    }
    // Each held credential is verified in full, in any format, with the same clock and deadline.
    const credentials = await Promise.all(
      held.slice(0, MAX_HELD_CREDENTIALS).map((credential) =>
        verifyCredential(credential, {
          now: context.now,
          deadline,
          ...(options.admitCanonicalization === undefined ? {} : { admitCanonicalization: options.admitCanonicalization }),
          ...(options.keyBindingMaxAge === undefined ? {} : { keyBindingMaxAge: options.keyBindingMaxAge }),
        }),
      ),
    );
    // A label held with the credentials it covers: the presentation-level check compares digests,
    // and binds the label to whoever presents it (the DID its proof's key belongs to).
    if (deps.checkCompliance !== undefined) {
      const holder = provenHolder(result);
      // Companions as they stood in the presentation, proofs included: a Tagus gx:integrity covers the proof.
      const presented = credentials.map((other, i) => {
        const sent = held[i];
        return other.document === undefined ? undefined : isObject(sent) && sent['proof'] !== undefined ? sent : other.document;
      });
      for (const report of credentials) {
        if (report.document === undefined) continue;
        const others = credentials
          .map((other, i) => ({ other, sent: presented[i] }))
          .filter((pair): pair is { other: (typeof credentials)[number]; sent: JsonObject } => pair.other !== report && pair.sent !== undefined);
        const companions = others.map(({ sent }) => sent);
        // A covered credential revoked or suspended since the label was issued fails the
        // presentation itself (COVERED_CREDENTIAL_REVOKED), not only its own report.
        const companionStatuses = others.map(({ other }) => {
          const statuses = other.checks.filter((c) => c.check === 'status');
          return statuses.find((c) => !c.verified) ?? statuses[0];
        });
        const complianceCheck = await deps.checkCompliance(report.document, { now: context.now, companions, companionStatuses, holder });
        if (complianceCheck !== undefined) checks.push(complianceCheck);
      }
    }
    const extras = reportExtras(result);
    if (context.challenge === undefined) extras.warnings = [...(extras.warnings ?? []), NO_CHALLENGE_WARNING];
    return makeReport(result.format, checks, { ...extras, credentials });
  }

  return { verifyCredential, verifyPresentation };
}

/** The holder a presentation's proof and key binding vouch for; undefined when either failed. */
function provenHolder(result: Readonly<FormatResult>): string | undefined {
  const bound = result.checks.every((c) => !['format', 'proof', 'key-binding'].includes(c.check) || c.verified);
  return bound ? result.issuer : undefined;
}

function reportExtras(result: Readonly<FormatResult>): Partial<VerificationReport> {
  const extras: Partial<VerificationReport> = { warnings: [...(result.warnings ?? [])] };
  if (result.document !== undefined) extras.document = result.document;
  const issuer = result.issuer ?? (result.document ? issuerId(result.document) : undefined);
  if (issuer !== undefined) extras.issuer = issuer;
  return extras;
}

function validUntilOf(document: JsonObject): Date | undefined {
  const value = document['validUntil'] ?? document['expirationDate'];
  if (typeof value !== 'string') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
