/**
 * The mistakes people make on their first requests, each answered with a problem+json that has a
 * stable code, a JSON pointer and a hint saying what to send instead: no Content-Type (or
 * text/plain, or curl -d's form encoding), no body, JSON that does not parse, a bare credential
 * where the route wraps it, an unknown key, a Tagus participant sent for 25.11 onboarding, a unit
 * outside the allowed list, and a Gaia-X term misspelt in a draft.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../src/http/route-table.js';
import { makeAIServiceSubmission, makeLegalPersonSubmission, subjectOf } from '../danube/fixtures.js';
import { startService, type RunningService } from '../helpers/service.js';

let svc: RunningService;
beforeAll(async () => {
  svc = await startService();
});
afterAll(async () => {
  await svc?.close();
});

interface Answer {
  status: number;
  type: string | null;
  body: any;
}

/**
 * A POST as node:http sends it: only the headers given (fetch would add text/plain to a string
 * body, and a body-less request could not be told from a request without a Content-Type).
 */
function post(path: string, body: string | undefined, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${svc.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${svc.apiKey}`, ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }), ...headers },
    });
    request.once('error', reject);
    request.once('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.once('end', () => resolve({ status: response.statusCode ?? 0, type: response.headers['content-type'] ?? null, body: text === '' ? undefined : JSON.parse(text) }));
    });
    request.end(body);
  });
}

const postJson = (path: string, value: unknown) => post(path, JSON.stringify(value), { 'content-type': 'application/json' });

function expectProblem(answer: Answer, status: number, code: string): void {
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  expect(answer.type).toMatch(/^application\/problem\+json/);
  expect(answer.body.code).toBe(code);
  expect(typeof answer.body.pointer).toBe('string');
  expect(typeof answer.body.hint).toBe('string');
}

const credential = {
  '@context': ['https://www.w3.org/ns/credentials/v2'],
  type: ['VerifiableCredential'],
  credentialSubject: { id: 'did:web:member.example' },
};

const presentation = {
  '@context': ['https://www.w3.org/ns/credentials/v2'],
  type: ['VerifiablePresentation'],
  holder: 'did:web:member.example',
};

/** Every POST route of the table that takes a body, with its path parameters filled in. */
const BODY_ROUTES = ROUTES.filter((route) => route.method === 'post' && route.request !== undefined).map((route) => ({
  path: route.path.replace(/:([A-Za-z]+)/g, (_match, name: string) => route.request?.example.params?.[name] ?? 'x'),
  mediaTypes: route.request?.mediaTypes ?? ['application/json'],
}));

describe('a body in a media type gx-trust does not read', () => {
  it.each([
    ['no Content-Type', {}],
    ['text/plain (fetch with a string body)', { 'content-type': 'text/plain;charset=UTF-8' }],
    ['application/x-www-form-urlencoded (curl -d)', { 'content-type': 'application/x-www-form-urlencoded' }],
  ])('is 415 on every route that takes one, naming the Content-Type to send: %s', async (_name, headers) => {
    expect(BODY_ROUTES.length).toBeGreaterThan(10);
    for (const { path, mediaTypes } of BODY_ROUTES) {
      // The OAuth token endpoint reads forms (RFC 6749): a form is its media type, not a newcomer's slip.
      if (mediaTypes.includes(((headers as Record<string, string>)['content-type'] ?? '').split(';')[0]!)) continue;
      const answer = await post(path, '{"credential": {}}', headers);
      expectProblem(answer, 415, 'UNSUPPORTED_MEDIA_TYPE');
      expect(answer.body.hint, path).toContain(`Content-Type: ${mediaTypes[0]}`);
      expect(answer.body.detail, path).toContain(mediaTypes[0]);
    }
  });

  it('says whether the Content-Type was missing or which one was sent', async () => {
    expect((await post('/credentials/issue', '{}')).body.detail).toContain('no Content-Type');
    expect((await post('/credentials/issue', '{}', { 'content-type': 'text/plain' })).body.detail).toContain('text/plain is not read here');
  });
});

describe('a request without a body on a route that needs one', () => {
  it('is 400 sketching the body the route takes', async () => {
    const answer = await post('/credentials/issue', undefined);
    expectProblem(answer, 400, 'INVALID_INPUT');
    expect(answer.body.detail).toBe('POST /credentials/issue needs a request body');
    expect(answer.body.hint).toContain('{"credential": <the document>, "options": {...}}');
    expect(answer.body.hint).toContain('Content-Type: application/json');
  });
});

describe('JSON that does not parse', () => {
  it('is 400 naming the line, the column and the byte offset of the fault', async () => {
    // A trailing comma on line 4; "é" is two bytes, so the byte offset is one more than the index.
    const text = '{\n  "credential": {\n    "name": "é",\n  }\n}';
    const answer = await post('/credentials/issue', text, { 'content-type': 'application/json' });
    expectProblem(answer, 400, 'INVALID_INPUT');
    const index = text.indexOf('}');
    expect(answer.body.detail).toBe(`the request body is not valid JSON: Unexpected token } (expected a double-quoted property name) at line 4, column 3 (byte offset ${index + 1})`);
    expect(answer.body.hint).toContain('line 4, column 3');
  });

  it('names the end of the input when the body stops short', async () => {
    const answer = await post('/credentials/verify', '{"verifiableCredential": {', { 'content-type': 'application/json' });
    expectProblem(answer, 400, 'INVALID_INPUT');
    expect(answer.body.detail).toContain('Unexpected end of input (expected a double-quoted property name) at line 1, column 27 (byte offset 26)');
  });
});

describe('a bare credential or presentation where the route wraps it', () => {
  it.each([
    ['/credentials/issue', 'credential', credential, 'credential', '{"credential": <the verifiable credential>, "options": {...}}'],
    ['/credentials/verify', 'credential', credential, 'verifiableCredential', '{"verifiableCredential": <the verifiable credential>, "options": {...}}'],
    ['/presentations/verify', 'presentation', presentation, 'verifiablePresentation', '{"verifiablePresentation": <the verifiable presentation>, "options": {...}}'],
    ['/presentations/prove', 'presentation', presentation, 'presentation', '{"presentation": <the verifiable presentation>, "options": {...}}'],
    ['/participants', 'credential', credential, 'credentials', '{"credentials": [<the verifiable credential>], "options": {...}}'],
  ])('%s: a bare %s is told its wrapper', async (path, kind, document, wrapper, sketch) => {
    const answer = await postJson(path, document);
    expectProblem(answer, 400, 'INVALID_INPUT');
    expect(answer.body.detail).toContain(`the body is a bare verifiable ${kind}`);
    expect(answer.body.detail).toContain(`{"${wrapper}": `);
    expect(answer.body.pointer).toBe('');
    expect(answer.body.hint).toBe(`Send ${sketch}`);
  });
});

describe('an unknown key', () => {
  it('is pointed at, with the known key it is a slip of', async () => {
    const answer = await postJson('/participants', {
      participant: { id: 'did:web:member.example', name: 'Member GmbH', legalAdress: { countryCode: 'DE' } },
    });
    expectProblem(answer, 400, 'INVALID_INPUT');
    expect(answer.body.pointer).toBe('/participant/legalAdress');
    expect(answer.body.detail).toBe('/participant/legalAdress: unknown key "legalAdress": did you mean "legalAddress"?');
    expect(answer.body.hint).toBe('Rename "legalAdress" to "legalAddress"');
  });

  it('on the request envelope too, each unknown key with its own pointer', async () => {
    const answer = await postJson('/credentials/issue', { credential, option: { format: 'vc+jwt' }, colour: 'red' });
    expectProblem(answer, 400, 'INVALID_INPUT');
    expect(answer.body.errors.map((e: { pointer: string; detail: string }) => [e.pointer, e.detail])).toEqual([
      ['/option', 'unknown key "option": did you mean "options"?'],
      ['/colour', 'unknown key "colour"'],
    ]);
    // No likely slip: the keys the object takes are listed instead.
    expect(answer.body.errors[1].hint).toBe('Remove "colour"; this object takes "credential", "options"');
  });
});

describe('a Tagus (22.10) participant sent to POST /participants', () => {
  const tagus = {
    '@context': ['https://www.w3.org/2018/credentials/v1', 'https://registry.lab.gaia-x.eu/development/api/trusted-shape-registry/v1/shapes/jsonld/trustframework#'],
    type: ['VerifiableCredential'],
    issuer: 'did:web:member.example',
    issuanceDate: new Date().toISOString(),
    credentialSubject: {
      id: 'did:web:member.example#participant',
      type: 'gx:LegalParticipant',
      'gx:legalName': 'Member GmbH',
      'gx:legalRegistrationNumber': { id: 'did:web:member.example#lrn' },
      'gx:headquarterAddress': { 'gx:countrySubdivisionCode': 'DE-BE' },
      'gx:legalAddress': { 'gx:countrySubdivisionCode': 'DE-BE' },
    },
  };

  it('is answered once: 422 TAGUS_TERM naming Tagus 22.10 and every 25.11 replacement', async () => {
    const answer = await postJson('/participants', tagus);
    expectProblem(answer, 422, 'TAGUS_TERM');
    expect(answer.body.detail).toContain('Gaia-X Tagus (22.10)');
    expect(answer.body.detail).toContain('Danube 25.11');
    expect(answer.body.pointer).toBe('/credentialSubject/type');
    for (const replacement of ['gx:LegalPerson', 'schema:name', 'gx:registrationNumber', 'gx:headquartersAddress', 'vcard:region']) {
      expect(answer.body.hint).toContain(replacement);
    }
    // Each Tagus word once, at its first place, though gx:countrySubdivisionCode is written twice.
    expect(answer.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual([
      '/credentialSubject/type',
      '/credentialSubject/gx:legalName',
      '/credentialSubject/gx:legalRegistrationNumber',
      '/credentialSubject/gx:headquarterAddress',
      '/credentialSubject/gx:headquarterAddress/gx:countrySubdivisionCode',
    ]);
  });

  it('in {"credentials": [...]} too, with the validator\'s findings kept', async () => {
    const [legalPerson, ...rest] = makeLegalPersonSubmission();
    subjectOf(legalPerson!)['type'] = 'gx:LegalParticipant';
    const answer = await postJson('/participants', { credentials: [legalPerson, ...rest] });
    expectProblem(answer, 422, 'TAGUS_TERM');
    expect(answer.body.detail).toContain('Gaia-X Tagus (22.10)');
    expect(answer.body.hint).toContain('gx:LegalPerson');
    expect(answer.body.findings.some((f: { code?: string }) => f.code === 'TAGUS_TERM')).toBe(true);
    expect(answer.body.errors.every((e: { code: string }) => e.code === 'TAGUS_TERM')).toBe(true);
  });
});

describe('POST /danube/validate', () => {
  it('lists the allowed units of an IPCEI-AI figure whose unit is not one of them', async () => {
    const submission = makeAIServiceSubmission();
    subjectOf(submission[5]!)['ipcei:trainingCompute'] = { 'ipcei:value': 3.1e23, 'ipcei:unit': 'TFLOP' };
    const answer = await postJson('/danube/validate', submission);
    expect(answer.status).toBe(200);
    expect(answer.body.conforms).toBe(false);
    const [finding] = answer.body.findings;
    expect(finding).toMatchObject({ rule: 'shacl:node', pointer: '/5/credentialSubject/ipcei:trainingCompute' });
    expect(finding.message).toContain('"TFLOP" is not an allowed value of ipcei:unit; allowed: "FLOP", "GPU-hour"');
    expect(finding.hint).toContain('Use one of "FLOP", "GPU-hour"');
  });

  it('names the Gaia-X term a misspelt one is a slip of', async () => {
    const submission = makeLegalPersonSubmission();
    const subject = subjectOf(submission[0]!);
    subject['gx:legalAdress'] = subject['gx:legalAddress'];
    const answer = await postJson('/danube/validate', submission);
    const closed = answer.body.findings.find((f: { rule: string }) => f.rule === 'shacl:closed');
    expect(closed).toMatchObject({ pointer: '/0/credentialSubject/gx:legalAdress', hint: 'Rename gx:legalAdress to gx:legalAddress' });
    expect(closed.message).toContain('did you mean gx:legalAddress?');
  });
});
