/**
 * What gx-trust issues into wallets: one OpenID4VCI credential configuration per kind of Gaia-X
 * credential and format. A stored credential's kind is read from its expanded JSON-LD types (the
 * credential's and its subjects'), as the signing policy reads them, so `gx:LegalPerson`,
 * `LegalPerson` under the Gaia-X context and the 25.11 namespace IRI are one kind.
 *
 * `jwt_vc_json` carries VC-JOSE (`vc+jwt`, VCDM 2.0) and `ldp_vc` Data Integrity
 * (`eddsa-rdfc-2022`): the two formats gx-trust signs.
 * @see https://openid.net/specs/openid-4-verifiable-credential-issuance-1_0.html#appendix-A.1
 */
import { VC_V2_CONTEXT } from '../credentials/index.js';
import { GX, GX_2511, IPCEI } from '../danube/namespaces.js';
import { REGISTRATION_NUMBER_CLASSES } from '../danube/ontology.js';

export const WALLET_FORMATS = ['jwt_vc_json', 'ldp_vc'] as const;
export type WalletFormat = (typeof WALLET_FORMATS)[number];

export interface CredentialKind {
  /** The start of the configuration ids: `GaiaXLegalPerson_jwt_vc_json`. */
  id: string;
  /** The type named in credential_definition (compact, under the Gaia-X development context). */
  type: string;
  /** Expanded type IRIs that make a credential of this kind (the credential's or a subject's). */
  iris: readonly string[];
  name: string;
  description: string;
  backgroundColor: string;
}

const gx = (local: string) => `${GX}${local}`;

export const CREDENTIAL_KINDS: readonly CredentialKind[] = [
  { id: 'GaiaXLegalPerson', type: 'gx:LegalPerson', iris: [gx('LegalPerson')], name: 'Gaia-X Legal Person', description: 'The legal person a Gaia-X participant is (name, addresses, registration numbers)', backgroundColor: '#000094' },
  {
    id: 'GaiaXRegistrationNumber', type: 'gx:RegistrationNumber', iris: [gx('RegistrationNumber'), ...REGISTRATION_NUMBER_CLASSES.map(gx)],
    name: 'Gaia-X Registration Number', description: 'A registration number (VAT ID, LEI code, EORI, EUID, tax ID) checked by a notary', backgroundColor: '#46daff',
  },
  { id: 'GaiaXIssuer', type: 'gx:Issuer', iris: [gx('Issuer')], name: 'Gaia-X Terms and Conditions', description: 'The participant accepted the Gaia-X terms and conditions', backgroundColor: '#4f4fff' },
  {
    id: 'GaiaXServiceOffering', type: 'gx:ServiceOffering',
    iris: [...['ServiceOffering', 'DigitalServiceOffering', 'DataProduct', 'VirtualResource', 'SoftwareResource', 'PhysicalResource'].map(gx), `${IPCEI}AIModelProfile`, `${IPCEI}DatasetProfile`],
    name: 'Gaia-X Service Offering', description: 'A data or AI service offering of a participant', backgroundColor: '#00b2a9',
  },
  { id: 'GaiaXLabel', type: 'gx:LabelCredential', iris: [gx('LabelCredential')], name: 'Gaia-X Label', description: 'A Gaia-X label (level 1, 2 or 3) and the credentials it covers', backgroundColor: '#b900ff' },
];

export const configurationId = (kind: CredentialKind, format: WalletFormat): string => `${kind.id}_${format}`;

/** The kind and format a configuration id names; undefined for an id gx-trust does not offer. */
export function configurationOf(id: string): { kind: CredentialKind; format: WalletFormat } | undefined {
  for (const kind of CREDENTIAL_KINDS) for (const format of WALLET_FORMATS) if (configurationId(kind, format) === id) return { kind, format };
  return undefined;
}

/** The kind of a credential with these expanded types (its own and its subjects'); undefined when it is none gx-trust offers. */
export function kindOf(types: readonly string[]): CredentialKind | undefined {
  const normalized = types.map((iri) => (iri.startsWith(GX_2511) ? GX + iri.slice(GX_2511.length) : iri));
  // A label names the LegalPerson it covers among its subjects' types: the label kind wins.
  const ordered = [...CREDENTIAL_KINDS].sort((a, b) => Number(b.id === 'GaiaXLabel') - Number(a.id === 'GaiaXLabel'));
  return ordered.find((kind) => kind.iris.some((iri) => normalized.includes(iri)));
}

/** Wallet keys gx-trust binds credentials to, and the algorithms of their proofs (EdDSA: Ed25519). */
export const PROOF_SIGNING_ALGORITHMS = ['ES256', 'EdDSA'] as const;
export const BINDING_METHODS = ['did:key', 'did:jwk', 'jwk'] as const;

/** `credential_configurations_supported` of the issuer metadata. */
export function credentialConfigurations(): Record<string, Record<string, unknown>> {
  const entries: [string, Record<string, unknown>][] = [];
  for (const kind of CREDENTIAL_KINDS) {
    for (const format of WALLET_FORMATS) {
      entries.push([configurationId(kind, format), {
        format,
        scope: configurationId(kind, format),
        cryptographic_binding_methods_supported: [...BINDING_METHODS],
        credential_signing_alg_values_supported: format === 'jwt_vc_json' ? ['ES256', 'PS256', 'EdDSA'] : ['eddsa-rdfc-2022'],
        proof_types_supported: { jwt: { proof_signing_alg_values_supported: [...PROOF_SIGNING_ALGORITHMS] } },
        credential_definition: {
          ...(format === 'ldp_vc' ? { '@context': [VC_V2_CONTEXT, GX] } : {}),
          type: ['VerifiableCredential', kind.type],
        },
        credential_metadata: {
          display: [{ name: kind.name, locale: 'en', description: kind.description, background_color: kind.backgroundColor, text_color: '#ffffff' }],
        },
      }]);
    }
  }
  return Object.fromEntries(entries);
}
