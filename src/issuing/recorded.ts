/**
 * Issuing with records: nothing leaves the service unless the credential row and its audit entry
 * were committed in one transaction (a signed presentation: unless its audit entry was appended). Order: (1) claim the idempotency key, (2) sign, (3) one
 * transaction writes the credential, its status allocations and its audit entry and completes the
 * key, (4) answer. If the database is down the caller gets 503 and the signed credential is dropped.
 * @see https://datatracker.ietf.org/doc/draft-ietf-httpapi-idempotency-key-header/
 */
import { hash } from 'node:crypto';
import { claimIdempotencyKey } from '../storage/idempotency.js';
import { newCredentialId } from '../credentials/ids.js';
import { holderId, issuerId, isObject, type JsonObject } from '../credentials/index.js';
import { memberOfActor } from '../access/principal.js';
import type { CredentialVisibility, StatusBitChange } from '../storage/store.js';
import type { AuditRepository, CredentialRepository, IdempotencyRepository } from '../storage/repositories.js';
import type { StatusListAllocator } from '../status-lists/allocator.js';
import { claimsOfSignedJwt, type IssueOptions, type IssuedCredential, type Issuer, type PresentOptions, type SignedPresentation } from './index.js';
import type { StatusSlot } from '../status-lists/allocator.js';
import { GxTrustError } from '../errors.js';
import { slotsOf, statusRequestsIn, type StatusOption } from './vc-api-options.js';

/** What recorded issuance writes: credentials (with their audit entries), presentation entries, idempotency keys. */
export type RecordingStore = AuditRepository & CredentialRepository & IdempotencyRepository;

export interface IssueRequestContext {
  /** Who asks: the member or API key id recorded in the audit log. */
  actor: string;
  idempotencyKey?: string;
}

export type { StatusPurposeOption } from './vc-api-options.js';

/**
 * `credentialStatus: true` means revocation; a list names the purposes (one list entry each), by
 * name or as BitstringStatusListEntry requests (vc-api-options.ts).
 * `visibility` ('private' by default) and `series` (what onboarding the same party again
 * supersedes) are kept beside the credential, not signed into it.
 */
export type RecordedIssueOptions = IssueOptions & {
  credentialStatus?: StatusOption | undefined;
  visibility?: CredentialVisibility | undefined;
  series?: string | undefined;
  /** The member that owns the record when it is not the caller's own (an admin's offer to a member's wallet). */
  owner?: string | undefined;
  /** Onboarding again: the set this credential's transaction revokes and marks as superseded by it. */
  supersede?: { changes: readonly StatusBitChange[]; ids: readonly string[] } | undefined;
};

export interface RecordingIssuer {
  issueCredential(credential: unknown, options: RecordedIssueOptions, context: IssueRequestContext): Promise<IssuedCredential>;
  /** Signs, then appends a `presentation.signed` entry (actor, holder, digest); returns nothing unless the entry is stored. */
  signPresentation(presentation: unknown, options: PresentOptions, context: Pick<IssueRequestContext, 'actor'>): Promise<SignedPresentation>;
  /** A Tagus-form credential (JsonWebSignature2020), stored with its audit entry in one transaction. */
  issueJsonWebSignature2020(credential: unknown, context: Pick<IssueRequestContext, 'actor'>): Promise<JsonObject>;
}

/**
 * The entries to allocate, one per purpose: the status route names the entry it changes by its
 * purpose. The same purpose asked twice alike (the option and the credential) is one entry; asked
 * twice differently (two widths, two sets of messages) it is refused.
 */
function statusSlots(option: RecordedIssueOptions['credentialStatus'], profile: IssueOptions['profile'], requested: readonly StatusSlot[], pointer: string): StatusSlot[] {
  // Gaia-X credentials are revocable by default: a compliance decision must be able to withdraw them.
  const asked = slotsOf(option, '/options/credentialStatus') ?? (profile === 'gaia-x-danube' && requested.length === 0 ? [{ purpose: 'revocation' as const, statusSize: 1 }] : []);
  const slots = new Map<string, StatusSlot>();
  for (const slot of [...asked, ...requested]) {
    const same = slots.get(slot.purpose);
    if (same === undefined) slots.set(slot.purpose, slot);
    else if (JSON.stringify(same) !== JSON.stringify(slot)) {
      throw new GxTrustError('INVALID_INPUT', `two different ${slot.purpose} entries are asked for; a credential gets one entry of each purpose`, {
        pointer,
        hint: `Ask for the ${slot.purpose} entry once (in options.credentialStatus or in the credential's credentialStatus)`,
      });
    }
  }
  return [...slots.values()];
}

export function sha256Digest(text: string): string {
  // One-shot (Node >= 20.12): no Hash object per issuance.
  return `sha256:${hash('sha256', text, 'hex')}`;
}

export function createRecordingIssuer(deps: {
  issuer: Issuer;
  store: RecordingStore;
  allocator: StatusListAllocator;
  /**
   * TEST-ONLY fault hook (config GX_TEST_CRASH_AT, refused outside development): SIGKILL this
   * process at that step, so crash tests hit it deterministically (test/replicas/crash.test.ts).
   */
  testCrashAt?: 'after-sign' | 'before-commit' | undefined;
}): RecordingIssuer {
  const crashAt = (step: 'after-sign' | 'before-commit'): void => {
    if (deps.testCrashAt === step) process.kill(process.pid, 'SIGKILL');
  };
  async function issueCredential(credential: unknown, rawOptions: RecordedIssueOptions, context: IssueRequestContext): Promise<IssuedCredential> {
    const { credentialStatus: statusOption, visibility, series, supersede, owner, ...options } = rawOptions;
    const key = context.idempotencyKey === undefined ? undefined : `${context.actor}:${context.idempotencyKey}`;
    if (key !== undefined) {
      const replay = await claimIdempotencyKey(deps.store, context.idempotencyKey!, key, { credential, options: rawOptions });
      if (replay !== undefined) return JSON.parse(replay) as IssuedCredential;
    }
    try {
      // (1) Reserve the status indexes before anything is signed: an index is never reused, so
      // one left behind by a failure below is a harmless gap, never a shared bit. The lists are
      // the credential's issuer's own (a list must have the credential's issuer).
      // Status entries asked for in the credential itself (the VC-API suites' form) join the option's.
      const requested = isObject(credential) ? statusRequestsIn(credential, '/credential/credentialStatus') : undefined;
      const pointer = statusOption !== undefined ? '/options/credentialStatus' : requested?.purposes.length ? '/credential/credentialStatus' : '/options/profile';
      const slots = statusSlots(statusOption, options.profile, requested?.slots ?? [], pointer);
      let toSign = requested?.credential ?? credential;
      const allocations: Awaited<ReturnType<StatusListAllocator['allocate']>>[] = [];
      if (slots.length > 0 && isObject(toSign)) {
        const unsigned: JsonObject = toSign;
        const id = typeof unsigned['id'] === 'string' ? unsigned['id'] : newCredentialId();
        for (const slot of slots) allocations.push(await deps.allocator.allocate(id, slot, issuerId(unsigned), pointer));
        const kept = unsigned['credentialStatus'] === undefined ? [] : Array.isArray(unsigned['credentialStatus']) ? unsigned['credentialStatus'] : [unsigned['credentialStatus']];
        toSign = {
          ...unsigned,
          id,
          credentialStatus: [...kept, ...allocations.map((a) => deps.allocator.statusEntry(a, a.purpose))],
        };
      }
      // (2) Sign.
      const issued = await deps.issuer.issueCredential(toSign, options);
      crashAt('after-sign'); // TEST-ONLY fault hook
      // (3) One transaction: the credential, its allocations, its audit entry (and the idempotency key).
      // A vc+sd-jwt is kept with every disclosure, and recorded as the credential they rebuild.
      const text = issued.format === 'ldp_vc' ? JSON.stringify(issued.verifiableCredential) : issued.format === 'vc+cose' ? issued.cose : issued.jwt;
      const document: JsonObject = issued.format === 'vc+jwt' ? (claimsOfSignedJwt(issued) ?? decodePayload(issued.jwt)) : issued.format === 'ldp_vc' ? issued.verifiableCredential : issued.claims;
      crashAt('before-commit'); // TEST-ONLY fault hook
      await record({
        text,
        document,
        format: formatOf(issued, document),
        actor: context.actor,
        allocations,
        visibility: visibility ?? 'private',
        series: series ?? null,
        ...(owner === undefined ? {} : { owner }),
        ...(key === undefined ? {} : { idempotency: { key, response: JSON.stringify(issued) } }),
        ...(supersede === undefined ? {} : { supersede }),
      });
      return issued;
    } catch (error) {
      if (key !== undefined) await deps.store.abandonIdempotent(key).catch(() => undefined);
      throw error;
    }
  }
  async function signPresentation(presentation: unknown, options: PresentOptions, context: Pick<IssueRequestContext, 'actor'>): Promise<SignedPresentation> {
    const signed = await deps.issuer.signPresentation(presentation, options);
    // The digest is of what the holder receives; the holder is read from the signed claims (a
    // vp+sd-jwt may hide it in a disclosure, a vp+cose has no JWT payload to decode).
    const text = signed.format === 'vp+jwt' || signed.format === 'vp+sd-jwt' ? signed.jwt : signed.format === 'vp+cose' ? signed.cose : JSON.stringify(signed.verifiablePresentation);
    const document = signed.format === 'vp+jwt' ? decodePayload(signed.jwt) : signed.format === 'ldp_vp' ? signed.verifiablePresentation : signed.claims;
    const holder = holderId(document) ?? '';
    // A presentation is not stored (the holder keeps it), but who had which DID sign what is
    // audited as issuance is: the entry is appended before the signed presentation leaves.
    await deps.store.appendAudit({
      actor: context.actor,
      action: 'presentation.signed',
      subject: holder,
      digests: { presentation: sha256Digest(text) },
      details: { format: signed.format, holder },
    });
    return signed;
  }

  async function issueJsonWebSignature2020(credential: unknown, context: Pick<IssueRequestContext, 'actor'>): Promise<JsonObject> {
    const signed = await deps.issuer.issueJsonWebSignature2020(credential);
    await record({ text: JSON.stringify(signed), document: signed, format: 'JsonWebSignature2020', actor: context.actor, allocations: [], visibility: 'private', series: null });
    return signed;
  }

  /**
   * The recorded-issuance step every signed credential takes, whatever its format: the credential
   * row, its status allocations, its `credential.issued` audit entry (and the idempotency key) in
   * one transaction. Nothing signed leaves unless this committed.
   */
  async function record(signed: {
    text: string;
    document: JsonObject;
    format: string;
    actor: string;
    allocations: readonly Awaited<ReturnType<StatusListAllocator['allocate']>>[];
    visibility: CredentialVisibility;
    series: string | null;
    /** The member that owns the record when it is not the caller's own (an admin's wallet offer for a member). */
    owner?: string;
    idempotency?: { key: string; response: string };
    supersede?: NonNullable<RecordedIssueOptions['supersede']>;
  }): Promise<void> {
    const { document, format, actor, allocations } = signed;
    const id = String(document['id']);
    const digest = sha256Digest(signed.text);
    await deps.store.recordIssuance({
      credential: {
        id,
        types: typesOf(document),
        subject: subjectOf(document),
        issuer: issuerId(document) ?? '',
        format,
        digest,
        // A wider entry's width and messages are kept with it: the status route checks a value
        // against them and answers with its message, whatever format the credential was signed in.
        statusEntries: allocations.map(({ listId, index, purpose, statusSize, statusMessage }) => ({
          listId,
          index,
          purpose,
          ...(statusSize === 1 ? {} : { statusSize }),
          ...(statusMessage === undefined ? {} : { statusMessage }),
        })),
        issuedBy: actor,
        credential: signed.text,
      },
      allocations: allocations.map(({ listId, index, credentialId, reservedAs }) => ({ listId, index, credentialId, ...(reservedAs === undefined ? {} : { reservedAs }) })),
      audit: { actor, action: 'credential.issued', subject: id, digests: { credential: digest }, details: { format, types: typesOf(document) } },
      ...(signed.idempotency === undefined ? {} : { idempotency: signed.idempotency }),
      // The member whose key asked owns the record: it lists it, reads it, changes its visibility.
      metadata: { ownerMemberId: signed.owner ?? memberOfActor(actor) ?? null, visibility: signed.visibility, series: signed.series },
      ...(signed.supersede === undefined ? {} : { supersede: signed.supersede }),
    });
  }

  return { issueCredential, signPresentation, issueJsonWebSignature2020 };
}

function decodePayload(jwt: string): JsonObject {
  const payload = jwt.split('.')[1] ?? '';
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as JsonObject;
}

function typesOf(document: JsonObject): string[] {
  const type = document['type'];
  return (Array.isArray(type) ? type : [type]).filter((t): t is string => typeof t === 'string');
}

function subjectOf(document: JsonObject): string | null {
  const subject = Array.isArray(document['credentialSubject']) ? document['credentialSubject'][0] : document['credentialSubject'];
  return isObject(subject) && typeof subject['id'] === 'string' ? subject['id'] : null;
}

function formatOf(issued: IssuedCredential, document: JsonObject): string {
  if (issued.format !== 'ldp_vc') return issued.format;
  const proof = document['proof'];
  const first = Array.isArray(proof) ? proof[0] : proof;
  if (isObject(first)) return String(first['cryptosuite'] ?? first['type']);
  return 'ldp_vc';
}
