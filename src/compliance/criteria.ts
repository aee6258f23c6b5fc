/**
 * Labels and their criteria. The Gaia-X Compliance Document builds its labels cumulatively:
 * Standard Compliance rests on the participant's declaration and the automated checks; Label
 * Level 1 adds an eIDAS-type (X.509-certified) signature on every claim; Level 2 adds the EU data
 * protection regime and criteria a conformity assessment body must attest; Level 3 adds provider
 * headquarters in the EU. Where the Compliance Document numbers a criterion, the label names it by
 * that number, as the Gaia-X Trust Framework's machine-readable vocabulary spells it (the Tagus
 * 22.10 shapes, ../danube/shapes/tagus/, give every criterion P1.1.1 ... P5.2.1 an IRI in the
 * trust-framework namespace); a Loire or Danube client then reads the criteria it knows. The
 * criteria that are steps of the automated process rather than numbered criteria (the declaration,
 * the automated validation, the eIDAS-type signature, a conformity assessment) keep an IRI of
 * gx-trust's own versioned vocabulary.
 * A level is granted only when every criterion of it is met.
 */
import { TAGUS_GX } from '../danube/namespaces.js';

export const LABEL_LEVELS = ['SC', 'L1', 'L2', 'L3'] as const;
export type LabelLevel = (typeof LABEL_LEVELS)[number];

export const CRITERIA_NAMESPACE = 'https://w3id.org/gx-trust/compliance/v1#';
/** The Gaia-X criteria, by their Compliance Document number (P<section>.<group>.<n>). */
export const GAIA_X_CRITERIA_NAMESPACE = TAGUS_GX;

export const CRITERIA = {
  declaration: `${CRITERIA_NAMESPACE}declaration`,
  automatedValidation: `${CRITERIA_NAMESPACE}automated-validation`,
  eidasSignature: `${CRITERIA_NAMESPACE}eidas-signature`,
  /** P2.1.1: "a contract under Union or EU/EEA/Member State law and specifically addressing GDPR requirements". */
  euDataProtection: `${GAIA_X_CRITERIA_NAMESPACE}P2.1.1`,
  conformityAssessment: `${CRITERIA_NAMESPACE}conformity-assessment`,
  /** P5.1.4: "the Provider's registered head office, headquarters and main establishment shall be established in a Member State of the EU/EEA". */
  euHeadquarters: `${GAIA_X_CRITERIA_NAMESPACE}P5.1.4`,
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
