/**
 * A warm compliance decision over a 4-credential VP-JWT (LegalPerson, VAT id, Issuer,
 * ServiceOffering, each a PS256 vc+jwt with an X.509-bound key): every rule, as a dry run (the
 * checks alone) and as a full decision (label signed PS256, stored with its audit entry, decision
 * recorded). The service plays member, notary and compliance service, so nothing leaves the process.
 */
import { measure } from './measure.js';
import type { Service } from '../src/service.js';
import { createIssuer } from '../src/issuing/index.js';

export interface ComplianceBenchRow {
  name: string;
  opsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export async function fourCredentialPresentation(service: Service): Promise<string> {
  const did = service.keyring.did;
  const context = ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/gaia-x/development#'];
  const validUntil = new Date(Date.now() + 180 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const address = { type: 'gx:Address', 'gx:countryCode': 'DE', 'vcard:locality': 'Berlin', 'vcard:postal-code': '10115' };
  const vc = (type: string, subject: Record<string, unknown>) => ({ '@context': context, type: ['VerifiableCredential', type], validUntil, credentialSubject: subject });
  const credentials = [
    vc('gx:LegalPerson', { id: `${did}#lp`, type: 'gx:LegalPerson', 'schema:name': 'Bench GmbH', 'gx:legalAddress': address, 'gx:headquartersAddress': address, 'gx:registrationNumber': { id: `${did}#vat` } }),
    vc('gx:VatID', { id: `${did}#vat`, type: 'gx:VatID', 'gx:vatID': 'DE136695976', 'gx:countryCode': 'DE' }),
    vc('gx:Issuer', { id: `${did}#issuer`, type: 'gx:Issuer', 'gx:gaiaxTermsAndConditions': '067dcac5efd18c1927deb1ffed3feab6d0ad044c0a9a263e6d5d8bdc43224515' }),
    vc('gx:ServiceOffering', {
      id: `${did}#service`, type: 'gx:ServiceOffering', 'schema:name': 'Inference API', 'gx:providedBy': { id: `${did}#lp` },
      'gx:serviceOfferingTermsAndConditions': { type: 'gx:TermsAndConditions', 'gx:url': { '@value': 'https://bench.example/terms', '@type': 'xsd:anyURI' }, 'gx:hash': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
      'gx:dataProtectionRegime': 'GDPR2016',
    }),
  ];
  // The fixture's notary and member signatures, made with the service's keys directly: the service
  // itself signs Danube credentials only through onboarding, and what is measured is the decision.
  const issuer = createIssuer({ keyring: service.keyring, documentLoader: service.documentLoader, clock: () => new Date() });
  const jwts: string[] = [];
  for (const credential of credentials) {
    const issued = await issuer.issueCredential(credential, { format: 'vc+jwt', profile: 'gaia-x-danube' });
    if (issued.format !== 'vc+jwt') throw new Error('expected a JWT');
    jwts.push(issued.jwt);
  }
  const vp = await issuer.signPresentation(
    { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiablePresentation'], verifiableCredential: jwts.map((jwt) => ({ '@context': 'https://www.w3.org/ns/credentials/v2', type: 'EnvelopedVerifiableCredential', id: `data:application/vc+jwt,${jwt}` })) },
    { format: 'vp+jwt', alg: 'PS256' },
  );
  if (vp.format !== 'vp+jwt') throw new Error('expected a VP-JWT');
  return vp.jwt;
}

export async function benchmarkCompliance(service: Service, options: { iterations?: number; warmMs?: number } = {}): Promise<ComplianceBenchRow[]> {
  const vp = await fourCredentialPresentation(service);
  const decide = (dryRun: boolean) => service.compliance.decide(vp, { level: 'L1', caller: { actor: 'bench', role: 'admin' }, dryRun });
  // A benchmark of refusals measures nothing.
  for (const dryRun of [true, false]) {
    const result = await decide(dryRun);
    if (result.findings.length > 0) throw new Error(`benchmark submission refused: ${JSON.stringify(result.findings)}`);
  }
  const iterations = options.iterations ?? 300;
  const warmMs = options.warmMs ?? 3000;
  return [
    { name: 'compliance decision, 4-credential VP-JWT, dry run (every rule, no issuance)', ...(await measure(() => decide(true), iterations, warmMs)) },
    { name: 'compliance decision, 4-credential VP-JWT, label issued PS256 + stored + decision recorded', ...(await measure(() => decide(false), iterations, warmMs)) },
  ];
}
