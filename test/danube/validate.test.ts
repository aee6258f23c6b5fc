import { beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { createDocumentLoader } from '../../src/document-loader/index.js';
import {
  createSelfDescriptionValidator,
  type SelfDescriptionValidator,
} from '../../src/danube/validate.js';
import type { Finding } from '../../src/danube/finding.js';
import { GX, IPCEI, SCHEMA } from '../../src/danube/namespaces.js';
import {
  DEPRECATED_TC,
  MEMBER,
  makeAIModelProfile,
  makeAIServiceSubmission,
  makeAddress,
  makeIssuer,
  makeLegalPerson,
  makeLegalPersonSubmission,
  makeLeiCode,
  makeServiceOffering,
  makeVatId,
  readSample,
  subjectOf,
} from './fixtures.js';

const documentLoader = createDocumentLoader();
const BEFORE_DEADLINE = fixedClock('2026-03-31T12:00:00Z');
const AFTER_DEADLINE = fixedClock('2026-04-01T00:00:00Z');

type Json = Record<string, unknown>;
const only = (findings: Finding[]) => findings.map(({ rule, pointer, path }) => ({ rule, pointer, path }));

/** The 25.11 sample claims: the LegalPerson graph and the DataProduct + ServiceOffering graph link to each other. */
const samples = (): Json[] => [
  readSample('danube-25.11/legal-person-claims.jsonld'),
  readSample('danube-25.11/data-product-and-service-offering-claims.jsonld'),
];

interface BrokenVariant {
  name: string;
  submission: () => Json[];
  expected: { rule: string; pointer: string; path: string };
  /** The official file expresses some constraints differently (sh:or of three sh:in lists for country codes). */
  officialRule?: string;
  /** The official 25.11 file has the same rule (code-only rules such as check digits it has not). */
  officialCovers: boolean;
  now?: typeof AFTER_DEADLINE;
}

const BROKEN: BrokenVariant[] = [
  {
    name: 'a LegalPerson without gx:legalAddress',
    submission: () => {
      const [lp, ...rest] = makeLegalPersonSubmission();
      delete subjectOf(lp!)['gx:legalAddress'];
      return [lp!, ...rest];
    },
    expected: { rule: 'shacl:minCount', pointer: '/0/credentialSubject/gx:legalAddress', path: `${GX}legalAddress` },
    officialCovers: true,
  },
  {
    name: 'the Tagus term gx:legalName on a LegalPerson',
    submission: () => [makeLegalPerson({ 'gx:legalName': 'Member GmbH' }), makeVatId(), makeIssuer()],
    expected: { rule: 'shacl:closed', pointer: '/0/credentialSubject/gx:legalName', path: `${GX}legalName` },
    officialCovers: true,
  },
  {
    name: 'a country code that is not ISO 3166-1',
    submission: () => [makeLegalPerson({ 'gx:headquartersAddress': makeAddress({ 'gx:countryCode': 'XY' }) }), makeVatId(), makeIssuer()],
    expected: { rule: 'shacl:in', pointer: '/0/credentialSubject/gx:headquartersAddress/gx:countryCode', path: `${GX}countryCode` },
    officialRule: 'shacl:or',
    officialCovers: true,
  },
  {
    name: 'a LEI with wrong check digits',
    submission: () => [makeLegalPerson(), makeLeiCode('9695007586GCAKPYJ704'), makeIssuer()],
    expected: { rule: 'gx:LeiCode/check-digits', pointer: '/1/credentialSubject/schema:leiCode', path: `${SCHEMA}leiCode` },
    officialCovers: false,
  },
  // Valid numbers from the jsvat test suite, with one digit changed (also from its invalid list):
  // https://github.com/se-panfilov/jsvat/tree/master/test/countries_vat_lists
  ...['DE111111126', 'FR00300076967', 'IT00000010210', 'ESA0011012A', 'NL010000445B01', 'BE0897221791', 'ATU10223001', 'PL7122913628'].map(
    (vatID): BrokenVariant => ({
      name: `a ${vatID.slice(0, 2)} VAT id with a wrong check digit (${vatID})`,
      submission: () => [makeLegalPerson(), makeVatId(vatID), makeIssuer()],
      expected: { rule: 'gx:VatID/check-digit', pointer: '/1/credentialSubject/gx:vatID', path: `${GX}vatID` },
      officialCovers: false,
    }),
  ),
  {
    name: 'the deprecated terms and conditions hash after 2026-03-31',
    submission: () => [makeLegalPerson(), makeVatId(), makeIssuer(DEPRECATED_TC)],
    now: AFTER_DEADLINE,
    expected: {
      rule: 'gx:Issuer/terms-and-conditions-expired',
      pointer: '/2/credentialSubject/gx:gaiaxTermsAndConditions',
      path: `${GX}gaiaxTermsAndConditions`,
    },
    officialCovers: false,
  },
  {
    name: 'a ServiceOffering without gx:providedBy',
    submission: () => {
      const offering = makeServiceOffering();
      delete subjectOf(offering)['gx:providedBy'];
      return [...makeAIServiceSubmission().slice(0, 3), offering, ...makeAIServiceSubmission().slice(4)];
    },
    expected: { rule: 'shacl:minCount', pointer: '/3/credentialSubject/gx:providedBy', path: `${GX}providedBy` },
    officialCovers: true,
  },
  {
    name: 'gx:providedBy pointing to a node that is not a LegalPerson (the VAT id)',
    submission: () => {
      const submission = makeAIServiceSubmission();
      submission[3] = makeServiceOffering({ 'gx:providedBy': { id: `${MEMBER}#registration-number` } });
      return submission;
    },
    expected: { rule: 'shacl:class', pointer: '/3/credentialSubject/gx:providedBy', path: `${GX}providedBy` },
    officialCovers: true,
  },
  {
    name: 'an AI model profile without an EU AI Act risk class',
    submission: () => {
      const submission = makeAIServiceSubmission();
      const profile = makeAIModelProfile();
      delete subjectOf(profile)['ipcei:riskClass'];
      submission[5] = profile;
      return submission;
    },
    expected: { rule: 'shacl:minCount', pointer: '/5/credentialSubject/ipcei:riskClass', path: `${IPCEI}riskClass` },
    officialCovers: false,
  },
];

describe('createSelfDescriptionValidator() with the bundled shapes', () => {
  const validator = createSelfDescriptionValidator({ documentLoader, now: BEFORE_DEADLINE });
  const after = createSelfDescriptionValidator({ documentLoader, now: AFTER_DEADLINE });

  it('accepts the 25.11 sample claims', async () => {
    expect(await validator.validate(samples())).toEqual({ conforms: true, findings: [] });
  });

  it('accepts a LegalPerson submission of three VC 2.0 credentials', async () => {
    expect(await validator.validate(makeLegalPersonSubmission())).toEqual({ conforms: true, findings: [] });
  });

  it('accepts an AI service: offering, software resource and its IPCEI-AI profile', async () => {
    expect(await validator.validate(makeAIServiceSubmission())).toEqual({ conforms: true, findings: [] });
  });

  it('accepts the LEI credential a Loire notary issued (type gx:LeiCode on the credential itself)', async () => {
    const notary = readSample('loire-24.x/notary-leicode-telekom-v2.decoded.json')['payload'] as Json;
    expect(await validator.validate([notary])).toEqual({ conforms: true, findings: [] });
  });

  it('accepts the deprecated terms and conditions hash until 2026-03-31', async () => {
    const submission = [makeLegalPerson(), makeVatId(), makeIssuer(DEPRECATED_TC)];
    expect((await validator.validate(submission)).conforms).toBe(true);
  });

  it.each(BROKEN)('reports exactly one finding for $name', async ({ submission, expected, now }) => {
    const result = await (now === AFTER_DEADLINE ? after : validator).validate(submission());
    expect(only(result.findings)).toEqual([expected]);
    expect(result.conforms).toBe(false);
    const [finding] = result.findings;
    expect(finding?.severity).toBe('violation');
    expect(finding?.credentialIndex).toBe(Number(expected.pointer.split('/')[1]));
    expect(finding?.message.length).toBeGreaterThan(10);
    expect(finding?.hint.length).toBeGreaterThan(10);
  });

  it('explains a Tagus term with its 25.11 successor', async () => {
    const { findings } = await validator.validate([makeLegalPerson({ 'gx:legalName': 'x' }), makeVatId(), makeIssuer()]);
    expect(findings[0]?.hint).toMatch(/Tagus.*schema:name/);
  });

  it('says which class a wrongly linked node has', async () => {
    const submission = makeAIServiceSubmission();
    submission[3] = makeServiceOffering({ 'gx:providedBy': { id: `${MEMBER}#registration-number` } });
    const { findings } = await validator.validate(submission);
    expect(findings[0]?.message).toBe(
      `gx:providedBy on gx:ServiceOffering must link a gx:LegalPerson, but <${MEMBER}#registration-number> is a gx:VatID`,
    );
  });

  it('points at the array element that is wrong', async () => {
    const profile = makeAIModelProfile({ 'ipcei:hostingMemberState': ['DE', 'US'] });
    const submission = makeAIServiceSubmission();
    submission[5] = profile;
    const { findings } = await validator.validate(submission);
    expect(only(findings)).toEqual([
      { rule: 'shacl:in', pointer: '/5/credentialSubject/ipcei:hostingMemberState/1', path: `${IPCEI}hostingMemberState` },
    ]);
  });

  it('refuses a hash that was never accepted, at any date', async () => {
    const { findings } = await validator.validate([makeLegalPerson(), makeVatId(), makeIssuer('00'.repeat(32))]);
    expect(only(findings)).toEqual([
      {
        rule: 'gx:Issuer/terms-and-conditions-unknown',
        pointer: '/2/credentialSubject/gx:gaiaxTermsAndConditions',
        path: `${GX}gaiaxTermsAndConditions`,
      },
    ]);
  });

  it('takes the accepted terms and conditions from configuration', async () => {
    const custom = createSelfDescriptionValidator({
      documentLoader,
      now: BEFORE_DEADLINE,
      acceptedTermsAndConditions: [{ hash: 'ab'.repeat(32), until: '2026-12-31T00:00:00Z' }],
    });
    expect((await custom.validate([makeLegalPerson(), makeVatId(), makeIssuer('ab'.repeat(32))])).conforms).toBe(true);
    expect((await custom.validate(makeLegalPersonSubmission())).conforms).toBe(false);
  });

  it('refuses an empty submission', async () => {
    expect(only((await validator.validate([])).findings)).toEqual([{ rule: 'submission/empty', pointer: '', path: '' }]);
  });

  describe('JSON-LD safety', () => {
    it('refuses a remote @context without fetching it', async () => {
      const lp = makeLegalPerson();
      lp['@context'] = [...(lp['@context'] as string[]), 'https://evil.example/ctx'];
      const { findings } = await validator.validate([lp, makeVatId(), makeIssuer()]);
      expect(only(findings)).toContainEqual({ rule: 'jsonld/context-not-allowed', pointer: '/0/@context/2', path: '' });
    });

    it('refuses an inline context that redefines a protected gx term', async () => {
      const lp = makeLegalPerson({ legalAddress: makeAddress() });
      delete subjectOf(lp)['gx:legalAddress'];
      lp['@context'] = [...(lp['@context'] as string[]), { legalAddress: 'https://evil.example/legalAddress' }];
      const { findings } = await validator.validate([lp, makeVatId(), makeIssuer()]);
      expect(findings[0]).toMatchObject({ rule: 'jsonld/safe-mode', pointer: '/0' });
      expect(findings[0]?.message).toMatch(/redefine a protected term/);
    });

    it('refuses a property no context defines (it would be dropped from what is signed)', async () => {
      const { findings } = await validator.validate([makeLegalPerson({ isAdmin: true }), makeVatId(), makeIssuer()]);
      expect(only(findings)[0]).toEqual({ rule: 'jsonld/safe-mode', pointer: '/0', path: '' });
    });

    it('"__proto__" as an id or a key neither pollutes Object.prototype nor passes', async () => {
      const before = Object.getOwnPropertyNames(Object.prototype).sort();
      const lp = JSON.parse(
        JSON.stringify(makeLegalPerson()).replace('"credentialSubject":{', '"credentialSubject":{"__proto__":{"@id":"x"},'),
      ) as Json;
      const byId = makeLegalPerson({ id: '__proto__' });
      const result = await validator.validate([lp, byId, makeVatId(), makeIssuer()]);
      expect(result.conforms).toBe(false);
      expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before);
      expect(({} as Json)['@id']).toBeUndefined();
    });
  });

  it('accepts bare terms of the project context served for all three 25.11 context IRIs', async () => {
    for (const url of ['https://w3id.org/gaia-x/development#', 'https://w3id.org/gaia-x/2511#', 'https://registry.lab.gaia-x.eu/development/context/2511']) {
      const lp = {
        '@context': ['https://www.w3.org/ns/credentials/v2', url],
        type: ['VerifiableCredential'],
        issuer: MEMBER,
        credentialSubject: {
          id: `${MEMBER}#legal-person`,
          type: 'LegalPerson',
          legalAddress: { type: 'Address', countryCode: 'DEU', locality: 'Berlin' },
          headquartersAddress: { type: 'Address', countryCode: '276', region: 'DE30' },
          registrationNumber: `${MEMBER}#registration-number`,
        },
      };
      const lei = {
        '@context': ['https://www.w3.org/ns/credentials/v2', url],
        type: ['VerifiableCredential'],
        issuer: MEMBER,
        credentialSubject: { id: `${MEMBER}#registration-number`, type: 'LeiCode', leiCode: '9695007586GCAKPYJ703', subdivisionCountryCode: 'FR-IDF' },
      };
      expect(await validator.validate([lp, lei])).toEqual({ conforms: true, findings: [] });
    }
  });
});

describe('createSelfDescriptionValidator() with the official 25.11 shapes file', () => {
  let official: SelfDescriptionValidator;
  let both: SelfDescriptionValidator;
  const bundled = createSelfDescriptionValidator({ documentLoader, now: AFTER_DEADLINE });

  beforeAll(() => {
    // The shipped official file (src/danube/shapes/official), as GX_DANUBE_SHAPES=official uses it.
    official = createSelfDescriptionValidator({ documentLoader, shapes: 'official', now: AFTER_DEADLINE });
    both = createSelfDescriptionValidator({ documentLoader, shapes: 'both', now: AFTER_DEADLINE });
  }, 60_000);

  it('accepts the 25.11 sample claims', async () => {
    expect(await official.validate(samples())).toEqual({ conforms: true, findings: [] });
  });

  it('accepts the LegalPerson and AI service submissions', async () => {
    expect(await official.validate(makeLegalPersonSubmission())).toEqual({ conforms: true, findings: [] });
    expect(await official.validate(makeAIServiceSubmission())).toEqual({ conforms: true, findings: [] });
  });

  it.each(BROKEN.filter((variant) => variant.officialCovers))(
    'agrees with the bundled shapes on $name',
    async ({ submission, expected, officialRule }) => {
      const fromOfficial = await official.validate(submission());
      const fromBundled = await bundled.validate(submission());
      expect(only(fromOfficial.findings)).toEqual([{ ...expected, rule: officialRule ?? expected.rule }]);
      const located = (findings: Finding[]) => findings.map(({ pointer, path, severity }) => ({ pointer, path, severity }));
      expect(located(fromOfficial.findings)).toEqual(located(fromBundled.findings));
      expect(fromOfficial.conforms).toBe(false);
      expect(fromBundled.conforms).toBe(false);
    },
  );

  it.each(BROKEN.filter((variant) => !variant.officialCovers))(
    'leaves $name to the rules in code (the file has no such rule)',
    async ({ submission, expected }) => {
      const shaclOnly = (await official.validate(submission())).findings.filter((f) => f.rule.startsWith('shacl:'));
      expect(shaclOnly).toEqual([]);
      // The code rules run whatever the shapes: the official validator reports the fault too,
      // except the IPCEI-AI profile, which only the bundled shapes know.
      if (!expected.rule.startsWith('shacl:')) expect(only((await official.validate(submission())).findings)).toEqual([expected]);
    },
  );

  it("with 'both', reports a fault both shapes graphs find once", async () => {
    const [lp, ...rest] = makeLegalPersonSubmission();
    delete subjectOf(lp!)['gx:legalAddress'];
    expect(only((await both.validate([lp!, ...rest])).findings)).toEqual([
      { rule: 'shacl:minCount', pointer: '/0/credentialSubject/gx:legalAddress', path: `${GX}legalAddress` },
    ]);
    expect((await both.validate(samples())).conforms).toBe(true);
  });
});
