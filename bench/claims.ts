/**
 * Claims reading (src/issuing/credential-claims.ts): the JSON-LD expansion the signing policy runs
 * before every issuance, next to jsonld.expand alone on the same credential, in CPU µs per call
 * (process.cpuUsage: wall time is unreadable on a loaded machine). Each call gets a credential of
 * its own (id, status index, subject), with the contexts of a recorded issuance: credentials v2,
 * its VerifiableCredential and BitstringStatusListEntry type-scoped contexts, and Gaia-X.
 * Run alone: `npx tsx bench/claims.ts`.
 */
import jsonld from 'jsonld';
import { shareActiveContextDefinitions } from '../src/document-loader/active-context.js';
import { createDocumentLoader } from '../src/document-loader/index.js';
import { createClaimsReader } from '../src/issuing/credential-claims.js';
import { isProgram } from '../src/is-program.js';

export interface ClaimsRow {
  name: string;
  'µs/op': number;
  calls: number;
}

export function claimsCredential(i: number): Record<string, unknown> {
  return {
    '@context': ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/gaia-x/development#'],
    type: ['VerifiableCredential'],
    issuer: 'did:web:localhost%3A8080',
    id: `urn:uuid:${i}`,
    credentialStatus: [
      {
        id: `https://localhost:8080/status/1#${i}`,
        type: 'BitstringStatusListEntry',
        statusPurpose: 'revocation',
        statusListIndex: String(i),
        statusListCredential: 'https://localhost:8080/status/1',
      },
    ],
    credentialSubject: { id: `did:web:member-${i}.example`, 'gx:countryCode': 'DE', 'gx:legalName': 'Example Member GmbH' },
  };
}

/** CPU µs per call of `run` over `calls` calls, after `warm` calls. */
export async function cpuMicrosPerCall(run: (i: number) => Promise<unknown>, warm: number, calls: number): Promise<number> {
  for (let i = 0; i < warm; i++) await run(i);
  const before = process.cpuUsage();
  for (let i = 0; i < calls; i++) await run(warm + i);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / calls;
}

export async function benchmarkClaims(options: { warm?: number; calls?: number } = {}): Promise<ClaimsRow[]> {
  const warm = options.warm ?? 3000;
  const calls = options.calls ?? 10_000;
  shareActiveContextDefinitions();
  const read = createClaimsReader();
  const documentLoader = createDocumentLoader();
  const claims = await cpuMicrosPerCall((i) => read(claimsCredential(i)), warm, calls);
  const expand = await cpuMicrosPerCall((i) => jsonld.expand(claimsCredential(i), { documentLoader, safe: false }), warm, calls);
  return [
    { name: 'claims reading (createClaimsReader)', 'µs/op': Math.round(claims * 10) / 10, calls },
    { name: 'raw jsonld.expand, same credential', 'µs/op': Math.round(expand * 10) / 10, calls },
  ];
}

if (isProgram(import.meta.url)) {
  console.table(await benchmarkClaims({ warm: Number(process.env['BENCH_CLAIMS_WARM'] ?? 3000), calls: Number(process.env['BENCH_CLAIMS_CALLS'] ?? 10_000) }));
}
