import { describe, expect, it } from 'vitest';
import {
  REGISTRY_URLS,
  checkEori,
  checkEuid,
  checkLeiCode,
  checkLocalRegistrationNumber,
  checkTaxId,
  checkVatId,
  registryEvidence,
  registryLookupOff,
} from '../../../src/danube/registration-numbers/index.js';
import { fixedClock } from '../../../src/clock.js';
import { readSample } from '../fixtures.js';

/**
 * Publicly documented numbers from the jsvat test suite (valid and invalid lists per country):
 * https://github.com/se-panfilov/jsvat/tree/master/test/countries_vat_lists
 */
const VAT: Record<string, { valid: string[]; invalid: string[] }> = {
  DE: { valid: ['DE136695976', 'DE111111125', 'DE813495425'], invalid: ['DE111111126', 'DE111111121'] },
  FR: { valid: ['FR40303265045', 'FR00300076965', 'FR96000000125'], invalid: ['FR00300076967', 'FR19000000068'] },
  IT: { valid: ['IT00000010215', 'IT01709820995', 'IT10001701209'], invalid: ['IT00000010210', 'IT10001709997'] },
  ES: { valid: ['ESA08017535', 'ESB12398087', 'ES00000001R', 'ESG0011225J', 'ESZ1234567R', 'ESN0060092D'], invalid: ['ESA0011012A', 'ES00000001A'] },
  NL: { valid: ['NL000000024B01', 'NL123456789B13', 'NL004909665B07'], invalid: ['NL010000445B01', 'NL000000025B01'] },
  BE: { valid: ['BE0411905847', 'BE0897231984', 'BE0100200307'], invalid: ['BE0897221791', 'BE0603601206'] },
  AT: { valid: ['ATU00000024', 'ATU66889218', 'ATU12011204'], invalid: ['ATU10223001', 'ATU10223007'] },
  PL: { valid: ['PL1132191233', 'PL9691068493', 'PL5260006841'], invalid: ['PL7122913628', 'PL7122913427'] },
};

describe('checkVatId()', () => {
  describe.each(Object.entries(VAT))('%s', (_country, { valid, invalid }) => {
    it.each(valid)('accepts %s', (vat) => {
      expect(checkVatId(vat)).toEqual([]);
    });
    it.each(invalid)('rejects %s by its check digit', (vat) => {
      expect(checkVatId(vat).map((f) => f.rule)).toEqual(['gx:VatID/check-digit']);
    });
  });

  it('ignores spaces, dots and dashes a member may copy along', () => {
    expect(checkVatId('DE 136.695-976')).toEqual([]);
  });

  it('rejects a number without a VIES prefix, and explains EL for Greece', () => {
    expect(checkVatId('136695976').map((f) => f.rule)).toEqual(['gx:VatID/country-prefix']);
    expect(checkVatId('GR094259216')[0]?.hint).toMatch(/EL/);
  });

  it('rejects a number in the wrong format for its country', () => {
    expect(checkVatId('DE12345678').map((f) => f.rule)).toEqual(['gx:VatID/format']);
    // German VAT ids never start with 0 (jsvat lists DE000000020 as invalid).
    expect(checkVatId('DE000000020').map((f) => f.rule)).toEqual(['gx:VatID/format']);
    expect(checkVatId('ATX12345678').map((f) => f.rule)).toEqual(['gx:VatID/format']);
  });

  it('checks only the format where no public check-digit algorithm is implemented', () => {
    expect(checkVatId('DK13585628')).toEqual([]);
    expect(checkVatId('DK1358562')).toHaveLength(1);
  });

  it('accepts French numbers with an alphanumeric key (no public algorithm) by format', () => {
    expect(checkVatId('FRA0123456789')).toEqual([]);
  });
});

describe('checkLeiCode()', () => {
  it('accepts the LEIs the Loire notaries checked against GLEIF', () => {
    const notary = readSample('loire-24.x/notary-leicode-telekom-v2.decoded.json') as { payload: { credentialSubject: Record<string, string> } };
    expect(checkLeiCode(notary.payload.credentialSubject['schema:leiCode'] ?? '')).toEqual([]);
  });

  it.each([
    ['9695007586GCAKPYJ704', 'gx:LeiCode/check-digits'],
    ['9695007586GCAKPYJ730', 'gx:LeiCode/check-digits'],
    ['9695007586GCAKPYJ70', 'gx:LeiCode/format'],
    ['9695007586gcakpyj703', 'gx:LeiCode/format'],
    ['9695007586GCAKPYJ7AB', 'gx:LeiCode/format'],
  ])('rejects %s (%s)', (lei, rule) => {
    expect(checkLeiCode(lei).map((f) => f.rule)).toEqual([rule]);
  });
});

describe('checkEori()', () => {
  it.each(['DE123456789012345', 'FR12345678901', 'EL123456789', 'XI123456789000'])('accepts %s', (eori) => {
    expect(checkEori(eori)).toEqual([]);
  });
  it.each([
    ['DE1234567890123456', 'gx:EORI/format'],
    ['de123', 'gx:EORI/format'],
    ['QQ123456', 'gx:EORI/country'],
  ])('rejects %s (%s)', (eori, rule) => {
    expect(checkEori(eori).map((f) => f.rule)).toEqual([rule]);
  });
});

describe('checkEuid()', () => {
  it.each(['DEK1101R.HRB116737', 'FRRCS.552081317', 'NLNHR.17014545'])('accepts %s', (euid) => {
    expect(checkEuid(euid)).toEqual([]);
  });
  it.each([
    ['DEK1101R-HRB116737', 'gx:EUID/format'],
    ['USNY.12345', 'gx:EUID/country'],
  ])('rejects %s (%s)', (euid, rule) => {
    expect(checkEuid(euid).map((f) => f.rule)).toEqual([rule]);
  });
});

describe('checkTaxId() and checkLocalRegistrationNumber()', () => {
  it('accept numbers as registries print them', () => {
    expect(checkTaxId('1234567890')).toEqual([]);
    expect(checkLocalRegistrationNumber('HRB 116737 B')).toEqual([]);
  });
  it('reject empty, padded or odd numbers', () => {
    expect(checkTaxId('').map((f) => f.rule)).toEqual(['gx:TaxID/format']);
    expect(checkLocalRegistrationNumber(' HRB 1').map((f) => f.rule)).toEqual(['gx:LocalRegistrationNumber/format']);
    expect(checkTaxId('12<script>').map((f) => f.rule)).toEqual(['gx:TaxID/format']);
  });
});

describe('registry look-ups', () => {
  it('are off by default and never report a number as valid', async () => {
    expect(await registryLookupOff.lookUp('gx:LeiCode', '9695007586GCAKPYJ703')).toEqual({
      status: 'not-checked',
      reason: 'online registry look-ups are disabled',
    });
  });

  it('produce evidence in the shape the Loire notaries use', () => {
    const notary = readSample('loire-24.x/notary-leicode-telekom-v2.decoded.json') as { payload: { evidence: Record<string, string> } };
    const evidence = registryEvidence('gx:LeiCode', REGISTRY_URLS['gx:LeiCode']('9695007586GCAKPYJ703'), fixedClock('2025-03-06T14:33:31.206Z'));
    expect(Object.keys(evidence).sort()).toEqual(Object.keys(notary.payload.evidence).sort());
    expect(evidence['gx:evidenceURL']).toBe(notary.payload.evidence['gx:evidenceURL']);
    expect(evidence['gx:evidenceOf']).toBe(notary.payload.evidence['gx:evidenceOf']);
  });
});
