/**
 * Data Integrity proofs: `DataIntegrityProof` with `eddsa-rdfc-2022` or `ecdsa-rdfc-2019`, the
 * derived proofs of the selective-disclosure suites `ecdsa-sd-2023` and `bbs-2023`, and the older
 * `Ed25519Signature2020`. This module checks the proof and the binding of its key to the
 * issuer (or holder) only; validity dates, status and the credentials a presentation holds stay
 * with the dispatcher (src/verifying/index.ts).
 *
 * "If the proof is not verified, the verifier MUST return verified = false": jsonld-signatures
 * reports a bad signature as `{verified: false}` without throwing, and that result becomes a failed
 * check here, never a pass (the ignored-result case).
 * @see https://www.w3.org/TR/vc-data-integrity/#verify-proof
 */
import type { VerificationMethod } from '../../dids/types.js';
import type { ErrorCode } from '../../errors.js';
import type { ProofPurpose } from '../../dids/types.js';
import { failed, passed, type Check } from '../../verifying/report.js';
import type { FormatResult, ProofFormat, VerifyContext } from '../../verifying/types.js';
import { jsonLdInputFaults, withVerificationMethod } from '../../document-loader/index.js';
import {
  DATA_INTEGRITY_CRYPTOSUITES,
  ED25519_SIGNATURE_2020,
  ED25519_SIGNATURE_2020_CONTEXT,
  classifyError,
  isSelectiveDisclosure,
  jsigs,
  selectiveDisclosureProofMode,
  selectiveDisclosureVerifyingSuite,
  verifierFor,
  verifyingSuite,
  type SelectiveDisclosureCryptosuite,
  type VerifiedCryptosuite,
} from './suites.js';
import { isObject } from '../../json-input.js';
import { parseRfc3339 } from '../../credentials/index.js';
import { GxTrustError } from '../../errors.js';

type JsonObject = Record<string, unknown>;

function proofsOf(input: JsonObject): unknown[] {
  const proof = input['proof'];
  if (proof === undefined) return [];
  return Array.isArray(proof) ? proof : [proof];
}

/** A proof of the Data Integrity family, whatever its cryptosuite (an unknown one fails the 'format' check). */
function isDataIntegrityFamily(proof: unknown): boolean {
  return isObject(proof) && (proof['type'] === 'DataIntegrityProof' || proof['type'] === ED25519_SIGNATURE_2020);
}

function cryptosuiteOf(proof: JsonObject): VerifiedCryptosuite | undefined {
  if (proof['type'] === ED25519_SIGNATURE_2020) return 'Ed25519Signature2020';
  const cryptosuite = proof['cryptosuite'];
  return typeof cryptosuite === 'string' && DATA_INTEGRITY_CRYPTOSUITES.has(cryptosuite) ? (cryptosuite as VerifiedCryptosuite) : undefined;
}

function typesOf(input: JsonObject): unknown[] {
  const type = input['type'];
  return Array.isArray(type) ? type : [type];
}

function claims(input: unknown, kind: 'credential' | 'presentation'): input is JsonObject {
  if (!isObject(input)) return false;
  const isPresentation = typesOf(input).includes('VerifiablePresentation');
  if ((kind === 'presentation') !== isPresentation) return false;
  const proofs = proofsOf(input);
  return proofs.length > 0 && proofs.every(isDataIntegrityFamily);
}

function idOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (isObject(value) && typeof value['id'] === 'string') return value['id'];
  return undefined;
}

/** The DID a verification method URL belongs to (`did:web:x#k` -> `did:web:x`), or undefined for a non-DID URL. */
function didOfMethod(methodId: string): string | undefined {
  const did = methodId.split('#')[0] ?? '';
  return /^did:[a-z0-9]+:[^#?/\s]+$/.test(did) ? did : undefined;
}

function hasContext(document: JsonObject, url: string): boolean {
  const context = document['@context'];
  return context === url || (Array.isArray(context) && context.includes(url));
}

interface ProofOutcome {
  checks: Check[];
  format: string;
  method?: VerificationMethod;
  /** The DID the method was bound to: the issuer or holder, or a holder-less presentation's proof controller. */
  controller?: string;
}

interface ProofTask {
  document: JsonObject;
  proof: unknown;
  /** `/proof` or `/proof/<n>` */
  pointer: string;
  /** Message prefix when a document carries several proofs. */
  label: string;
  purpose: ProofPurpose;
  /** The DID the key must belong to: the issuer, or the presentation's holder. */
  controller: string | undefined;
  controllerName: 'issuer' | 'holder';
  /**
   * A chained proof's `previousProof` targets (VC Data Integrity §4.2): it signs the document with
   * exactly these as its `proof`. A string: the id no proof of the set carries.
   */
  previous?: unknown[] | { missing: string };
  /** Whether the document's contexts already passed the closed-set check, or the fault found. */
  contexts: Check | undefined;
  ctx: VerifyContext;
}

function notRun(check: 'key-binding' | 'proof', label: string, why: string): Check {
  return failed(check, 'CHECK_NOT_RUN', `${label}not run: ${why}`);
}

async function verifyProof(task: ProofTask): Promise<ProofOutcome> {
  const { proof, pointer, label, purpose, controller, ctx } = task;
  if (!isObject(proof)) {
    return {
      format: 'unknown',
      checks: [failed('format', 'UNSUPPORTED_FORMAT', `${label}the proof is not an object`, pointer), notRun('key-binding', label, 'no proof'), notRun('proof', label, 'no proof')],
    };
  }
  const cryptosuite = cryptosuiteOf(proof);
  if (cryptosuite === undefined) {
    return {
      format: String(proof['cryptosuite'] ?? proof['type']),
      checks: [
        failed('format', 'UNSUPPORTED_FORMAT', `${label}cryptosuite ${JSON.stringify(proof['cryptosuite'])} is not one gx-trust verifies (eddsa-rdfc-2022, ecdsa-rdfc-2019, ecdsa-sd-2023, bbs-2023, Ed25519Signature2020)`, `${pointer}/cryptosuite`),
        notRun('key-binding', label, 'unknown cryptosuite'),
        notRun('proof', label, 'unknown cryptosuite'),
      ],
    };
  }
  const checks: Check[] = [];
  // jsonld-signatures would only report "no matching proofs" for this; say why.
  if (cryptosuite === 'Ed25519Signature2020' && !hasContext(task.document, ED25519_SIGNATURE_2020_CONTEXT)) {
    checks.push(failed('format', 'UNSUPPORTED_FORMAT', `${label}an Ed25519Signature2020 proof needs the ${ED25519_SIGNATURE_2020_CONTEXT} context`, '/@context'));
  } else {
    checks.push(passed('format', `${label}${cryptosuite}`));
  }

  // Key binding: the proof's method must belong to the issuer (holder) and be listed under the purpose.
  let method: VerificationMethod | undefined;
  let boundTo: string | undefined;
  const methodId = idOf(proof['verificationMethod']);
  if (ctx.expectedProofPurpose !== undefined && proof['proofPurpose'] !== ctx.expectedProofPurpose) {
    checks.push(failed('key-binding', 'KEY_BINDING', `${label}proofPurpose is ${JSON.stringify(proof['proofPurpose'])}, the verifier expected ${ctx.expectedProofPurpose} (options.expectedProofPurpose)`, `${pointer}/proofPurpose`));
  } else if (proof['proofPurpose'] !== purpose) {
    checks.push(failed('key-binding', 'KEY_BINDING', `${label}proofPurpose is ${JSON.stringify(proof['proofPurpose'])}, expected ${purpose}`, `${pointer}/proofPurpose`));
  } else if (methodId === undefined) {
    checks.push(failed('key-binding', 'KEY_NOT_FOUND', `${label}the proof names no verificationMethod`, `${pointer}/verificationMethod`));
  } else if (controller === undefined && task.controllerName === 'issuer') {
    checks.push(failed('key-binding', 'KEY_BINDING', `${label}the credential names no issuer to bind the key to`, '/issuer'));
  } else {
    // VCDM 2.0: holder is optional. Without it the proof's own controller (the DID of its method)
    // is who presents, bound under `authentication` as a named holder's key would be.
    const expected = controller ?? didOfMethod(methodId);
    try {
      if (expected === undefined) throw new GxTrustError('KEY_BINDING', `${methodId} is not a DID URL: a presentation without holder is bound to the DID of its proof's method`);
      method = await ctx.resolver.resolveVerificationMethod(methodId, { purpose, expectedController: expected });
      boundTo = expected;
      checks.push(passed('key-binding', `${label}${method.id} is an ${purpose} method of ${expected}${controller === undefined ? ' (the proof\'s own controller: the presentation names no holder)' : ''}`));
    } catch (error) {
      const fault = classifyError(error, task.document, 'KEY_BINDING');
      checks.push(failed('key-binding', fault.code, `${label}${fault.message}`, `${pointer}/verificationMethod`));
    }
  }

  // Only the format check decides whether the proof is usable; a key not bound is said as such.
  const formatFailed = checks.some((c) => c.check === 'format' && !c.verified);
  if (method === undefined || boundTo === undefined || formatFailed) {
    checks.push(notRun('proof', label, formatFailed ? 'the proof format is not usable' : 'the key is not bound to the ' + task.controllerName));
    return { format: cryptosuite, checks };
  }
  if (task.previous !== undefined && !Array.isArray(task.previous)) {
    checks.push(failed('proof', 'PROOF_MISSING', `${label}previousProof names ${task.previous.missing}, which is the id of no other proof of the document (or of several): the chain is broken`, `${pointer}/previousProof`));
    return { format: cryptosuite, checks, method, controller: boundTo };
  }
  if (task.contexts !== undefined && !task.contexts.verified) {
    checks.push({ ...task.contexts, message: `${label}${task.contexts.message ?? ''}` });
    return { format: cryptosuite, checks, method, controller: boundTo };
  }
  const signature = await checkSignature(task, proof, cryptosuite, method, boundTo);
  checks.push(signature.verified ? (proofPeriod(task, proof) ?? signature) : signature);
  return { format: cryptosuite, checks, method, controller: boundTo };
}

/** A date-time written without a timezone offset, which VC Data Integrity reads as UTC. */
const DATE_TIME_WITHOUT_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?$/;

/**
 * A signed proof holds only within its own period. One whose `expires` has passed no longer proves
 * anything (VC Data Integrity §2.1: "the date and time the proof expires"); one `created` after
 * now was made by a clock that is wrong or by a signer post-dating it, and a verifier cannot tell
 * which, so it is not yet valid. A value serialized without an offset "MUST be interpreted as
 * UTC"; one that is no date-time at all is refused. jsonld-signatures reads neither bound, so a
 * proof expired an hour ago verified. Checked only once the signature holds, so a forged proof is
 * reported as such, not as expired. Both with the tolerance of a credential's validity period
 * (options / GX clock skew, 300 s by default).
 * @see https://www.w3.org/TR/vc-data-integrity/#proofs
 */
function proofPeriod(task: ProofTask, proof: JsonObject): Check | undefined {
  const { label, pointer, ctx } = task;
  const skew = ctx.clockSkewSeconds * 1000;
  const expires = proofDate(proof, 'expires');
  if (expires !== undefined) {
    if (expires.at === undefined) return failed('proof', 'INVALID_DATE', `${label}proof.expires ${JSON.stringify(proof['expires'])} is not an XML Schema dateTimeStamp`, `${pointer}/expires`);
    if (ctx.now.getTime() - skew > expires.at.getTime()) {
      return failed('proof', 'VALIDITY_PERIOD', `${label}the proof expired at ${expires.at.toISOString()}${expires.withoutOffset ? ' (written without an offset, read as UTC)' : ''}`, `${pointer}/expires`);
    }
  }
  // A malformed `created` is the cryptosuite's refusal (it is part of the signed proof options).
  const created = proofDate(proof, 'created');
  if (created?.at !== undefined && created.at.getTime() > ctx.now.getTime() + skew) {
    return failed('proof', 'VALIDITY_PERIOD', `${label}the proof was created at ${created.at.toISOString()}, after now (${ctx.now.toISOString()}, ${ctx.clockSkewSeconds} s tolerated)${created.withoutOffset ? ' (written without an offset, read as UTC)' : ''}`, `${pointer}/created`);
  }
  return undefined;
}

function proofDate(proof: JsonObject, name: 'created' | 'expires'): { at: Date | undefined; withoutOffset: boolean } | undefined {
  const value = proof[name];
  if (value === undefined) return undefined;
  const withoutOffset = typeof value === 'string' && DATE_TIME_WITHOUT_OFFSET.test(value);
  return { at: parseRfc3339(withoutOffset ? `${value}Z` : value), withoutOffset };
}

/**
 * A selective-disclosure proof is verified only in its derived form: "the base proof [...] is
 * given to the holder" who derives what a verifier sees; the verification algorithm reads the
 * derived header only. A base proof is refused by name, before any canonicalization.
 * @see https://www.w3.org/TR/vc-di-ecdsa/#selective-disclosure-functions
 */
function derivedProofFault(task: ProofTask, proof: JsonObject, cryptosuite: SelectiveDisclosureCryptosuite): Check | undefined {
  const header = selectiveDisclosureProofMode(cryptosuite, proof['proofValue']);
  const at = `${task.pointer}/proofValue`;
  if (header.mode === 'derived') return undefined;
  if (header.mode === 'base') {
    return failed('proof', 'BASE_PROOF_PRESENTED', `${task.label}this is a ${cryptosuite} base proof, which is for the holder: a verifier checks the proof the holder derives from it (selective disclosure)`, at);
  }
  return failed('proof', 'INVALID_SIGNATURE', `${task.label}${header.why}`, at);
}

async function checkSignature(task: ProofTask, proof: JsonObject, cryptosuite: VerifiedCryptosuite, method: VerificationMethod, controller: string): Promise<Check> {
  const { label, purpose, ctx } = task;
  if (isSelectiveDisclosure(cryptosuite)) {
    const fault = derivedProofFault(task, proof, cryptosuite);
    if (fault !== undefined) return fault;
  }
  try {
    const suite = isSelectiveDisclosure(cryptosuite) ? selectiveDisclosureVerifyingSuite(cryptosuite, method) : verifyingSuite(cryptosuite, verifierFor(method));
    // The binding was checked above through our resolver; handing jsonld-signatures the controller
    // keeps it from dereferencing and framing the DID document a second time, while it still
    // insists that the method it loads is the one bound and that proofPurpose matches.
    const controllerDocument = { id: controller, [purpose]: [method.id] };
    const proofPurpose =
      purpose === 'assertionMethod'
        ? new jsigs.purposes.AssertionProofPurpose({ controller: controllerDocument })
        : new jsigs.purposes.ControllerProofPurpose({ term: purpose, controller: controllerDocument });
    // The loader serves pinned contexts and this one bound method: the libraries resolve no DID.
    const documentLoader = withVerificationMethod(ctx.documentLoader, method);
    const previous = Array.isArray(task.previous) ? task.previous : undefined;
    const result = await jsigs.verify({ ...task.document, proof }, { suite: previous === undefined ? suite : chained(suite, previous), purpose: proofPurpose, documentLoader });
    if (result.verified === true) return passed('proof', `${label}${cryptosuite} proof by ${method.id}`);
    const fault = classifyError(result.error ?? result.results?.find((r) => r.error !== undefined)?.error, task.document, 'INVALID_SIGNATURE');
    return failed('proof', fault.code, `${label}${fault.message}`, fault.pointer ?? task.pointer);
  } catch (error) {
    const fault = classifyError(error, task.document, 'INVALID_SIGNATURE');
    return failed('proof', fault.code, `${label}${fault.message}`, fault.pointer ?? task.pointer);
  }
}

interface VerifyingSuite {
  verifyProof(options: { document: JsonObject } & Record<string, unknown>): Promise<unknown>;
}

/**
 * The suite verifying a chained proof: jsonld-signatures hands it the document without any proof,
 * and a chained proof signed the document carrying its previous proofs ("set inputDocument.proof
 * to matchingProofs"). Everything else (matching, purpose validation) stays the library's.
 * @see https://www.w3.org/TR/vc-data-integrity/#verify-proof-sets-and-chains
 */
function chained(suite: unknown, previous: unknown[]): unknown {
  const base = suite as VerifyingSuite;
  return Object.create(base as object, {
    verifyProof: {
      value: (options: { document: JsonObject } & Record<string, unknown>) => base.verifyProof({ ...options, document: { ...options.document, proof: previous } }),
    },
  }) as unknown;
}

/** For each proof: its previousProof targets, or the first id that names no proof of the document. */
function previousProofs(proofs: unknown[]): (unknown[] | { missing: string } | undefined)[] {
  return proofs.map((proof) => {
    if (!isObject(proof) || proof['previousProof'] === undefined) return undefined;
    const named = proof['previousProof'];
    const ids = Array.isArray(named) ? named : [named];
    const found: unknown[] = [];
    for (const id of ids) {
      const matching = typeof id === 'string' ? proofs.filter((p) => p !== proof && isObject(p) && p['id'] === id) : [];
      if (matching.length !== 1) return { missing: typeof id === 'string' ? id : JSON.stringify(id) };
      found.push(matching[0]);
    }
    return found;
  });
}

/**
 * The pinned contexts and the prototype keys, checked on the whole document (proofs included) before
 * jsonld sees any of it: jsonld-signatures would otherwise serve the security v1/v2 contexts from
 * its own table, and jsonld drops a `__proto__` member from what is signed without a word.
 */
function contextCheck(document: JsonObject, ctx: VerifyContext): Check | undefined {
  const fault = jsonLdInputFaults(document, { loader: ctx.documentLoader })[0];
  return fault === undefined ? undefined : failed('proof', fault.code, fault.detail, fault.pointer ?? '/@context');
}

/**
 * A bbs-2023 proof's pairing checks cost what about thirty canonicalizations of a credential do:
 * measured through POST /credentials/verify on this 2-core machine, a small derived credential
 * took a median of 305 ms (@digitalbazaar/bbs-signatures over @noble/curves, pure JavaScript)
 * against 4 to 11 ms for ecdsa-sd-2023 and ecdsa-rdfc-2019.
 */
export const BBS_2023_UNITS = 30;

/** What verifying `input`'s proofs costs in canonicalizations: one, and BBS_2023_UNITS for each bbs-2023 proof. */
export function canonicalizationUnits(input: unknown): number {
  if (!isObject(input)) return 1;
  const bbs = proofsOf(input).filter((proof) => isObject(proof) && proof['cryptosuite'] === 'bbs-2023').length;
  return 1 + bbs * BBS_2023_UNITS;
}

async function verifyDocument(
  input: unknown,
  ctx: VerifyContext,
  kind: 'credential' | 'presentation',
): Promise<FormatResult & { outcomes: ProofOutcome[]; tasks: ProofTask[] }> {
  if (!isObject(input) || proofsOf(input).length === 0) {
    const code: ErrorCode = isObject(input) ? 'PROOF_MISSING' : 'UNSUPPORTED_FORMAT';
    return { format: 'DataIntegrityProof', checks: [failed('format', code, `the ${kind} carries no Data Integrity proof`)], outcomes: [], tasks: [] };
  }
  await ctx.admitCanonicalization?.(canonicalizationUnits(input));
  const proofs = proofsOf(input);
  const multi = proofs.length > 1;
  const controllerName = kind === 'credential' ? 'issuer' : 'holder';
  const controller = idOf(input[controllerName]);
  const contexts = contextCheck(input, ctx);
  const chains = previousProofs(proofs);
  const tasks: ProofTask[] = proofs.map((proof, index) => ({
    ...(chains[index] === undefined ? {} : { previous: chains[index] }),
    document: input,
    proof,
    pointer: multi ? `/proof/${index}` : '/proof',
    label: multi ? `proof ${index}: ` : '',
    purpose: kind === 'credential' ? 'assertionMethod' : 'authentication',
    controller,
    controllerName,
    contexts,
    ctx,
  }));
  // Each proof of a proof set signs the document without the others, a chained one the document
  // with its previous proofs; every one must verify, so a chain holds only if each link does.
  // @see https://www.w3.org/TR/vc-data-integrity/#proof-sets
  const outcomes = await Promise.all(tasks.map(verifyProof));
  const first = outcomes[0];
  const result: FormatResult & { outcomes: ProofOutcome[]; tasks: ProofTask[] } = {
    format: first?.format ?? 'DataIntegrityProof',
    checks: outcomes.flatMap((o) => o.checks),
    document: input,
    outcomes,
    tasks,
  };
  const bound = controller ?? first?.controller;
  if (bound !== undefined) result.issuer = bound;
  if (first?.method !== undefined) result.verificationMethod = first.method;
  if (outcomes.length > 1) result.verificationMethods = outcomes.flatMap((o) => (o.method === undefined ? [] : [o.method.id]));
  return result;
}

function strip(result: FormatResult & { outcomes?: unknown; tasks?: unknown }): FormatResult {
  const { outcomes: _outcomes, tasks: _tasks, ...rest } = result;
  return rest;
}

/**
 * The presentation proof must carry the verifier's challenge (and domain) when the verifier expects
 * one; with none expected there is nothing to compare, as for a vp+jwt's nonce: one rule for both
 * formats, and the report warns that such a presentation may be a replay (src/verifying/index.ts,
 * docs/security.md).
 * @see https://www.w3.org/TR/vc-data-integrity/#dfn-challenge
 */
function challengeChecks(task: ProofTask): Check[] {
  const proof = isObject(task.proof) ? task.proof : {};
  const { label, pointer, ctx } = task;
  const checks: Check[] = [];
  if (ctx.challenge === undefined) {
    // No check: the dispatcher adds the replay warning for every format alike.
  } else if (proof['challenge'] !== ctx.challenge) {
    checks.push(failed('challenge', 'CHALLENGE_MISMATCH', `${label}${proof['challenge'] === undefined ? 'the proof carries no challenge' : 'the proof\'s challenge is not the expected one'}`, `${pointer}/challenge`));
  } else {
    checks.push(passed('challenge', `${label}challenge matches`));
  }
  if (ctx.domain !== undefined) {
    const domain = proof['domain'];
    const matches = domain === ctx.domain || (Array.isArray(domain) && domain.includes(ctx.domain));
    checks.push(
      matches
        ? passed('domain', `${label}domain matches`)
        : failed('domain', 'DOMAIN_MISMATCH', `${label}${domain === undefined ? 'the proof carries no domain' : 'the proof\'s domain is not the expected one'}`, `${pointer}/domain`),
    );
  } else {
    checks.push(passed('domain', `${label}no domain expected`));
  }
  return checks;
}

export const dataIntegrityFormat: ProofFormat = {
  name: 'data-integrity',

  canVerifyCredential(input: unknown): boolean {
    return claims(input, 'credential');
  },

  async verifyCredential(input: unknown, ctx: VerifyContext): Promise<FormatResult> {
    return strip(await verifyDocument(input, ctx, 'credential'));
  },

  canVerifyPresentation(input: unknown): boolean {
    return claims(input, 'presentation');
  },

  async verifyPresentation(input: unknown, ctx: VerifyContext): Promise<FormatResult> {
    const result = await verifyDocument(input, ctx, 'presentation');
    const checks = [...result.checks, ...result.tasks.flatMap(challengeChecks)];
    const held = isObject(input) ? input['verifiableCredential'] : undefined;
    return {
      ...strip(result),
      checks,
      heldCredentials: held === undefined ? [] : Array.isArray(held) ? held : [held],
    };
  },
};
