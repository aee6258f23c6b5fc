/**
 * GX_REGISTRY_LOOKUPS end to end: the service, configured to ask VIES and GLEIF (base URLs pointing
 * at a loopback server replaying their recorded answers), notarises the numbers they confirm with the
 * Loire notary `evidence`, as the Gaia-X notaries do.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startService, type RunningService } from '../helpers/service.js';

const CURRENT_TC = '067dcac5efd18c1927deb1ffed3feab6d0ad044c0a9a263e6d5d8bdc43224515';
const MEMBER = 'did:web:member.example';
const recorded = (name: string) => readFileSync(new URL(`../fixtures/registries/${name}`, import.meta.url), 'utf8');
const now = new Date();

let registry: Server;
let svc: RunningService;
beforeAll(async () => {
  const answers = new Map([
    ['/vies/ms/DE/vat/136695976', recorded('vies.valid.json')],
    ['/gleif/lei-records/9695007586GCAKPYJ703', recorded('gleif.lei-record.json')],
  ]);
  registry = createServer((req, res) => {
    const answer = answers.get(req.url ?? '');
    if (answer === undefined) res.writeHead(404, { 'content-type': 'application/json' }).end(recorded('gleif.not-found.json'));
    else res.writeHead(200, { 'content-type': 'application/json' }).end(answer);
  });
  await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(registry.address() as AddressInfo).port}`;
  svc = await startService({ GX_REGISTRY_LOOKUPS: 'vies,gleif', GX_REGISTRY_VIES_URL: `${base}/vies`, GX_REGISTRY_GLEIF_URL: `${base}/gleif` }, { clock: () => now });
});
afterAll(async () => {
  await svc?.close();
  registry?.closeAllConnections();
  await new Promise((resolve) => registry?.close(resolve));
});

function participant(lei: string) {
  const address = { countryCode: 'DE', region: 'DE30', locality: 'Berlin', streetAddress: 'Sample Street 1', postalCode: '10115' };
  return {
    id: MEMBER,
    name: 'Member GmbH',
    legalAddress: address,
    headquartersAddress: address,
    registrationNumbers: [
      { type: 'gx:VatID', value: 'DE136695976', countryCode: 'DE' },
      { type: 'gx:LeiCode', value: lei, countryCode: 'DE' },
    ],
    termsAndConditions: CURRENT_TC,
  };
}

const payloadOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, any>;

describe('POST /participants with GX_REGISTRY_LOOKUPS=vies,gleif', () => {
  it('notarises confirmed numbers with the evidence of the look-up', async () => {
    const response = await postJson(`${svc.url}/participants`, { participant: participant('9695007586GCAKPYJ703') }, { authorization: `Bearer ${svc.apiKey}` });
    expect(response.status, response.text).toBe(201);
    const [, vat, lei] = response.body.credentials as { jwt: string }[];
    expect(payloadOf(vat!.jwt).evidence).toEqual({ 'gx:evidenceOf': 'gx:VatID', 'gx:evidenceURL': expect.stringMatching(/\/vies\/ms\/DE\/vat\/136695976$/), 'gx:executionDate': now.toISOString() });
    expect(payloadOf(lei!.jwt).evidence).toEqual({ 'gx:evidenceOf': 'gx:LeiCode', 'gx:evidenceURL': expect.stringMatching(/\/gleif\/lei-records\/9695007586GCAKPYJ703$/), 'gx:executionDate': now.toISOString() });
    expect(response.body.registryLookups.map((l: { status: string }) => l.status)).toEqual(['valid', 'valid']);
  });

  it('issues nothing for an LEI GLEIF does not have', async () => {
    const response = await postJson(`${svc.url}/participants`, { participant: participant('529900T8BM49AURSDO55') }, { authorization: `Bearer ${svc.apiKey}` });
    expect(response.status, response.text).toBe(422);
    expect(response.body.code).toBe('SELF_DESCRIPTION_INVALID');
    expect(response.body.findings).toEqual([expect.objectContaining({ rule: 'gx:LeiCode/registry', pointer: '/participant/registrationNumbers/1/value', message: 'GLEIF has no LEI 529900T8BM49AURSDO55' })]);
  });
});
