/**
 * What no input may carry, over HTTP, in every format and on every route: a JSON-LD context that
 * is not pinned in contexts/manifest.json (a DID above all) at any depth, and the prototype keys
 * `__proto__`, `constructor` and `prototype` at any depth. Issuing and validating refuse them with
 * 400 and a pointer; verifying reports a failed check; nothing is fetched, nothing is echoed.
 */
import { CompactSign } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { legalPersonSubmission } from '../../src/danube/example-submissions.js';
import { startDidWebServer, type DidWebServer } from '../helpers/did-web-server.js';
import { postJson, startService, type RunningService } from '../helpers/service.js';
import { servicePrivateKey } from '../helpers/service-keys.js';

const VC_V2 = 'https://www.w3.org/ns/credentials/v2';
const GX_DEVELOPMENT = 'https://w3id.org/gaia-x/development#';

let svc: RunningService;
let contexts: DidWebServer;
/** A did:web whose document carries JSON-LD definitions: resolved as a context, they would change the meaning of gx: terms. */
let contextDid: string;
let prototypeNames: string[];

beforeAll(async () => {
  svc = await startService();
  contexts = await startDidWebServer();
  contextDid = contexts.didFor(['ctx']);
  contexts.setDocument(contextDid, {
    '@context': [{ '@version': 1.1, legalName: 'https://evil.example/legalName', 'gx:legalAddress': { '@id': 'https://evil.example/nowhere' } }],
    id: contextDid,
  });
  prototypeNames = Object.getOwnPropertyNames(Object.prototype).sort();
});
afterAll(async () => {
  await svc?.close();
  await contexts?.close();
});
afterEach(() => {
  // The check every attack case makes: Object.prototype is unchanged.
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeNames);
  expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
});

const auth = () => ({ authorization: `Bearer ${svc.apiKey}` });

function credential(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { '@context': [VC_V2], type: ['VerifiableCredential'], issuer: svc.service.keyring.did, credentialSubject: { id: 'did:web:member.example' }, ...extra };
}

/** A vc+jwt signed by the service's own P-256 key, with whatever payload the test wants (the issue route would refuse it). */
async function serviceSignedJwt(payload: Record<string, unknown> | string, typ = 'vc+jwt'): Promise<string> {
  const did = svc.service.keyring.did;
  const bytes = typeof payload === 'string' ? payload : JSON.stringify({ issuer: did, ...payload });
  return new CompactSign(Buffer.from(bytes)).setProtectedHeader({ alg: 'ES256', typ, kid: `${did}#jwk-p256` }).sign(servicePrivateKey(svc.service, 'P-256'));
}

function failedChecks(report: { checks: { check: string; verified: boolean; code?: string; pointer?: string }[] }) {
  return report.checks.filter((check) => !check.verified && check.code !== 'CHECK_NOT_RUN');
}

describe('contexts: only the pinned set, at any depth, in every format', () => {
  it('POST /danube/validate refuses a did: context with 400 CONTEXT_NOT_ALLOWED and never resolves the DID', async () => {
    const submission = legalPersonSubmission() as Record<string, unknown>[];
    submission[0]!['@context'] = [VC_V2, GX_DEVELOPMENT, contextDid];
    const response = await postJson(`${svc.url}/danube/validate`, submission);
    expect(response.status, response.text).toBe(400);
    expect(response.body).toMatchObject({ code: 'CONTEXT_NOT_ALLOWED', pointer: '/0/@context/2' });
    expect(response.body.detail).toContain('is a DID');
    expect(contexts.requestCount()).toBe(0);
  });

  it('POST /danube/validate refuses a did: context in a scoped context, and one inside a JWT of the submission', async () => {
    const scoped = legalPersonSubmission() as Record<string, any>[];
    scoped[0]!['@context'] = [VC_V2, GX_DEVELOPMENT, { ex: { '@id': 'https://example.org/ex', '@context': contextDid } }];
    const response = await postJson(`${svc.url}/danube/validate`, scoped);
    expect(response.status, response.text).toBe(400);
    expect(response.body).toMatchObject({ code: 'CONTEXT_NOT_ALLOWED', pointer: '/0/@context/2/ex/@context' });

    const jwt = await serviceSignedJwt({ ...(legalPersonSubmission()[0] as object), '@context': [VC_V2, GX_DEVELOPMENT, contextDid] });
    const asJwts = await postJson(`${svc.url}/danube/validate`, [jwt]);
    expect(asJwts.status, asJwts.text).toBe(400);
    expect(asJwts.body).toMatchObject({ code: 'CONTEXT_NOT_ALLOWED', pointer: '/0' });
    expect(asJwts.body.detail).toContain('/@context/2');
    expect(contexts.requestCount()).toBe(0);
  });

  it.each([
    ['an @import inside an inline context', [VC_V2, { '@import': 'https://evil.example/ctx' }], '/credential/@context/1/@import'],
    ['a scoped context inside a term definition', [VC_V2, { ex: { '@id': 'https://example.org/ex', '@context': 'https://evil.example/ctx' } }], '/credential/@context/1/ex/@context'],
    ['a did: context', [VC_V2, 'did:web:evil.example'], '/credential/@context/1'],
  ])('POST /credentials/issue (vc+jwt) refuses %s with 400 CONTEXT_NOT_ALLOWED', async (_name, context, pointer) => {
    const response = await postJson(`${svc.url}/credentials/issue`, { credential: credential({ '@context': context }), options: { format: 'vc+jwt' } }, auth());
    expect(response.status, response.text).toBe(400);
    expect(response.body).toMatchObject({ code: 'CONTEXT_NOT_ALLOWED', pointer });
  });

  it('POST /credentials/issue (vc+jwt) still takes inline term definitions', async () => {
    const response = await postJson(
      `${svc.url}/credentials/issue`,
      { credential: credential({ '@context': [VC_V2, { ex: 'https://example.org/vocab#' }] }), options: { format: 'vc+jwt' } },
      { ...auth(), accept: 'application/vc+jwt' },
    );
    expect(response.status, response.text).toBe(201);
  });

  it('POST /credentials/verify fails the format check of a signed vc+jwt whose payload names an unpinned context', async () => {
    for (const context of [[VC_V2, contextDid], [VC_V2, { '@import': 'https://evil.example/ctx' }]]) {
      const jwt = await serviceSignedJwt(credential({ '@context': context }));
      const response = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: jwt });
      expect(response.status, response.text).toBe(422);
      expect(failedChecks(response.body)).toEqual([expect.objectContaining({ check: 'format', code: 'CONTEXT_NOT_ALLOWED' })]);
      expect(response.body.document).toBeUndefined();
    }
    expect(contexts.requestCount()).toBe(0);
  });

  it('POST /presentations/verify fails an enveloped credential whose payload names a did: context', async () => {
    const held = await serviceSignedJwt(credential({ '@context': [VC_V2, contextDid] }));
    const vp = await serviceSignedJwt(
      {
        '@context': [VC_V2],
        type: ['VerifiablePresentation'],
        holder: svc.service.keyring.did,
        verifiableCredential: [{ '@context': VC_V2, type: 'EnvelopedVerifiableCredential', id: `data:application/vc+jwt,${held}` }],
      },
      'vp+jwt',
    );
    const response = await postJson(`${svc.url}/presentations/verify`, { verifiablePresentation: vp });
    expect(response.status, response.text).toBe(422);
    expect(failedChecks(response.body)).toEqual([]);
    expect(failedChecks(response.body.credentials[0])).toEqual([expect.objectContaining({ check: 'format', code: 'CONTEXT_NOT_ALLOWED' })]);
    expect(contexts.requestCount()).toBe(0);
  });

  it('POST /api/credential-offers (compliance) refuses a presentation holding a credential with a did: context, before any rule runs', async () => {
    const held = { ...(legalPersonSubmission()[0] as Record<string, unknown>), '@context': [VC_V2, GX_DEVELOPMENT, contextDid] };
    const vp = { '@context': [VC_V2], type: ['VerifiablePresentation'], verifiableCredential: [held] };
    const response = await postJson(`${svc.url}/api/credential-offers`, vp, auth());
    expect(response.status, response.text).toBe(400);
    expect(response.body).toMatchObject({ code: 'CONTEXT_NOT_ALLOWED', pointer: '/verifiableCredential/0/@context/2' });
    expect(contexts.requestCount()).toBe(0);
  });

  it('POST /credentials/verify fails a Data Integrity credential given a did: context after signing, without resolving it', async () => {
    const issued = await postJson(`${svc.url}/credentials/issue`, { credential: credential() }, auth());
    expect(issued.status, issued.text).toBe(201);
    const vc = { ...issued.body.verifiableCredential, '@context': [VC_V2, { ex: { '@id': 'https://example.org/ex', '@context': contextDid } }] };
    const response = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: vc });
    expect(response.status, response.text).toBe(422);
    expect(failedChecks(response.body)).toEqual([expect.objectContaining({ code: 'CONTEXT_NOT_ALLOWED', pointer: '/@context/1/ex/@context' })]);
    expect(contexts.requestCount()).toBe(0);
  });
});

describe('prototype keys: refused anywhere in any input, before JSON-LD', () => {
  /** `"key": value` inserted as the first member of the object that follows `after` in the JSON text. */
  const inject = (json: string, after: string, member: string) => {
    const at = json.indexOf(after);
    expect(at).toBeGreaterThanOrEqual(0);
    return `${json.slice(0, at + after.length)}${member},${json.slice(at + after.length)}`;
  };

  it('POST /credentials/verify refuses a signed Data Integrity credential with __proto__ added after signing (400, not verified and echoed)', async () => {
    const issued = await postJson(`${svc.url}/credentials/issue`, { credential: credential() }, auth());
    expect(issued.status, issued.text).toBe(201);
    const body = inject(JSON.stringify({ verifiableCredential: issued.body.verifiableCredential }), '"credentialSubject":{', '"__proto__":{"polluted":true}');
    for (const contentType of ['application/json', 'application/ld+json', 'application/vc+ld+json']) {
      const response = await postJson(`${svc.url}/credentials/verify`, body, { 'content-type': contentType });
      expect(response.status, `${contentType}: ${response.text}`).toBe(400);
      expect(response.body).toMatchObject({ code: 'FORBIDDEN_KEY', pointer: '/verifiableCredential/credentialSubject/__proto__' });
      expect(response.text).not.toContain('polluted');
    }
  });

  it.each([['constructor'], ['prototype']])('POST /credentials/verify refuses a signed vc+jwt whose payload has a %s key', async (key) => {
    const payload = inject(JSON.stringify(credential()), '"credentialSubject":{', `"${key}":{"polluted":true}`);
    const jwt = await serviceSignedJwt(payload);
    const response = await postJson(`${svc.url}/credentials/verify`, jwt, { 'content-type': 'application/vc+jwt' });
    expect(response.status, response.text).toBe(422);
    expect(failedChecks(response.body)).toEqual([expect.objectContaining({ check: 'format', code: 'FORBIDDEN_KEY' })]);
    expect(response.text).not.toContain('polluted');
  });

  it('POST /credentials/issue refuses __proto__ nested in the credential, pointing at it', async () => {
    const body = inject(JSON.stringify({ credential: credential(), options: { format: 'vc+jwt' } }), '"credentialSubject":{', '"__proto__":{"polluted":true}');
    const response = await postJson(`${svc.url}/credentials/issue`, body, auth());
    expect(response.status, response.text).toBe(400);
    expect(response.body).toMatchObject({ code: 'FORBIDDEN_KEY', pointer: '/credential/credentialSubject/__proto__' });
  });

  it('POST /danube/validate refuses __proto__ in a credential, and in the payload of a JWT of the submission', async () => {
    const json = inject(JSON.stringify(legalPersonSubmission()), '"credentialSubject":{', '"__proto__":{"@id":"x"}');
    const response = await postJson(`${svc.url}/danube/validate`, json);
    expect(response.status, response.text).toBe(400);
    expect(response.body).toMatchObject({ code: 'FORBIDDEN_KEY', pointer: '/0/credentialSubject/__proto__' });

    const jwt = await serviceSignedJwt(inject(JSON.stringify(legalPersonSubmission()[0]), '"credentialSubject":{', '"__proto__":{"@id":"x"}'));
    const decoded = await postJson(`${svc.url}/danube/validate`, [jwt]);
    expect(decoded.status, decoded.text).toBe(400);
    expect(decoded.body).toMatchObject({ code: 'FORBIDDEN_KEY', pointer: '/0' });
  });

  it('an admin body (POST /members) with a __proto__ member is refused before its route reads it', async () => {
    const response = await postJson(`${svc.url}/members`, '{"slug":"proto","name":"Proto GmbH","__proto__":{"polluted":true}}', auth());
    expect(response.status, response.text).toBe(400);
    expect(response.body).toMatchObject({ code: 'FORBIDDEN_KEY', pointer: '/__proto__' });
    expect((await fetch(`${svc.url}/members/proto/did.json`)).status).toBe(404);
  });

  it('a body nested deeper than any document needs is 400, from the one walk, not a stack overflow', async () => {
    const deep = `{"verifiableCredential":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const response = await postJson(`${svc.url}/credentials/verify`, deep);
    expect(response.status, response.text).toBe(400);
    expect(response.body).toMatchObject({ code: 'INVALID_INPUT' });
    expect(response.body.detail).toContain('nests deeper than 64');
  });
});
