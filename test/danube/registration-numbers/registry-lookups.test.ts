/**
 * The VIES, GLEIF and EORI clients behind RegistryLookup, each against a loopback server replaying
 * answers in the registry's own format (test/fixtures/registries/): valid, invalid, timeout and
 * malformed. Only a confirmed number yields evidence; a registry that cannot answer leaves the
 * number not checked, never valid.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistryLookup } from '../../../src/danube/registration-numbers/index.js';
import { createEoriLookup } from '../../../src/danube/registration-numbers/eori-lookup.js';
import { createGleifLookup } from '../../../src/danube/registration-numbers/gleif-lookup.js';
import { createViesLookup } from '../../../src/danube/registration-numbers/vies-lookup.js';
import { parseConfig } from '../../../src/config.js';

const NOW = new Date();
const clock = () => NOW;
const recorded = (name: string) => readFileSync(new URL(`../../fixtures/registries/${name}`, import.meta.url), 'utf8');

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;
const routes = new Map<string, Handler>();
const requests: { method: string; url: string; body: string }[] = [];
let server: Server;
let base: string;
const held: ServerResponse[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', body });
      const handler = routes.get(`${req.method} ${req.url}`);
      if (handler === undefined) res.writeHead(500).end('no route');
      else handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const res of held) res.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const json = (status: number, text: string): Handler => (_req, res) => res.writeHead(status, { 'content-type': 'application/json' }).end(text);
const xml = (text: string): Handler => (_req, res) => res.writeHead(200, { 'content-type': 'text/xml' }).end(text);
const never: Handler = (_req, res) => void held.push(res);

describe('VIES (VAT ids)', () => {
  const vies = () => createViesLookup({ testMode: true, baseUrl: `${base}/vies`, timeoutMs: 300, clock });

  it('confirms a registered VAT id with the notary evidence of the look-up', async () => {
    routes.set('GET /vies/ms/DE/vat/136695976', json(200, recorded('vies.valid.json')));
    expect(await vies().lookUp('gx:VatID', 'DE 136695976')).toEqual({
      status: 'valid',
      evidence: { 'gx:evidenceOf': 'gx:VatID', 'gx:evidenceURL': `${base}/vies/ms/DE/vat/136695976`, 'gx:executionDate': NOW.toISOString() },
    });
  });

  it('refuses a VAT id VIES does not know', async () => {
    routes.set('GET /vies/ms/DE/vat/999999999', json(200, recorded('vies.invalid.json')));
    expect(await vies().lookUp('gx:VatID', 'DE999999999')).toMatchObject({ status: 'invalid', message: 'VIES does not know the VAT id DE999999999' });
  });

  it('leaves the number not checked when the member state is down, VIES times out, or answers garbage', async () => {
    routes.set('GET /vies/ms/DE/vat/111111111', json(200, recorded('vies.ms-unavailable.json')));
    routes.set('GET /vies/ms/DE/vat/222222222', never);
    routes.set('GET /vies/ms/DE/vat/333333333', json(200, '<html>maintenance</html>'));
    routes.set('GET /vies/ms/DE/vat/444444444', json(200, '{"valid": "yes"}'));
    routes.set('GET /vies/ms/DE/vat/555555555', json(503, '{}'));
    expect(await vies().lookUp('gx:VatID', 'DE111111111')).toEqual({ status: 'not-checked', reason: 'VIES could not be asked: it answered MS_UNAVAILABLE' });
    expect(await vies().lookUp('gx:VatID', 'DE222222222')).toMatchObject({ status: 'not-checked', reason: expect.stringContaining('within 300 ms') });
    expect(await vies().lookUp('gx:VatID', 'DE333333333')).toMatchObject({ status: 'not-checked', reason: expect.stringContaining('not JSON') });
    expect(await vies().lookUp('gx:VatID', 'DE444444444')).toMatchObject({ status: 'not-checked', reason: expect.stringContaining('no isValid') });
    expect(await vies().lookUp('gx:VatID', 'DE555555555')).toMatchObject({ status: 'not-checked', reason: expect.stringContaining('503') });
  });

  it('follows no redirect, and outside test mode refuses plain http and loopback without connecting', async () => {
    routes.set('GET /vies/ms/DE/vat/666666666', (_req, res) => res.writeHead(302, { location: `${base}/vies/ms/DE/vat/136695976` }).end());
    expect(await vies().lookUp('gx:VatID', 'DE666666666')).toMatchObject({ status: 'not-checked', reason: expect.stringContaining('redirects are not followed') });
    const before = requests.length;
    const production = createViesLookup({ testMode: false, baseUrl: `${base}/vies`, clock });
    expect(await production.lookUp('gx:VatID', 'DE136695976')).toMatchObject({ status: 'not-checked' });
    expect(requests.length).toBe(before);
  });
});

describe('GLEIF (LEIs)', () => {
  const gleif = () => createGleifLookup({ testMode: true, baseUrl: `${base}/gleif`, timeoutMs: 300, clock });

  it('confirms an issued LEI of an active entity, with the evidence Loire notaries write', async () => {
    routes.set('GET /gleif/lei-records/9695007586GCAKPYJ703', json(200, recorded('gleif.lei-record.json')));
    expect(await gleif().lookUp('gx:LeiCode', '9695007586GCAKPYJ703')).toEqual({
      status: 'valid',
      evidence: { 'gx:evidenceOf': 'gx:LeiCode', 'gx:evidenceURL': `${base}/gleif/lei-records/9695007586GCAKPYJ703`, 'gx:executionDate': NOW.toISOString() },
    });
  });

  it('refuses an LEI GLEIF does not have (404) and a retired one', async () => {
    routes.set('GET /gleif/lei-records/529900T8BM49AURSDO55', json(404, recorded('gleif.not-found.json')));
    const retired = JSON.parse(recorded('gleif.lei-record.json'));
    retired.data.id = retired.data.attributes.lei = '5299000J2N45DDNE4Y28';
    retired.data.attributes.registration.status = 'RETIRED';
    routes.set('GET /gleif/lei-records/5299000J2N45DDNE4Y28', json(200, JSON.stringify(retired)));
    expect(await gleif().lookUp('gx:LeiCode', '529900T8BM49AURSDO55')).toMatchObject({ status: 'invalid', message: 'GLEIF has no LEI 529900T8BM49AURSDO55' });
    expect(await gleif().lookUp('gx:LeiCode', '5299000J2N45DDNE4Y28')).toMatchObject({ status: 'invalid', message: expect.stringContaining('RETIRED') });
  });

  it('leaves the LEI not checked on a timeout, or a record for another LEI', async () => {
    routes.set('GET /gleif/lei-records/213800D1EI4B9WTWWD28', never);
    routes.set('GET /gleif/lei-records/213800WSGIIZCXF1P572', json(200, recorded('gleif.lei-record.json')));
    expect(await gleif().lookUp('gx:LeiCode', '213800D1EI4B9WTWWD28')).toMatchObject({ status: 'not-checked', reason: expect.stringContaining('within 300 ms') });
    expect(await gleif().lookUp('gx:LeiCode', '213800WSGIIZCXF1P572')).toEqual({ status: 'not-checked', reason: 'GLEIF could not be asked: the answer is not the lei-record asked for' });
  });
});

describe('EORI validation service (SOAP)', () => {
  const eori = () => createEoriLookup({ testMode: true, baseUrl: `${base}/eori`, timeoutMs: 300, clock });
  const byNumber = (answers: Record<string, Handler>): Handler => (req, res, body) => {
    const number = /<ev:eori>([^<]*)<\/ev:eori>/.exec(body)?.[1] ?? '';
    (answers[number] ?? json(500, 'unknown'))(req, res, body);
  };

  it('posts validateEORI and reads status 0 as valid, 1 as not valid', async () => {
    routes.set('POST /eori', byNumber({ DE123456789012345: xml(recorded('eori.valid.xml')), DE999999999999999: xml(recorded('eori.invalid.xml')) }));
    expect(await eori().lookUp('gx:EORI', 'DE123456789012345')).toEqual({
      status: 'valid',
      evidence: { 'gx:evidenceOf': 'gx:EORI', 'gx:evidenceURL': `${base}/eori`, 'gx:executionDate': NOW.toISOString() },
    });
    expect(requests.at(-1)).toMatchObject({ method: 'POST', body: expect.stringContaining('<ev:validateEORI xmlns:ev="http://eori.ws.eos.dds.s/"><ev:eori>DE123456789012345</ev:eori>') });
    expect(await eori().lookUp('gx:EORI', 'DE999999999999999')).toMatchObject({ status: 'invalid' });
  });

  it('leaves the number not checked on a SOAP fault, a timeout, or an answer about another number', async () => {
    const fault = '<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body><S:Fault><faultcode>S:Server</faultcode><faultstring>Service unavailable</faultstring></S:Fault></S:Body></S:Envelope>';
    routes.set('POST /eori', byNumber({ DE111111111111111: xml(fault), DE222222222222222: never, DE333333333333333: xml(recorded('eori.valid.xml')) }));
    expect(await eori().lookUp('gx:EORI', 'DE111111111111111')).toMatchObject({ status: 'not-checked' });
    expect(await eori().lookUp('gx:EORI', 'DE222222222222222')).toMatchObject({ status: 'not-checked', reason: expect.stringContaining('within 300 ms') });
    expect(await eori().lookUp('gx:EORI', 'DE333333333333333')).toMatchObject({ status: 'not-checked' });
  });

  it('never puts anything but an EORI into the request', async () => {
    const before = requests.length;
    expect(await eori().lookUp('gx:EORI', 'DE1</ev:eori><x>')).toMatchObject({ status: 'not-checked' });
    expect(requests.length).toBe(before);
  });
});

describe('createRegistryLookup() and GX_REGISTRY_*', () => {
  it('is off by default: no registry is asked', async () => {
    const config = parseConfig({});
    expect(config.registryLookups).toEqual({ enabled: [], baseUrls: {}, timeoutMs: 5000 });
    const before = requests.length;
    expect(await createRegistryLookup({ ...config.registryLookups, testMode: true, clock }).lookUp('gx:VatID', 'DE136695976')).toMatchObject({ status: 'not-checked' });
    expect(requests.length).toBe(before);
  });

  it('asks each enabled registry about its own number type only', async () => {
    const config = parseConfig({ GX_REGISTRY_LOOKUPS: 'gleif, VIES', GX_REGISTRY_VIES_URL: `${base}/vies`, GX_REGISTRY_GLEIF_URL: `${base}/gleif`, GX_REGISTRY_TIMEOUT_MS: '300' });
    expect(config.registryLookups.enabled).toEqual(['gleif', 'vies']);
    const lookup = createRegistryLookup({ ...config.registryLookups, testMode: true, clock });
    routes.set('GET /vies/ms/DE/vat/136695976', json(200, recorded('vies.valid.json')));
    expect(await lookup.lookUp('gx:VatID', 'DE136695976')).toMatchObject({ status: 'valid' });
    expect(await lookup.lookUp('gx:EORI', 'DE123456789012345')).toEqual({ status: 'not-checked', reason: 'no registry look-up is enabled for gx:EORI' });
  });

  it('refuses an unknown registry name at start, naming the variable', () => {
    expect(() => parseConfig({ GX_REGISTRY_LOOKUPS: 'vies,bris' })).toThrow(/GX_REGISTRY_LOOKUPS/);
    expect(() => parseConfig({ GX_REGISTRY_VIES_URL: 'ftp://x' })).toThrow(/GX_REGISTRY_VIES_URL/);
  });
});
