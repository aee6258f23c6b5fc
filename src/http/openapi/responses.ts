/** The refusals the routes document again and again (route-table entries in src/http/routes/). */
import type { ResponseDoc } from '../route.js';
import { ProblemDetails } from './schemas.js';

export const problem = (description: string): ResponseDoc => ({ description, schema: ProblemDetails });
export const BAD_INPUT = problem('Invalid input: problem+json with a JSON pointer per fault');
export const UNAUTHORIZED = problem('No API key, or not a valid one');
export const FORBIDDEN = problem('The API key\'s role may not call this');
export const RATE_LIMITED = problem('Rate limit exceeded; see the Retry-After header');
export const VERIFIER_BUSY = problem('VERIFIER_BUSY: too many verifications wait for a worker thread; retry after Retry-After seconds');
export const SIGNER_BUSY = problem('SIGNER_BUSY: too many bbs-2023 signatures wait for the BBS signing thread; retry after Retry-After seconds');
export const SIGNING_REFUSED = problem('SIGNING_NOT_ALLOWED: a type this route may not have signed (labels, status lists, Gaia-X types as the service)');
export const NOT_ONBOARDED = problem('Refused, nothing issued: SELF_DESCRIPTION_INVALID with findings[] (pointers into the request), or CREDENTIAL_UNVERIFIED with reports[]');
