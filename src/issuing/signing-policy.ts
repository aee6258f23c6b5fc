/**
 * The signing policy: every signature made with a key the service holds (its did:web, the did:key
 * forms of its Ed25519, P-256, P-384, P-521 and BLS12-381 keys, and the keys of the members it hosts) passes through the
 * table below, which names, per module, who may ask, as which DID it signs, and which credential
 * types it signs. A module never receives the issuer or a key: createService hands each one a
 * scoped signer (`signerFor('compliance')`), which checks every request against that module's rows
 * before it reaches the issuer. So a label can only come from the compliance engine, a status list
 * only from the status-list module, a Danube participant or offering credential as the service
 * only from onboarding, whatever a route forgets to check.
 *
 * The VC-API module (`credentials-api`) signs only as the issuer the credential names: a caller
 * may sign as several DIDs (an admin as the service's did:web or one of its did:keys, or as a
 * hosted member), and VC-API leaves the choice to the caller, so a credential without `issuer` is
 * 400 INVALID_INPUT at its `/issuer`, with a hint naming the DIDs this caller may sign as. The
 * modules that sign as one DID their rows fix (onboarding and compliance as the service's did:web)
 * fill it in.
 *
 * Types are judged on the expanded JSON-LD (credential-claims.ts): the credential's types and its
 * subjects' types. A refusal of what was submitted is 422 SIGNING_NOT_ALLOWED; a caller asking
 * for a DID it may not sign as, or sign for, is 403 FORBIDDEN with an `authorization.denied` entry.
 *
 * Outside this policy, and not credentials: audit checkpoints (src/audit/checkpoints.ts) are signed
 * with the service's Ed25519 key, over a tree head (size, root hash) that no request shapes; and in
 * development the keyring's own CA signs the service's certificate chain once, at start.
 */
import type { Role } from '../access/principal.js';
import { isObject, issuerId, holderId, assertPresentable, assertIssuableCredential, typedPropertyFaults, type JsonObject } from '../credentials/index.js';
import { GX, GX_2511, IPCEI, TAGUS_GX } from '../danube/namespaces.js';
import { REGISTRATION_NUMBER_CLASSES } from '../danube/ontology.js';
import { pointerOfTerm, undefinedPrefixMessage } from '../danube/vocabulary.js';
import { GxTrustError, type ErrorCode } from '../errors.js';
import type { Keyring } from '../keyring/index.js';
import type { AuditRepository } from '../storage/repositories.js';
import { createClaimsReader, VERIFIABLE_CREDENTIAL, VC_VOCABULARY, type ClaimsReader, type CredentialClaims } from './credential-claims.js';
import type { IssuedCredential, Issuer, PresentOptions, SignedPresentation } from './index.js';
import type { RecordedIssueOptions, RecordingIssuer } from './recorded.js';

/** The parts of gx-trust that have something signed. */
export type SigningModule = 'credentials-api' | 'participants' | 'service-offerings' | 'compliance' | 'status-lists' | 'presentations' | 'wallets';

/** Who asks: a caller's role, or `service`: the service itself, on no caller's behalf (a status list re-signed for a GET). */
export type CallerRole = Role | 'service';

export interface SigningCaller {
  /** Recorded in the audit log. */
  actor: string;
  role: CallerRole;
  /** A member's DIDs: what it may sign as and sign for. */
  dids?: readonly string[] | undefined;
}

/** The service acting on its own initiative. */
export const SERVICE_CALLER: SigningCaller = { actor: 'service', role: 'service' };

/**
 * As which DID a row signs. `own-member`: a member DID this service hosts that the caller may act
 * as: a member its own; an admin any hosted member.
 */
export type SigningIdentity = 'service-did-web' | 'service-did-key' | 'own-member';

/**
 * A type IRI, or every type of a vocabulary. `written`: the spellings (a bare name, a CURIE; for a
 * vocabulary, CURIE prefixes) that readers which compare strings instead of expanding also take
 * for it: our own label check reads `LabelCredential` as a label under any context.
 */
export type TypeMatcher = { iri: string; written?: readonly string[] } | { namespace: string; written?: readonly string[] };

export interface SigningRule {
  module: SigningModule;
  signs: 'credential' | 'presentation';
  callers: readonly CallerRole[];
  as: readonly SigningIdentity[];
  /**
   * Credentials only: the credential's and its subjects' types (VerifiableCredential aside).
   * `only`: at least one, and none outside the list; `except`: none of these.
   */
  types?: { only: readonly TypeMatcher[] } | { except: readonly TypeMatcher[] };
  /**
   * `on-behalf-of`: the module signs for one party (onboarding: the participant), which the caller
   * must be allowed to act for; every subject, and every identified node the credential states
   * something about, is that party's DID or a `did#fragment` under it; a credential id, if the
   * draft names one, is a urn:uuid.
   */
  subjects: 'any' | 'on-behalf-of';
  /**
   * Whether each signature is stored with its audit entry before it leaves (credentials) or
   * audited (presentations). Status lists are not: they are re-signed from the stored bitstring
   * for every ttl, and each change to a bit is itself an audited transaction.
   */
  recorded: boolean;
}

const STATUS = 'https://www.w3.org/ns/credentials/status#';
export { TAGUS_GX };

const gx = (local: string): TypeMatcher => ({ iri: `${GX}${local}`, written: [`gx:${local}`, local] });
const ipcei = (local: string): TypeMatcher => ({ iri: `${IPCEI}${local}`, written: [`ipcei:${local}`, local] });

export const LABEL_CREDENTIAL: TypeMatcher = gx('LabelCredential');
/** The Tagus compliance credential is a plain VerifiableCredential whose subjects are `gx:compliance`. */
export const TAGUS_COMPLIANCE: TypeMatcher = { iri: `${TAGUS_GX}compliance`, written: ['gx:compliance'] };
export const STATUS_LIST_TYPES: readonly TypeMatcher[] = ['BitstringStatusListCredential', 'BitstringStatusList'].map((local) => ({ iri: `${STATUS}${local}`, written: [local] }));

/** What only the service attests, after its own checks: nobody else may have them signed here. */
export const SERVICE_ATTESTATION_TYPES: readonly TypeMatcher[] = [LABEL_CREDENTIAL, TAGUS_COMPLIANCE, ...STATUS_LIST_TYPES];

/** POST /participants: the LegalPerson, the registration-number classes, the Issuer (terms and conditions). */
export const PARTICIPANT_TYPES: readonly TypeMatcher[] = ['LegalPerson', ...REGISTRATION_NUMBER_CLASSES, 'Issuer'].map(gx);

/**
 * POST /service-offerings: the offering, the resource classes the Danube shapes check, and the
 * IPCEI-AI profile nodes (src/danube/shapes/*.ttl). Nodes inside them (addresses, terms, model
 * cards) are not credential types and are judged by the shapes.
 */
export const SERVICE_OFFERING_TYPES: readonly TypeMatcher[] = [
  ...['ServiceOffering', 'DigitalServiceOffering', 'DataProduct', 'VirtualResource', 'SoftwareResource', 'PhysicalResource'].map(gx),
  ...['AIModelProfile', 'DatasetProfile', 'IpceiParticipation'].map(ipcei),
];

/** Every Gaia-X and IPCEI-AI type: as the service, these come only from the modules that check them. */
const GAIA_X_VOCABULARIES: readonly TypeMatcher[] = [{ namespace: GX, written: ['gx:', GX_2511] }, { namespace: TAGUS_GX }, { namespace: IPCEI, written: ['ipcei:'] }];

/** The table. docs/security.md, "The security model, in short", shows it per route. */
export const SIGNING_POLICY: readonly SigningRule[] = [
  // VC-API issuance as the service: generic credentials (the W3C suites' kind), never a type the
  // service attests only after a check.
  { module: 'credentials-api', signs: 'credential', callers: ['admin'], as: ['service-did-web', 'service-did-key'], types: { except: [...GAIA_X_VOCABULARIES, ...SERVICE_ATTESTATION_TYPES] }, subjects: 'any', recorded: true },
  // As a hosted member: its own statements (a self-signed LegalPerson included), never the service's attestations.
  { module: 'credentials-api', signs: 'credential', callers: ['admin', 'member'], as: ['own-member'], types: { except: SERVICE_ATTESTATION_TYPES }, subjects: 'any', recorded: true },
  { module: 'participants', signs: 'credential', callers: ['admin', 'member'], as: ['service-did-web'], types: { only: PARTICIPANT_TYPES }, subjects: 'on-behalf-of', recorded: true },
  { module: 'service-offerings', signs: 'credential', callers: ['admin', 'member'], as: ['service-did-web'], types: { only: SERVICE_OFFERING_TYPES }, subjects: 'on-behalf-of', recorded: true },
  { module: 'compliance', signs: 'credential', callers: ['admin', 'member'], as: ['service-did-web'], types: { only: [LABEL_CREDENTIAL, TAGUS_COMPLIANCE] }, subjects: 'any', recorded: true },
  // Each issuing DID's own lists (a list must have its credentials' issuer): the service re-signs
  // them for GETs, on no caller's behalf, as the DID whose list it is.
  { module: 'status-lists', signs: 'credential', callers: ['service'], as: ['service-did-web', 'service-did-key', 'own-member'], types: { only: STATUS_LIST_TYPES }, subjects: 'any', recorded: false },
  // OpenID4VCI (src/wallets/): a copy of a stored Gaia-X credential, as its original issuer, bound
  // to the wallet's key, for the member (or admin) who offered it. The module copies what it finds
  // in the store; it never takes claims from the wallet, which names a configuration and a key only.
  { module: 'wallets', signs: 'credential', callers: ['admin', 'member'], as: ['service-did-web', 'own-member'], types: { only: [...PARTICIPANT_TYPES, ...SERVICE_OFFERING_TYPES, LABEL_CREDENTIAL] }, subjects: 'any', recorded: true },
  { module: 'presentations', signs: 'presentation', callers: ['admin'], as: ['service-did-web', 'service-did-key', 'own-member'], subjects: 'any', recorded: true },
  { module: 'presentations', signs: 'presentation', callers: ['member'], as: ['own-member'], subjects: 'any', recorded: true },
];

/**
 * Modules whose callers choose the issuer (W3C VC-API: the issuer is part of the request), so a
 * credential that names none is refused rather than signed as a DID the caller did not pick.
 */
export const ISSUER_NAMED_BY_CALLER: ReadonlySet<SigningModule> = new Set(['credentials-api']);

export interface SigningRequest {
  caller: SigningCaller;
  /** Rows with `subjects: 'on-behalf-of'`: the DID the module signs for. */
  onBehalfOf?: string;
  idempotencyKey?: string;
  /** Where the document sits in the request body, for pointers (default `/credential`, `/presentation`). */
  pointer?: string;
}

/** Why the policy would not sign a credential: a finding about the input, not about the caller. */
export interface SigningRefusal {
  /** `validity`: what the issuer would refuse about the validity period (issuing/index.ts validityPeriod). */
  reason: 'type' | 'subject' | 'validity';
  /** The error code when the refusal has one of its own (INVALID_DATE, VALIDITY_BEYOND_CERTIFICATE). */
  code?: ErrorCode;
  message: string;
  /** Into the credential (without the request's prefix). */
  pointer: string;
  hint: string;
}

export interface CredentialReview {
  refusal?: SigningRefusal;
  claims: CredentialClaims;
}

/** A module's only way to have something signed: every call is judged against its rows. */
export interface ScopedSigner {
  readonly module: SigningModule;
  /** What a credential states, as the policy reads it (expanded types, subjects, stated-about nodes). */
  read(credential: JsonObject): Promise<CredentialClaims>;
  /** 403 (audited) unless the caller may have this module sign for `did`. */
  authorizeOnBehalfOf(caller: SigningCaller, did: string): Promise<void>;
  /**
   * What signing this credential would meet: a refusal to report as a finding, or none. Caller
   * faults throw 403. With `options`, the validity period is judged as issueCredential would.
   */
  review(credential: JsonObject, request: SigningRequest, options?: RecordedIssueOptions): Promise<CredentialReview>;
  issueCredential(credential: unknown, options: RecordedIssueOptions, request: SigningRequest): Promise<IssuedCredential>;
  /** Tagus form (JsonWebSignature2020, service did:web only), stored and audited. */
  issueJsonWebSignature2020(credential: unknown, request: SigningRequest): Promise<JsonObject>;
  signPresentation(presentation: unknown, options: PresentOptions, request: SigningRequest): Promise<SignedPresentation>;
}

export interface SigningPolicy {
  readonly rules: readonly SigningRule[];
  signerFor(module: SigningModule): ScopedSigner;
}

export interface SigningPolicyDependencies {
  /** Signs without records: used only for rows with `recorded: false`. */
  issuer: Issuer;
  recordingIssuer: RecordingIssuer;
  keyring: Pick<Keyring, 'did' | 'didKey' | 'didKeys' | 'bbsKey'>;
  /** The DID is a member DID of this service. */
  hostsMember: (did: string) => boolean;
  /** Where refusals of a caller are recorded (`authorization.denied`). */
  audit: Pick<AuditRepository, 'appendAudit'>;
  rules?: readonly SigningRule[];
  /** Each decision, for the `gx_signatures_total` metric. */
  onDecision?: (module: SigningModule, outcome: 'signed' | 'refused') => void;
  claims?: ClaimsReader;
}

const COMPACT_PREFIXES: readonly [string, string][] = [[GX, 'gx:'], [GX_2511, 'gx:'], [IPCEI, 'ipcei:'], [TAGUS_GX, 'gx(22.10):'], [VC_VOCABULARY, ''], [STATUS, '']];

/** `https://w3id.org/gaia-x/development#LabelCredential` -> `gx:LabelCredential`, for messages. */
export function compactType(iri: string): string {
  const found = COMPACT_PREFIXES.find(([namespace]) => iri.startsWith(namespace));
  return found === undefined ? iri : found[1] + iri.slice(found[0].length);
}

/** The context serves both the development and the 25.11 namespace; they name one vocabulary. */
const normalizeType = (iri: string): string => (iri.startsWith(GX_2511) ? GX + iri.slice(GX_2511.length) : iri);

function matches(iri: string, matcher: TypeMatcher): boolean {
  return 'iri' in matcher ? iri === matcher.iri : iri.startsWith(matcher.namespace);
}

/** A type as written in the JSON, compared as string-matching readers compare it. */
function matchesWritten(type: string, matcher: TypeMatcher): boolean {
  if (matches(type, matcher)) return true;
  const written = matcher.written ?? [];
  return 'iri' in matcher ? written.includes(type) : written.some((prefix) => type.startsWith(prefix));
}

/** The `type` strings of the credential and of its subjects, as sent. */
function writtenTypes(credential: JsonObject): string[] {
  const of = (node: unknown) => (isObject(node) ? [node['type'], node['@type']].flatMap((v) => (Array.isArray(v) ? v : [v])).filter((t): t is string => typeof t === 'string') : []);
  const subjects = credential['credentialSubject'];
  return [...of(credential), ...(Array.isArray(subjects) ? subjects : [subjects]).flatMap(of)];
}

function describeMatchers(matchers: readonly TypeMatcher[]): string {
  return matchers.map((m) => ('iri' in m ? compactType(m.iri) : `any ${compactType(m.namespace)}* type`)).join(', ');
}

const DEFAULT_POINTER = { credential: '/credential', presentation: '/presentation' } as const;

/** `did:web:a.example#x` is under `did:web:a.example`; `did:web:a.example:b` is another DID. */
export function isUnder(id: string, did: string): boolean {
  return id === did || (id.startsWith(`${did}#`) && id.length > did.length + 1);
}

/** Where a type is written in the JSON: the credential's or a subject's `type`, by local name. */
function typePointer(credential: JsonObject, iri: string): string {
  const local = iri.slice(Math.max(iri.lastIndexOf('#'), iri.lastIndexOf('/'), iri.lastIndexOf(':')) + 1);
  const written = (value: unknown) => (Array.isArray(value) ? value : [value]).findIndex((t) => typeof t === 'string' && (t === iri || t.endsWith(local)));
  const own = written(credential['type']);
  if (own !== -1) return Array.isArray(credential['type']) ? `/type/${own}` : '/type';
  const subjects = credential['credentialSubject'];
  const list = Array.isArray(subjects) ? subjects : [subjects];
  for (const [index, subject] of list.entries()) {
    if (!isObject(subject)) continue;
    const at = written(subject['type']);
    if (at === -1) continue;
    const base = Array.isArray(subjects) ? `/credentialSubject/${index}` : '/credentialSubject';
    return Array.isArray(subject['type']) ? `${base}/type/${at}` : `${base}/type`;
  }
  return '/type';
}

/** `a`, `a or b`, `a, b or c`. */
function listOf(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)!}`;
}

export function createSigningPolicy(deps: SigningPolicyDependencies): SigningPolicy {
  const rules = deps.rules ?? SIGNING_POLICY;
  const readClaims = deps.claims ?? createClaimsReader();
  // The BLS12-381 did:key too: it signs bbs-2023 only, its credentials and its own status lists alike.
  const bbsDidKey = deps.keyring.bbsKey()?.didKey.did;
  const serviceDidKeys = new Set([...deps.keyring.didKeys().map((identity) => identity.did), ...(bbsDidKey === undefined ? [] : [bbsDidKey])]);

  function identityOf(did: string): SigningIdentity | undefined {
    if (did === deps.keyring.did) return 'service-did-web';
    if (serviceDidKeys.has(did)) return 'service-did-key';
    if (deps.hostsMember(did)) return 'own-member';
    return undefined;
  }

  /** A member acts as and for its own DIDs only; an admin and the service for anyone. */
  function mayActFor(caller: SigningCaller, did: string): boolean {
    if (caller.role === 'admin' || caller.role === 'service') return true;
    return caller.role === 'member' && (caller.dids ?? []).includes(did);
  }

  function signerFor(module: SigningModule): ScopedSigner {
    const moduleRules = rules.filter((rule) => rule.module === module);
    if (moduleRules.length === 0) throw new GxTrustError('INTERNAL', `the signing policy has no row for ${module}`);

    async function deny(caller: SigningCaller, subject: string, reason: string, hint: string): Promise<GxTrustError> {
      deps.onDecision?.(module, 'refused');
      await deps.audit.appendAudit({
        actor: caller.actor,
        action: 'authorization.denied',
        subject,
        digests: {},
        details: { role: caller.role, module, reason },
      });
      return new GxTrustError('FORBIDDEN', reason, { hint, denialRecorded: true });
    }

    /** This caller's rows for `signs`, or the refusal (403, audited) when it has none. */
    async function callerRulesFor(signs: SigningRule['signs'], caller: SigningCaller, subject: string): Promise<SigningRule[]> {
      const callerRules = moduleRules.filter((rule) => rule.signs === signs && rule.callers.includes(caller.role));
      if (callerRules.length === 0) {
        throw await deny(caller, subject, `the ${caller.role} role may not have ${module} sign a ${signs}`, 'Use an API key with the member or admin role');
      }
      return callerRules;
    }

    /**
     * The DIDs this caller's rows let it sign as, for hints: the service's own DIDs by name, a
     * member's own DIDs, and for an admin "any hosted member" (listing them all would not fit).
     */
    function signableAs(callerRules: readonly SigningRule[], caller: SigningCaller): string[] {
      const as = new Set(callerRules.flatMap((rule) => rule.as));
      const dids: string[] = [];
      if (as.has('service-did-web')) dids.push(deps.keyring.did);
      if (as.has('service-did-key')) dids.push(...serviceDidKeys);
      if (as.has('own-member')) {
        if (caller.role === 'member') dids.push(...(caller.dids ?? []));
        else dids.push('the DID of a member this service hosts');
      }
      return dids;
    }

    /** "Sign as A, B or C", with "or leave it out" only where the module fills in a default. */
    function signAsHint(callerRules: readonly SigningRule[], caller: SigningCaller, signs: SigningRule['signs']): string {
      const dids = signableAs(callerRules, caller);
      if (dids.length === 0) return 'Ask an admin for a member API key';
      const listed = listOf(dids);
      const defaulted = signs === 'presentation' || !ISSUER_NAMED_BY_CALLER.has(module);
      return `Sign as ${listed}${defaulted ? ', or leave it out' : ''}`;
    }

    /** The row that lets this caller sign as `did`, or the refusal. */
    async function ruleFor(signs: SigningRule['signs'], caller: SigningCaller, did: string, pointer: string): Promise<SigningRule> {
      const callerRules = await callerRulesFor(signs, caller, did);
      const identity = identityOf(did);
      if (identity === undefined && caller.role !== 'member') {
        // Not a key this service holds: nobody's authorization, a request it cannot carry out.
        throw new GxTrustError('INVALID_INPUT', `gx-trust holds no key of ${did}`, { pointer, hint: signAsHint(callerRules, caller, signs) });
      }
      const rule = callerRules.find((r) => identity !== undefined && r.as.includes(identity) && (identity !== 'own-member' || mayActFor(caller, did)));
      if (rule === undefined) {
        throw await deny(caller, did, `this API key may not have ${module} sign as ${did}`, signAsHint(callerRules, caller, signs));
      }
      return rule;
    }

    /**
     * The DID a request signs as when the document names none. The VC-API module signs as no
     * default: 400 at the pointer, naming what this caller may sign as. Elsewhere: a member's own
     * where the module lets members sign as themselves (a member never gets the service's
     * signature by leaving the issuer out), else the service's did:web (onboarding, compliance,
     * status lists).
     */
    async function defaultIdentity(signs: SigningRule['signs'], caller: SigningCaller, pointer: string): Promise<string> {
      const callerRules = await callerRulesFor(signs, caller, module);
      if (signs === 'credential' && ISSUER_NAMED_BY_CALLER.has(module)) {
        const dids = signableAs(callerRules, caller);
        // A member key without a DID may sign as nobody: an authorization matter, as when it names one.
        if (dids.length === 0) throw await deny(caller, module, 'this API key belongs to no member and may not sign', 'Ask an admin for a member API key');
        deps.onDecision?.(module, 'refused');
        throw new GxTrustError('INVALID_INPUT', 'the credential names no issuer: VC-API signs as the issuer the request names, never a default', {
          pointer,
          hint: `Name the issuer: ${listOf(dids)}`,
        });
      }
      const asSelf = callerRules.some((rule) => rule.as.includes('own-member'));
      if (caller.role !== 'member' || !asSelf) return deps.keyring.did;
      const own = caller.dids?.[0];
      if (own === undefined) throw await deny(caller, module, 'this API key belongs to no member and may not sign', 'Ask an admin for a member API key');
      return own;
    }

    async function authorizeOnBehalfOf(caller: SigningCaller, did: string): Promise<void> {
      if (mayActFor(caller, did)) return;
      const own = caller.dids ?? [];
      throw await deny(caller, did, `this API key may not have ${module} sign for ${did}`, `Onboard one of your own DIDs: ${own.join(', ') || '(none registered)'}`);
    }

    function judge(rule: SigningRule, credential: JsonObject, did: string, claims: CredentialClaims, request: SigningRequest): SigningRefusal | undefined {
      if (rule.types !== undefined) {
        const types = [...claims.types, ...claims.subjects.flatMap((s) => s.types)].map(normalizeType).filter((t) => t !== VERIFIABLE_CREDENTIAL);
        if ('only' in rule.types) {
          const allowed = rule.types.only;
          const outside = types.find((t) => !allowed.some((m) => matches(t, m)));
          if (outside !== undefined || types.length === 0) {
            return {
              reason: 'type',
              message: outside === undefined
                ? `${module} signs no credential without a type; this one is only a VerifiableCredential`
                : `${module} does not sign ${compactType(outside)}`,
              pointer: outside === undefined ? '/type' : typePointer(credential, outside),
              hint: `${module} signs only ${describeMatchers(allowed)}`,
            };
          }
        } else {
          const forbidden = rule.types.except;
          // Expanded, and as written: a reader that matches strings must not take a generic
          // credential for a label either.
          const reserved = types.find((t) => forbidden.some((m) => matches(t, m))) ??
            writtenTypes(credential).find((t) => forbidden.some((m) => matchesWritten(t, m)));
          if (reserved !== undefined) {
            return {
              reason: 'type',
              message: `${module} does not sign ${compactType(reserved)} as ${did}`,
              pointer: typePointer(credential, reserved),
              hint: module === 'credentials-api'
                ? 'Labels come from POST /compliance, status lists from the service itself, Gaia-X participant and offering credentials from POST /participants and /service-offerings'
                : `${module} signs no ${describeMatchers(forbidden)}`,
            };
          }
        }
      }
      if (rule.subjects === 'on-behalf-of') {
        const owner = request.onBehalfOf;
        if (owner === undefined) throw new GxTrustError('INTERNAL', `${module} signs on behalf of a party, and named none`);
        const subjects = Array.isArray(credential['credentialSubject']) ? 'credentialSubject/0' : 'credentialSubject';
        const blank = claims.subjects.find((s) => s.id === undefined);
        if (blank !== undefined || claims.subjects.length === 0) {
          return { reason: 'subject', message: `every subject ${module} signs names its id (under ${owner})`, pointer: `/${subjects}`, hint: `Give the subject an id such as ${owner}#node` };
        }
        const foreign = [...claims.subjects.map((s) => s.id!), ...claims.statedAbout].find((id) => !isUnder(id, owner));
        if (foreign !== undefined) {
          return {
            reason: 'subject',
            message: `${module} signs statements about ${owner} and its nodes only, not about ${foreign}`,
            pointer: claims.subjects.some((s) => s.id === foreign) ? `/${subjects}/id` : `/${subjects}`,
            hint: `Use ids under ${owner} (${owner}#fragment); link other parties' nodes by id alone`,
          };
        }
        if (claims.id !== undefined && !claims.id.startsWith('urn:uuid:')) {
          return { reason: 'subject', message: `the credential id ${claims.id} is not one gx-trust would give`, pointer: '/id', hint: 'Leave id out: gx-trust names what it issues (urn:uuid:)' };
        }
      }
      return undefined;
    }

    async function reviewed(credential: unknown, request: SigningRequest): Promise<{ rule: SigningRule; document: JsonObject; claims: CredentialClaims; refusal: SigningRefusal | undefined }> {
      const base = request.pointer ?? DEFAULT_POINTER.credential;
      assertIssuableCredential(credential, base === '' ? [] : base.slice(1).split('/'));
      if (module === 'credentials-api') {
        const faults = typedPropertyFaults(credential, base === '' ? [] : base.slice(1).split('/'));
        const [first] = faults;
        if (first !== undefined) throw new GxTrustError(first.code, first.detail, { pointer: first.pointer ?? '', hint: first.hint ?? 'Give every such object its type', errors: faults });
      }
      const named = issuerId(credential);
      const did = named ?? (await defaultIdentity('credential', request.caller, `${base}/issuer`));
      const rule = await ruleFor('credential', request.caller, did, `${base}/issuer`);
      if (rule.subjects === 'on-behalf-of' && request.onBehalfOf !== undefined) await authorizeOnBehalfOf(request.caller, request.onBehalfOf);
      const claims = await readClaims(credential);
      const refusal = judge(rule, credential, did, claims, request);
      const document = named === undefined ? { ...credential, issuer: did } : credential;
      return { rule, document, claims, refusal };
    }

    /**
     * A term written with a known prefix that no context defines (`gx:countryCode` under the VC
     * context alone): signed, it would say nothing Gaia-X to a verifier that expands it, and
     * something Gaia-X to a reader that matches strings. 400, at the first such term.
     */
    function assertPrefixesDefined(credential: JsonObject, claims: CredentialClaims, request: SigningRequest): void {
      if (claims.undefinedTerms.length === 0) return;
      const base = request.pointer ?? DEFAULT_POINTER.credential;
      const errors = claims.undefinedTerms.map((term) => ({
        code: 'PREFIX_NOT_DEFINED' as const,
        pointer: base + (pointerOfTerm(credential, term) ?? ''),
        detail: undefinedPrefixMessage(term).message,
        hint: undefinedPrefixMessage(term).hint,
      }));
      const [first] = errors as [typeof errors[number], ...typeof errors];
      deps.onDecision?.(module, 'refused');
      throw new GxTrustError('PREFIX_NOT_DEFINED', first.detail, { pointer: first.pointer, hint: first.hint, errors });
    }

    function refuse(refusal: SigningRefusal, request: SigningRequest): GxTrustError {
      deps.onDecision?.(module, 'refused');
      return new GxTrustError(refusal.code ?? 'SIGNING_NOT_ALLOWED', refusal.message, { pointer: (request.pointer ?? DEFAULT_POINTER.credential) + refusal.pointer, hint: refusal.hint });
    }

    return {
      module,
      read: readClaims,
      authorizeOnBehalfOf,

      async review(credential, request, options) {
        const { document, claims, refusal: policyRefusal } = await reviewed(credential, request);
        const fault = policyRefusal === undefined && options !== undefined ? deps.issuer.reviewValidity(document, options) : undefined;
        const refusal: SigningRefusal | undefined = policyRefusal ?? (fault === undefined ? undefined : {
          reason: 'validity',
          code: fault.code,
          message: fault.detail,
          pointer: fault.pointer ?? '',
          hint: fault.hint ?? 'Correct the validity period',
        });
        if (refusal !== undefined) deps.onDecision?.(module, 'refused');
        return refusal === undefined ? { claims } : { claims, refusal };
      },

      async issueCredential(credential, options, request) {
        const { rule, document, claims, refusal } = await reviewed(credential, request);
        if (refusal !== undefined) throw refuse(refusal, request);
        assertPrefixesDefined(document, claims, request);
        const context = { actor: request.caller.actor, ...(request.idempotencyKey === undefined ? {} : { idempotencyKey: request.idempotencyKey }) };
        let issued: IssuedCredential;
        if (rule.recorded) {
          issued = await deps.recordingIssuer.issueCredential(document, options, context);
        } else {
          const { credentialStatus: _status, visibility: _visibility, series: _series, supersede: _supersede, owner: _owner, ...plain } = options;
          // The service's own lists go ahead of bbs-2023 issuance: verifiers read them, so waiting
          // behind (or being shed with) an issuance burst would fail every status check of the DID.
          issued = await deps.issuer.issueCredential(document, plain, module === 'status-lists' ? 'status-lists' : 'issuance');
        }
        deps.onDecision?.(module, 'signed');
        return issued;
      },

      async issueJsonWebSignature2020(credential, request) {
        const { rule, document, claims, refusal } = await reviewed(credential, request);
        if (refusal !== undefined) throw refuse(refusal, request);
        assertPrefixesDefined(document, claims, request);
        if (!rule.as.includes('service-did-web') || !rule.recorded) throw new GxTrustError('INTERNAL', `${module} may not issue JsonWebSignature2020 credentials`);
        const signed = await deps.recordingIssuer.issueJsonWebSignature2020(document, { actor: request.caller.actor });
        deps.onDecision?.(module, 'signed');
        return signed;
      },

      async signPresentation(presentation, options, request) {
        const base = request.pointer ?? DEFAULT_POINTER.presentation;
        assertPresentable(presentation, base === '' ? [] : base.slice(1).split('/'));
        const document = presentation;
        const named = holderId(document);
        const did = named ?? (await defaultIdentity('presentation', request.caller, `${base}/holder`));
        const rule = await ruleFor('presentation', request.caller, did, `${base}/holder`);
        if (!rule.recorded) throw new GxTrustError('INTERNAL', `${module} signs presentations without audit`);
        const signed = await deps.recordingIssuer.signPresentation(named === undefined ? { ...document, holder: did } : document, options, { actor: request.caller.actor });
        deps.onDecision?.(module, 'signed');
        return signed;
      },
    };
  }

  return { rules, signerFor };
}
