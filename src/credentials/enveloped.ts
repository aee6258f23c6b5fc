/**
 * Enveloped credentials and presentations (VCDM 2.0 §4.13): the secured document travels as the
 * `id` of an `EnvelopedVerifiableCredential` / `EnvelopedVerifiablePresentation`, a `data:` URL
 * whose media type names the securing mechanism.
 * @see https://www.w3.org/TR/vc-data-model-2.0/#enveloped-verifiable-credentials
 * @see https://www.rfc-editor.org/rfc/rfc2397 (the data: URL scheme)
 */
import { isObject, VC_V2_CONTEXT } from './index.js';

export type EnvelopeKind = 'credential' | 'presentation';

export const ENVELOPE_TYPES: Readonly<Record<EnvelopeKind, string>> = {
  credential: 'EnvelopedVerifiableCredential',
  presentation: 'EnvelopedVerifiablePresentation',
};

function hasType(value: Record<string, unknown>, type: string): boolean {
  return Array.isArray(value.type) ? value.type.includes(type) : value.type === type;
}

export function isEnvelope(input: unknown, kind: EnvelopeKind): input is Record<string, unknown> {
  return isObject(input) && hasType(input, ENVELOPE_TYPES[kind]);
}

/** A `data:` URL's content when its media type is one of `mediaTypes` (compared without case). */
export interface DataUrlContent {
  mediaType: string;
  /** The bytes after the comma: base64-decoded with `;base64`, else the URL's text as UTF-8. */
  bytes: Buffer;
  /** The text after the comma, as written. */
  text: string;
  base64: boolean;
}

/**
 * The content of `data:<media type>[;base64],<data>` for one of `mediaTypes`; undefined for any
 * other URL. Parameters other than `base64` are refused (undefined): none of these media types
 * defines one.
 */
export function dataUrlContent(url: string, mediaTypes: readonly string[]): DataUrlContent | undefined {
  if (!url.startsWith('data:')) return undefined;
  const comma = url.indexOf(',');
  if (comma < 0) return undefined;
  const [mediaType = '', ...parameters] = url.slice('data:'.length, comma).toLowerCase().split(';');
  if (!mediaTypes.includes(mediaType)) return undefined;
  const base64 = parameters.length === 1 && parameters[0] === 'base64';
  if (parameters.length > 0 && !base64) return undefined;
  // The URL Standard's parser removes every ASCII tab and newline from a URL before anything else
  // (the suite's vc+cose vector ends in one): the same text is read here.
  // @see https://url.spec.whatwg.org/#concept-basic-url-parser
  const text = url.slice(comma + 1).replace(/[\t\n\r]/g, '');
  // RFC 2397: without ";base64" the data is URL-encoded text; the envelopes here carry ASCII only.
  return { mediaType, text, base64, bytes: base64 ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8') };
}

/**
 * VCDM 2.0 §4.13.1/§4.13.2: an enveloped object's `@context` MUST include the base context (it
 * defines id, type and the envelope type). Returns the fault, or undefined.
 */
export function envelopeContextFault(input: unknown, kind: EnvelopeKind): string | undefined {
  if (!isEnvelope(input, kind)) return undefined;
  const context = input['@context'];
  const contexts = Array.isArray(context) ? context : context === undefined ? [] : [context];
  return contexts.includes(VC_V2_CONTEXT) ? undefined : `an ${ENVELOPE_TYPES[kind]}'s @context must include ${VC_V2_CONTEXT}, which defines id, type and ${ENVELOPE_TYPES[kind]}`;
}

/** The hint of a refusal for envelopeContextFault's fault: what the envelope's `@context` should be. */
export function envelopeContextHint(kind: EnvelopeKind): string {
  return `Give the ${ENVELOPE_TYPES[kind]} "@context": "${VC_V2_CONTEXT}" (or a list that includes it); the secured document in its id keeps its own contexts`;
}

/** Notes outer members of an enveloped object, which play no part in the result. */
export function ignoredEnvelopeMembers(input: unknown): string[] {
  if (!isObject(input)) return [];
  const ignored = Object.keys(input).filter((key) => !['@context', 'id', 'type'].includes(key));
  return ignored.length === 0 ? [] : [`members outside the envelope were ignored: ${ignored.join(', ')}`];
}
