/**
 * The onboarding request bodies. zod checks only the JSON types here; what a Danube
 * self-description must hold (cardinalities, country codes, check digits, accepted terms) is left
 * to the same validator as POST /danube/validate, so a member sees one set of rules and findings.
 */
import { z } from 'zod';
import { NOTARISED_REGISTRATION_NUMBER_TYPES } from '../ontology.js';

const did = z
  .string()
  .max(2048)
  .regex(/^did:[a-z0-9]+:[^#?\s]+$/, 'a DID without fragment or query, e.g. did:web:member.example');

export const AddressInput = z.strictObject({
  countryCode: z.string().max(16).optional(),
  countryName: z.string().max(256).optional(),
  streetAddress: z.string().max(512).optional(),
  postalCode: z.string().max(64).optional(),
  locality: z.string().max(256).optional(),
  region: z.string().max(64).optional(),
});
export type AddressInput = z.infer<typeof AddressInput>;

export const RegistrationNumberInput = z.strictObject({
  type: z.enum(NOTARISED_REGISTRATION_NUMBER_TYPES),
  value: z.string().min(1).max(256),
  countryCode: z.string().max(16).optional(),
  /** gx:LeiCode only: ISO 3166-2 code of the legal address subdivision. */
  subdivisionCountryCode: z.string().max(16).optional(),
});
export type RegistrationNumberInput = z.infer<typeof RegistrationNumberInput>;

export const ParticipantInput = z.strictObject({
  /** The member's DID; the LegalPerson is `<id>#legal-person`, and the VP's holder. */
  id: did,
  name: z.string().max(512).optional(),
  description: z.string().max(4096).optional(),
  legalAddress: AddressInput.optional(),
  headquartersAddress: AddressInput.optional(),
  registrationNumbers: z.array(RegistrationNumberInput).max(16).optional(),
  /** SHA-256 (hex) of the Gaia-X terms and conditions the member accepts. */
  termsAndConditions: z.string().max(128).optional(),
});
export type ParticipantInput = z.infer<typeof ParticipantInput>;

export const OnboardingOptions = z.strictObject({
  /** `vc+jwt` (default): the Gaia-X Danube profile (VC-JOSE, PS256). `ldp_vc`: Data Integrity. */
  format: z.enum(['vc+jwt', 'ldp_vc']).optional(),
  cryptosuite: z.enum(['eddsa-rdfc-2022', 'ecdsa-rdfc-2019']).optional(),
  /** Validity of the registration-number credentials gx-trust issues as notary. */
  registrationNumberValidityDays: z.number().int().min(1).max(366).optional(),
  /** A validUntil past the signing certificate is cut to the certificate's end instead of being a finding. */
  capValidity: z.boolean().optional(),
  /** Of every credential gx-trust issues here: 'public' lets anyone fetch them (GET /credentials/{id}); 'private' by default. */
  visibility: z.enum(['private', 'public']).optional(),
});
export type OnboardingOptions = z.infer<typeof OnboardingOptions>;

/** A credential as a member sends it: unsigned, a compact JWT / data: URL, enveloped, or with a Data Integrity proof. */
const SubmittedCredential = z.union([z.record(z.string(), z.unknown()), z.string().max(64 * 1024)]);

/** POST /participants with the member's data; gx-trust writes the credentials. */
export const ParticipantDataRequest = z.strictObject({ participant: ParticipantInput, options: OnboardingOptions.optional() });
export type ParticipantDataRequest = z.infer<typeof ParticipantDataRequest>;

/** POST /participants with the member's own LegalPerson, registration-number and Issuer credentials. */
export const ParticipantCredentialsRequest = z.strictObject({
  credentials: z.array(SubmittedCredential).min(1).max(32),
  options: OnboardingOptions.optional(),
});
export type ParticipantCredentialsRequest = z.infer<typeof ParticipantCredentialsRequest>;

export const ServiceOfferingRequest = z.strictObject({
  /** The issued LegalPerson: its credential id (looked up in the store) or the credential itself. */
  legalPerson: SubmittedCredential,
  credentials: z.array(SubmittedCredential).min(1).max(32),
  options: OnboardingOptions.optional(),
});
export type ServiceOfferingRequest = z.infer<typeof ServiceOfferingRequest>;
