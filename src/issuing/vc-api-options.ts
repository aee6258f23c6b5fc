/**
 * The issue options in the spelling the W3C VC-API test suites send, beside gx-trust's own names:
 *
 * - `{"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022" | "ecdsa-rdfc-2019"}` and
 *   `{"type": "Ed25519Signature2020"}` name the proof as the proof itself names it; gx-trust's
 *   `cryptosuite: "Ed25519Signature2020"` says the same in one member.
 * - `credentialStatus: {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"}`, in the
 *   options or in the credential, asks for a status entry the service allocates, as
 *   `credentialStatus: ["revocation"]` does. An entry that names its list (`statusListCredential`)
 *   is someone else's and is signed as written.
 * @see https://w3c-ccg.github.io/vc-api/#issue-credential
 * @see https://www.w3.org/TR/vc-bitstring-status-list/#bitstringstatuslistentry
 */
import { z } from 'zod';
import { isObject, type JsonObject } from '../credentials/index.js';
import { GxTrustError } from '../errors.js';
import type { IssueOptions } from './index.js';

export const PROOF_TYPES = Object.freeze(['DataIntegrityProof', 'Ed25519Signature2020'] as const);

export type StatusPurposeOption = 'revocation' | 'suspension';

/** A status entry to allocate: its type and purpose, nothing the service decides (list, index). */
export const StatusEntryRequest = z.strictObject({
  type: z.literal('BitstringStatusListEntry'),
  statusPurpose: z.enum(['revocation', 'suspension']),
});
export type StatusEntryRequest = z.infer<typeof StatusEntryRequest>;

/** `options.credentialStatus` in every spelling the route accepts. */
export const StatusOption = z.union([
  z.boolean(),
  z.array(z.enum(['revocation', 'suspension'])).min(1).max(2),
  StatusEntryRequest,
  z.array(StatusEntryRequest).min(1).max(2),
]);
export type StatusOption = z.infer<typeof StatusOption>;

/** The purposes a status option asks for (undefined: the option was not given). */
export function purposesOf(option: StatusOption | undefined): StatusPurposeOption[] | undefined {
  if (option === undefined) return undefined;
  if (option === true) return ['revocation'];
  if (option === false) return [];
  const entries = Array.isArray(option) ? option : [option];
  return entries.map((entry) => (typeof entry === 'string' ? entry : entry.statusPurpose));
}

/**
 * The credential's own status requests taken out of it: the entries that are requests (a
 * BitstringStatusListEntry naming no list) become purposes, the others stay as written. A request
 * with anything beside type and statusPurpose is refused: the service picks list and index.
 */
export function statusRequestsIn(credential: JsonObject, pointer: string): { credential: JsonObject; purposes: StatusPurposeOption[] } {
  const status = credential['credentialStatus'];
  if (status === undefined) return { credential, purposes: [] };
  const entries = Array.isArray(status) ? status : [status];
  const kept: unknown[] = [];
  const purposes: StatusPurposeOption[] = [];
  entries.forEach((entry, index) => {
    const isRequest = isObject(entry) && entry['type'] === 'BitstringStatusListEntry' && entry['statusListCredential'] === undefined;
    if (!isRequest) {
      const fault = isObject(entry) && entry['type'] === 'BitstringStatusListEntry' ? bitstringEntryFault(entry) : undefined;
      if (fault !== undefined) {
        throw new GxTrustError('INVALID_INPUT', `a BitstringStatusListEntry that names its list is signed as written, so it must be well formed: ${fault.detail}`, {
          pointer: `${Array.isArray(status) ? `${pointer}/${index}` : pointer}/${fault.member}`,
          hint: 'statusPurpose a string, statusListIndex a non-negative integer in base 10 as a string ("94567"), statusListCredential a URL; or leave statusListCredential out and gx-trust allocates the entry',
        });
      }
      kept.push(entry);
      return;
    }
    const at = Array.isArray(status) ? `${pointer}/${index}` : pointer;
    const wide = ['statusSize', 'statusMessage'].find((member) => Object.hasOwn(entry, member));
    if (wide !== undefined) {
      // The service's lists hold one bit per credential, and its status route sets one state at a
      // time (revoked, suspended, active): a multi-bit slot it allocated could never be given a value.
      throw new GxTrustError('INVALID_INPUT', `gx-trust allocates one-bit entries only (statusSize 1, no statusMessage) on its own lists; ${wide} asks for what it cannot set`, {
        pointer: `${at}/${wide}`,
        hint: 'Leave statusSize and statusMessage out and gx-trust allocates a revocation or suspension entry; a multi-bit entry on a list you publish yourself is signed as written when it names its statusListCredential and statusListIndex',
      });
    }
    const parsed = StatusEntryRequest.safeParse(entry);
    if (!parsed.success) {
      throw new GxTrustError('INVALID_INPUT', 'a BitstringStatusListEntry that names no statusListCredential asks gx-trust for one: it has a type and a statusPurpose (revocation or suspension), nothing else', {
        pointer: at,
        hint: 'Send {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"}; gx-trust picks the list and the index',
      });
    }
    purposes.push(parsed.data.statusPurpose);
  });
  if (purposes.length === 0) return { credential, purposes };
  const { credentialStatus: _requests, ...rest } = credential;
  return { credential: kept.length === 0 ? rest : { ...rest, credentialStatus: kept }, purposes };
}

/**
 * What makes a BitstringStatusListEntry malformed (W3C Bitstring Status List §2.1: a verifier
 * raises MALFORMED_VALUE_ERROR on it), the first fault found, or undefined.
 * @see https://www.w3.org/TR/vc-bitstring-status-list/#bitstringstatuslistentry
 */
function bitstringEntryFault(entry: JsonObject): { member: string; detail: string } | undefined {
  if (typeof entry['statusPurpose'] !== 'string' || entry['statusPurpose'] === '') {
    return { member: 'statusPurpose', detail: 'statusPurpose is a string' };
  }
  const index = entry['statusListIndex'];
  if (typeof index !== 'string' || !/^(0|[1-9][0-9]*)$/.test(index)) {
    return { member: 'statusListIndex', detail: `statusListIndex ${JSON.stringify(index)} is not an integer >= 0 written in base 10 as a string` };
  }
  const list = entry['statusListCredential'];
  if (typeof list !== 'string' || !URL.canParse(list)) {
    return { member: 'statusListCredential', detail: `statusListCredential ${JSON.stringify(list)} is not a URL` };
  }
  const size = entry['statusSize'];
  if (size !== undefined && (typeof size !== 'number' || !Number.isInteger(size) || size < 1)) {
    return { member: 'statusSize', detail: `statusSize ${JSON.stringify(size)} is not an integer greater than zero` };
  }
  // "If statusSize is provided and is greater than 1, then the property credentialStatus.statusMessage
  // MUST be present, and the number of status messages MUST equal the number of possible values."
  const messages = entry['statusMessage'];
  const width = typeof size === 'number' ? size : 1;
  if (width > 1 && messages === undefined) {
    return { member: 'statusMessage', detail: `statusSize ${width} needs statusMessage, one message for each of its ${2 ** width} values` };
  }
  if (messages !== undefined) {
    if (!Array.isArray(messages) || messages.some((m) => !isObject(m) || typeof m['status'] !== 'string' || typeof m['message'] !== 'string')) {
      return { member: 'statusMessage', detail: 'statusMessage is an array of objects, each with a status (a hexadecimal string) and a message' };
    }
    if (width <= 16 && messages.length !== 2 ** width) {
      return { member: 'statusMessage', detail: `statusMessage holds ${messages.length} messages; statusSize ${width} has ${2 ** width} values, one message each` };
    }
  }
  return undefined;
}

/**
 * The options with `type` folded into `cryptosuite` (gx-trust's one name for the proof), or a 400 at
 * the member that contradicts it.
 */
export function proofOptions<T extends IssueOptions>(options: T): Omit<T, 'type'> {
  const { type, ...rest } = options;
  if (type === undefined) return rest;
  if ((rest.format !== undefined && rest.format !== 'ldp_vc') || rest.alg !== undefined) {
    throw new GxTrustError('INVALID_INPUT', `options.type ${type} is a Data Integrity proof; vc+jwt is secured with options.alg`, {
      pointer: '/options/type',
      hint: 'Leave type out for vc+jwt, or leave format and alg out for a Data Integrity proof',
    });
  }
  if (type === 'Ed25519Signature2020') {
    if (rest.cryptosuite !== undefined && rest.cryptosuite !== 'Ed25519Signature2020') {
      throw new GxTrustError('INVALID_INPUT', `options.type Ed25519Signature2020 has no cryptosuite ${rest.cryptosuite}`, {
        pointer: '/options/cryptosuite',
        hint: 'Send {"type": "Ed25519Signature2020"} alone, or {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022"}',
      });
    }
    return { ...rest, format: 'ldp_vc', cryptosuite: 'Ed25519Signature2020' };
  }
  if (rest.cryptosuite === 'Ed25519Signature2020') {
    throw new GxTrustError('INVALID_INPUT', 'Ed25519Signature2020 is a proof type of its own, not a DataIntegrityProof cryptosuite', {
      pointer: '/options/cryptosuite',
      hint: 'Send {"type": "Ed25519Signature2020"}, or a DataIntegrityProof with cryptosuite eddsa-rdfc-2022 or ecdsa-rdfc-2019',
    });
  }
  return { ...rest, format: 'ldp_vc' };
}
