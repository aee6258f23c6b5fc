/**
 * Labels and their criteria. The Gaia-X Compliance Document builds its labels cumulatively:
 * Standard Compliance rests on the participant's declaration and the automated checks; Label
 * Level 1 adds an eIDAS-type (X.509-certified) signature on every claim; Level 2 adds the EU data
 * protection regime and criteria a conformity assessment body must attest; Level 3 adds provider
 * headquarters in the EU. gx-trust names each criterion with an IRI of its own versioned
 * vocabulary (the Compliance Document numbers its criteria per release; we do not restate them).
 * A level is granted only when every criterion of it is met.
 */
export const LABEL_LEVELS = ['SC', 'L1', 'L2', 'L3'] as const;
export type LabelLevel = (typeof LABEL_LEVELS)[number];

export const CRITERIA_NAMESPACE = 'https://w3id.org/gx-trust/compliance/v1#';

export const CRITERIA = {
  declaration: `${CRITERIA_NAMESPACE}declaration`,
  automatedValidation: `${CRITERIA_NAMESPACE}automated-validation`,
  eidasSignature: `${CRITERIA_NAMESPACE}eidas-signature`,
  euDataProtection: `${CRITERIA_NAMESPACE}eu-data-protection-regime`,
  conformityAssessment: `${CRITERIA_NAMESPACE}conformity-assessment`,
  euHeadquarters: `${CRITERIA_NAMESPACE}eu-headquarters`,
} as const;

export const CRITERIA_BY_LEVEL: Readonly<Record<LabelLevel, readonly string[]>> = {
  SC: [CRITERIA.declaration, CRITERIA.automatedValidation],
  L1: [CRITERIA.declaration, CRITERIA.automatedValidation, CRITERIA.eidasSignature],
  L2: [CRITERIA.declaration, CRITERIA.automatedValidation, CRITERIA.eidasSignature, CRITERIA.euDataProtection, CRITERIA.conformityAssessment],
  L3: [
    CRITERIA.declaration,
    CRITERIA.automatedValidation,
    CRITERIA.eidasSignature,
    CRITERIA.euDataProtection,
    CRITERIA.conformityAssessment,
    CRITERIA.euHeadquarters,
  ],
};

/** The attestation a trusted conformity assessment body issues (our vocabulary, prefix `gxt:`). */
export const ATTESTATION_TYPE = 'gxt:ConformityAttestation';
/** Its subject names the participant (`id`) and the highest level assessed (`gxt:labelLevel`). */
export const ATTESTED_LEVEL = 'gxt:labelLevel';

/** Data protection regimes of EU law (gx:dataProtectionRegime values of 25.11). */
export const EU_DATA_PROTECTION_REGIMES: ReadonlySet<string> = new Set(['GDPR2016', 'gx:GDPR2016']);

export function levelRank(level: LabelLevel): number {
  return LABEL_LEVELS.indexOf(level);
}

export function isLabelLevel(value: unknown): value is LabelLevel {
  return typeof value === 'string' && (LABEL_LEVELS as readonly string[]).includes(value);
}
