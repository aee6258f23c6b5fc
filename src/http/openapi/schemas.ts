/**
 * Schemas of answers (and of the one request that no zod schema parses as a whole:
 * /danube/validate takes any of the shapes members send). Used for the API description only; the
 * requests the handlers parse are documented with the handlers' own schemas.
 */
import { z } from 'zod';

export const ProblemDetails = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().describe('Stable error code: the field to branch on'),
    pointer: z.string().optional().describe('RFC 6901 JSON pointer into the request'),
    hint: z.string().optional(),
    errors: z.array(z.object({ code: z.string(), pointer: z.string(), detail: z.string() })).optional(),
    instance: z.string().optional(),
    requestId: z.string().optional().describe('Equals the X-Request-Id header and the reqId of the log lines'),
  })
  .describe('RFC 9457 problem details');

const Check = z.object({
  check: z.enum(['format', 'proof', 'key-binding', 'disclosures', 'holder-binding', 'validity', 'challenge', 'domain', 'x509', 'credential', 'status', 'shapes', 'compliance']),
  verified: z.boolean(),
  code: z.string().optional(),
  message: z.string().optional(),
  pointer: z.string().optional(),
  statuses: z
    .array(
      z.object({
        pointer: z.string().describe('The entry in the credential'),
        purpose: z.string(),
        statusListCredential: z.string(),
        statusListIndex: z.string(),
        statusSize: z.number().int(),
        status: z.string().describe('The value read, hexadecimal as statusMessage writes it ("0x2")'),
        valid: z.boolean().describe('The value is 0 (Bitstring Status List validate algorithm)'),
        message: z.string().describe('The statusMessage of the value; "set"/"unset" without one'),
      }),
    )
    .optional()
    .describe('The status check only: one result per Bitstring Status List entry read'),
});

export const VerificationReport = z.object({
  verified: z.boolean().describe('True only when every check ran and passed'),
  format: z.string(),
  checks: z.array(Check),
  warnings: z.array(z.string()),
  errors: z.array(z.string()),
  document: z.record(z.string(), z.unknown()).optional(),
  issuer: z.string().optional(),
  // Nested reports have this same shape; a recursive $ref would point at the OpenAPI root.
  credentials: z.array(z.record(z.string(), z.unknown())).optional().describe('One report per credential a presentation holds'),
});

export const IssuedCredential = z.object({ verifiableCredential: z.record(z.string(), z.unknown()) });
export const SignedPresentation = z.object({ verifiablePresentation: z.union([z.record(z.string(), z.unknown()), z.string()]) });

export const DanubeValidateRequest = z
  .union([z.array(z.union([z.record(z.string(), z.unknown()), z.string()])), z.record(z.string(), z.unknown()), z.string()])
  .describe('Credentials (unsigned, signed or as compact JWTs), a presentation, or an array of them');

export const DanubeValidation = z.object({
  conforms: z.boolean(),
  findings: z.array(z.object({ pointer: z.string() }).loose()),
  warnings: z.array(z.string()),
});

export const UpdateStatusResponse = z.object({
  credentialId: z.string(),
  credentialStatus: z.array(
    z.union([
      z.object({ type: z.literal('BitstringStatusListCredential'), status: z.enum(['revoked', 'suspended', 'active']) }),
      // A message or refresh entry: its value ("0x2") and what its statusMessage says it means.
      z.object({ type: z.literal('BitstringStatusListCredential'), statusPurpose: z.enum(['message', 'refresh']), status: z.string(), message: z.string() }),
    ]),
  ),
});

export const Health = z.object({ status: z.literal('ok') });
export const Readiness = z.object({ status: z.literal('ready'), checks: z.object({ store: z.literal('ok'), keys: z.number().int() }) });

const ApiKeyView = z.object({ id: z.string(), role: z.enum(['member', 'connector', 'auditor', 'admin']), createdAt: z.string(), revokedAt: z.string().nullable() });

export const MemberView = z
  .object({
    id: z.string(),
    slug: z.string(),
    name: z.string(),
    did: z.string().describe('did:web:<service host>:members:<slug>'),
    didDocumentUrl: z.string(),
    custody: z.enum(['hosted', 'external']),
    createdAt: z.string(),
    verificationMethods: z.array(
      z.object({
        id: z.string(),
        type: z.string(),
        state: z.string(),
        createdAt: z.string(),
        retiredAt: z.string().nullable(),
        expires: z.string().optional(),
        certificates: z
          .array(z.object({ subject: z.string(), issuer: z.string(), notBefore: z.string(), notAfter: z.string() }))
          .optional()
          .describe("The method's x5c chain, leaf first; absent when the method has no x5c (Multikey, x5u)"),
      }),
    ),
    apiKeys: z.array(ApiKeyView).describe('Ids and roles only: an API key is shown once, when it is created'),
  })
  .describe('A consortium member: never a private key, never an API key');

export const MemberList = z.object({ members: z.array(MemberView) });

export const CreatedApiKey = ApiKeyView.extend({
  apiKey: z.string().describe('The bearer token; this answer (Cache-Control: no-store) is the only time it is shown'),
  memberId: z.string(),
});

export const RotatedKeys = z.object({
  member: MemberView,
  previous: z.array(z.string()).describe('Verification method ids retired or removed'),
  current: z.array(z.string()).describe('Verification method ids now active'),
});

export const OnboardingResult = z
  .object({
    holder: z.string(),
    legalPersonId: z.string(),
    credentials: z.array(
      z.object({ id: z.string().optional(), type: z.array(z.string()), origin: z.enum(['issued', 'submitted', 'referenced']), format: z.string(), verifiableCredential: z.record(z.string(), z.unknown()), jwt: z.string().optional() }),
    ),
    verifiablePresentation: z.record(z.string(), z.unknown()).describe('Unsigned: the member signs it before asking for compliance'),
    registryLookups: z.array(z.object({ pointer: z.string(), status: z.enum(['valid', 'not-checked']) }).loose()),
    findings: z.array(z.object({ pointer: z.string() }).loose()).describe('Warnings and notes only: they did not block issuance'),
    superseded: z.array(z.string()).describe('The credentials of the previous onboarding of the same participant (or offering), revoked now with the reason superseded'),
  })
  .describe('The credentials issued (or passed on) and the presentation that holds them');

const CredentialSummary = z.object({
  id: z.string(),
  type: z.array(z.string()),
  issuer: z.string(),
  subject: z.string().nullable(),
  format: z.string(),
  issuedAt: z.string(),
  status: z.enum(['active', 'revoked', 'suspended']).describe('As the status lists say now'),
  visibility: z.enum(['private', 'public']),
  owner: z.string().nullable().describe('The member whose record it is; null: issued by an admin key or the service'),
  supersededBy: z.string().nullable().describe('A credential of the onboarding that replaced it (revoked with reason superseded)'),
});

export const CredentialPage = z.object({
  credentials: z.array(CredentialSummary),
  next: z.string().nullable().describe('The cursor of the next page; null on the last'),
});

export const CredentialRecordView = CredentialSummary.extend({
  digestSRI: z.string().describe('As a label\'s gx:compliantCredentials[].digestSRI names it'),
  labels: z.array(z.string()).describe('Labels this service issued that cover it'),
  covers: z.array(z.object({ id: z.string(), digestSRI: z.string() })).optional().describe('For a label: what it covers'),
  verifiableCredential: z.union([z.record(z.string(), z.unknown()), z.string()]).describe('As issued: a JSON-LD credential, or a compact JWT'),
});
