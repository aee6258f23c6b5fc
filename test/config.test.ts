import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';
import { GxTrustError } from '../src/errors.js';

describe('parseConfig()', () => {
  it('gives the embedded development defaults', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({ port: 8080, baseUrl: 'http://localhost:8080', env: 'development', testMode: true, bodyLimitBytes: 262144, clockSkewSeconds: 300 });
    expect(config.databaseUrl).toBeUndefined();
  });

  it('derives the base URL from PORT, and lets flags override the environment', () => {
    expect(parseConfig({ PORT: '9000' }).baseUrl).toBe('http://localhost:9000');
    expect(parseConfig({ PORT: '9000' }, { port: 9100 }).port).toBe(9100);
    expect(parseConfig({ GX_BASE_URL: 'https://trust.example.org/' }).baseUrl).toBe('https://trust.example.org');
  });

  it('reads GX_TRUST_PROXY as a hop count or a list of addresses, CIDRs and named ranges', () => {
    expect(parseConfig({}).trustProxy).toBeUndefined();
    expect(parseConfig({ GX_TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(parseConfig({ GX_TRUST_PROXY: 'loopback, 10.0.0.0/8 ,fd00::/8' }).trustProxy).toEqual(['loopback', '10.0.0.0/8', 'fd00::/8']);
  });

  it('refuses unchecked registration numbers in production unless told to warn; development warns by default', () => {
    const production = { GX_ENV: 'production', GX_BASE_URL: 'https://trust.example.org' };
    expect(parseConfig(production).complianceUncheckedNumbers).toBe('refuse');
    expect(parseConfig({ ...production, GX_COMPLIANCE_UNCHECKED_NUMBERS: 'warn' }).complianceUncheckedNumbers).toBe('warn');
    expect(parseConfig({}).complianceUncheckedNumbers).toBe('warn');
    expect(parseConfig({ GX_COMPLIANCE_UNCHECKED_NUMBERS: 'refuse' }).complianceUncheckedNumbers).toBe('refuse');
  });

  it.each([
    ['GX_COMPLIANCE_UNCHECKED_NUMBERS', { GX_COMPLIANCE_UNCHECKED_NUMBERS: 'ignore' }],
    ['PORT', { PORT: 'eighty' }],
    ['GX_ENV', { GX_ENV: 'staging' }],
    ['GX_BASE_URL', { GX_BASE_URL: 'ftp://x.example' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://db' }],
    ['GX_ADMIN_API_KEY', { GX_ADMIN_API_KEY: 'short' }],
    ['GX_BASE_URL', { GX_ENV: 'production', GX_BASE_URL: 'http://trust.example.org' }],
    ['GX_TRUST_PROXY', { GX_TRUST_PROXY: 'my-proxy.internal' }],
    ['GX_WORKER_PRIORITY', { GX_WORKER_PRIORITY: 'realtime' }],
  ])('refuses a bad %s, naming it', (key, env) => {
    let caught: unknown;
    try {
      parseConfig(env);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(GxTrustError);
    expect((caught as GxTrustError).code).toBe('CONFIG_INVALID');
    expect((caught as GxTrustError).message.startsWith(key)).toBe(true);
  });
});
