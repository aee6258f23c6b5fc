/**
 * The issue options in the spelling the W3C VC-API test suites send, beside gx-trust's own names:
 *
 * - `{"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022" | "ecdsa-rdfc-2019"}` and
 *   `{"type": "Ed25519Signature2020"}` name the proof as the proof itself names it; gx-trust's
 *   `cryptosuite: "Ed25519Signature2020"` says the same in one member.
 * - `credentialStatus: {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"}`, in the
 *   options or in the credential, asks for a status entry the service allocates, as
 *   `credentialStatus: ["revocation"]` does; a `message` or `refresh` entry may be wider
 *   (`statusSize`, with its `statusMessage`). An entry that names its list (`statusListCredential`)
 *   is someone else's and is signed as written.
 * @see https://w3c-ccg.github.io/vc-api/#issue-credential
 * @see https://www.w3.org/TR/vc-bitstring-status-list/#bitstringstatuslistentry
 */
import { z } from 'zod';
import { isObject, type JsonObject } from '../credentials/index.js';
import { GxTrustError } from '../errors.js';
import type { IssueOptions } from './index.js';
import { MAX_ALLOCATED_STATUS_SIZE, type StatusListPurpose, type StatusSlot } from '../status-lists/allocator.js';

export const PROOF_TYPES = Object.freeze(['DataIntegrityProof', 'Ed25519Signature2020'] as const);

export type StatusPurposeOption = StatusListPurpose;

const PURPOSES = ['revocation', 'suspension', 'message', 'refresh'] as const satisfies readonly StatusListPurpose[];

/**
 * A status entry to allocate: its type and purpose, and for an entry wider than one bit its
 * statusSize and the statusMessage the issuer commits to (statusReference optional); nothing the
 * service decides (list, index). Whether these agree with each other is slotOf's to say, with
 * the pointer of the member at fault.
 */
export const StatusEntryRequest = z.strictObject({
  type: z.literal('BitstringStatusListEntry'),
  statusPurpose: z.enum(PURPOSES),
  // Any number here, its range checked by slotOf: a refusal inside the union of StatusOption's
  // spellings would point at the option, not at this member, and carry no hint.
  statusSize: z.number().optional(),
  statusMessage: z.array(z.strictObject({ status: z.string(), message: z.string() })).min(1).max(2 ** MAX_ALLOCATED_STATUS_SIZE).optional(),
  statusReference: z.union([z.url(), z.array(z.url()).min(1)]).optional(),
});
export type StatusEntryRequest = z.infer<typeof StatusEntryRequest>;

/** `options.credentialStatus` in every spelling the route accepts. */
export const StatusOption = z.union([
  z.boolean(),
  z.array(z.enum(PURPOSES)).min(1).max(PURPOSES.length),
  StatusEntryRequest,
  z.array(StatusEntryRequest).min(1).max(PURPOSES.length),
]);
export type StatusOption = z.infer<typeof StatusOption>;

/** The entries a status option asks for, each checked (undefined: the option was not given). */
export function slotsOf(option: StatusOption | undefined, pointer: string): StatusSlot[] | undefined {
  if (option === undefined) return undefined;
  if (option === true) return [{ purpose: 'revocation', statusSize: 1 }];
  if (option === false) return [];
  if (!Array.isArray(option)) return [slotOf(option, pointer)];
  return option.map((entry, i) => (typeof entry === 'string' ? { purpose: entry, statusSize: 1 } : slotOf(entry, `${pointer}/${i}`)));
}

/**
 * The entry a request asks for, or INVALID_INPUT at the member at fault. The specification's rules
 * on the entry: "If statusSize is provided and is greater than 1, then the property
 * credentialStatus.statusMessage MUST be present, and the number of status messages MUST equal the
 * number of possible values"; each `status` "a string representing the hexadecimal value of the
 * status prefixed with 0x". gx-trust also wants each value named once: a verifier reading a value
 * with two messages, or none, cannot say what it means (check-status.ts fails it).
 * Revocation and suspension stay one bit wide. The specification allows a wider entry of any
 * purpose, but for these two "any value but 0" is the whole meaning (check-status.ts), their
 * state is set as revoked/suspended/active, and the labels covering a credential follow that
 * state: a wider slot would add values with nothing to set them. A reason goes in a `message`
 * entry beside them.
 * @see https://www.w3.org/TR/vc-bitstring-status-list/#bitstringstatuslistentry
 */
export function slotOf(entry: StatusEntryRequest, pointer: string): StatusSlot {
  const statusSize = entry.statusSize ?? 1;
  const refuse = (member: string, detail: string, hint: string): never => {
    throw new GxTrustError('INVALID_INPUT', detail, { pointer: `${pointer}/${member}`, hint });
  };
  if (!Number.isInteger(statusSize) || statusSize < 1) {
    refuse('statusSize', `statusSize ${statusSize} is not a width: an entry is a whole number of bits, at least 1`, `Ask for statusSize 1 to ${MAX_ALLOCATED_STATUS_SIZE} (leave it out for one bit), with one statusMessage for each of its 2^statusSize values when it is above 1`);
  }
  if (statusSize > MAX_ALLOCATED_STATUS_SIZE) {
    refuse('statusSize', `statusSize ${statusSize} is wider than the ${MAX_ALLOCATED_STATUS_SIZE} bits gx-trust allocates on its own lists`, `Ask for statusSize 1 to ${MAX_ALLOCATED_STATUS_SIZE}, with one statusMessage for each of its 2^statusSize values`);
  }
  if (statusSize > 1 && (entry.statusPurpose === 'revocation' || entry.statusPurpose === 'suspension')) {
    refuse('statusSize', `a ${entry.statusPurpose} entry is one bit on gx-trust's lists: its state is ${entry.statusPurpose === 'revocation' ? 'revoked' : 'suspended'} or not, set with POST /credentials/status, and the labels covering the credential follow it`, `Leave statusSize out; to say why, add a {"type": "BitstringStatusListEntry", "statusPurpose": "message", "statusSize": ${statusSize}, "statusMessage": [...]} entry beside it`);
  }
  const messages = entry.statusMessage;
  if (messages === undefined) {
    if (statusSize > 1) refuse('statusMessage', `statusSize ${statusSize} needs statusMessage, one message for each of its ${2 ** statusSize} values`, `Send statusMessage: [{"status": "0x0", "message": "..."}, ... up to "0x${(2 ** statusSize - 1).toString(16)}"]`);
    return { purpose: entry.statusPurpose, statusSize, ...(entry.statusReference === undefined ? {} : { statusReference: entry.statusReference }) };
  }
  const values = 2 ** statusSize;
  const hint = `One message for each value 0x0 to 0x${(values - 1).toString(16)} of statusSize ${statusSize}, each value once: [{"status": "0x0", "message": "..."}, ...]`;
  if (messages.length !== values) refuse('statusMessage', `statusMessage holds ${messages.length} messages; statusSize ${statusSize} has ${values} values, one message each`, hint);
  const seen = new Set<number>();
  messages.forEach((m, i) => {
    const value = /^0x[0-9a-fA-F]{1,4}$/.test(m.status) ? Number.parseInt(m.status.slice(2), 16) : Number.NaN;
    if (!(value < values)) refuse(`statusMessage/${i}/status`, `status ${JSON.stringify(m.status)} is not a value of statusSize ${statusSize} written in hexadecimal prefixed with 0x`, hint);
    if (seen.has(value)) refuse(`statusMessage/${i}/status`, `status ${m.status} has a message already`, hint);
    seen.add(value);
  });
  return {
    purpose: entry.statusPurpose,
    statusSize,
    statusMessage: messages.map((m) => ({ status: m.status, message: m.message })),
    ...(entry.statusReference === undefined ? {} : { statusReference: entry.statusReference }),
  };
}

/**
 * The credential's own status requests taken out of it: the entries that are requests (a
 * BitstringStatusListEntry naming no list) become slots, the others stay as written. A request
 * with anything beside type, statusPurpose, statusSize, statusMessage and statusReference is
 * refused: the service picks list and index.
 */
export function statusRequestsIn(credential: JsonObject, pointer: string): { credential: JsonObject; purposes: StatusPurposeOption[]; slots: StatusSlot[] } {
  const status = credential['credentialStatus'];
  if (status === undefined) return { credential, purposes: [], slots: [] };
  const entries = Array.isArray(status) ? status : [status];
  const kept: unknown[] = [];
  const slots: StatusSlot[] = [];
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
    const parsed = StatusEntryRequest.safeParse(entry);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const member = issue === undefined ? '' : `/${issue.path.map(String).join('/')}`;
      throw new GxTrustError('INVALID_INPUT', `a BitstringStatusListEntry that names no statusListCredential asks gx-trust for one: it has a type and a statusPurpose (revocation, suspension, message or refresh), and for a wider entry statusSize, statusMessage and statusReference, nothing else${issue === undefined ? '' : ` (${issue.message})`}`, {
        pointer: `${at}${member === '/' ? '' : member}`,
        hint: 'Send {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"}, or {"type": "BitstringStatusListEntry", "statusPurpose": "message", "statusSize": 2, "statusMessage": [{"status": "0x0", "message": "..."}, ...]}; gx-trust picks the list and the index',
      });
    }
    slots.push(slotOf(parsed.data, at));
  });
  const purposes = slots.map((slot) => slot.purpose);
  if (slots.length === 0) return { credential, purposes, slots };
  const { credentialStatus: _requests, ...rest } = credential;
  return { credential: kept.length === 0 ? rest : { ...rest, credentialStatus: kept }, purposes, slots };
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
