/**
 * Rule `references`: the links a compliance decision relies on resolve inside the presentation.
 * `gx:providedBy` of every ServiceOffering names a LegalPerson presented with it; the resources of
 * `gx:aggregationOfResources` and `gx:hostedOn` are presented too. A dangling link means the
 * label would vouch for something nobody has shown.
 */
import { finding, hasType, linkedIds, type ComplianceFinding, type ComplianceRule, type Submission } from '../types.js';

export const RULE = 'references';

/** Each dangling link: the credential, the property, and the pointer (also used by the shapes rule). */
export function danglingReferences(submission: Submission): ComplianceFinding[] {
  const subjects = new Map(submission.credentials.map((c) => [c.subject['id'], c] as const));
  const findings: ComplianceFinding[] = [];
  for (const credential of submission.credentials) {
    for (const property of ['gx:providedBy', 'gx:aggregationOfResources', 'gx:hostedOn'] as const) {
      if (property === 'gx:providedBy' && !hasType(credential, 'gx:ServiceOffering')) continue;
      for (const id of linkedIds(credential.subject[property])) {
        const target = subjects.get(id);
        const wrongKind = property === 'gx:providedBy' && target !== undefined && !hasType(target, 'gx:LegalPerson');
        if (target !== undefined && !wrongKind) continue;
        findings.push(
          finding(RULE, 'DANGLING_REFERENCE', credential, `/credentialSubject/${property}`,
            wrongKind
              ? `${property} names ${id}, which is presented but is not a gx:LegalPerson`
              : `${property} names ${id}, which is not the subject of any credential in the presentation`,
            property === 'gx:providedBy'
              ? 'Add the provider\'s gx:LegalPerson credential to the presentation, or correct gx:providedBy to its credentialSubject id'
              : `Add the credential describing ${id} to the presentation, or remove the link`),
        );
      }
    }
  }
  return findings;
}

export const references: ComplianceRule = {
  id: RULE,
  title: 'providedBy, aggregationOfResources and hostedOn resolve to credentials in the presentation',
  run: ({ submission }) => danglingReferences(submission),
};
