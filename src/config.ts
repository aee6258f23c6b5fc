/**
 * The whole configuration: one zod schema over the environment and command-line flags, parsed
 * once at start and passed on. Nothing else reads process.env. A bad value stops the process with
 * a message naming the variable.
 */
import proxyaddr from 'proxy-addr';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { GxTrustError } from './errors.js';
import { REGISTRIES, type Registry } from './danube/registration-numbers/registry-lookups.js';
import { DEFAULT_KEY_BINDING_MAX_AGE_SECONDS, MAX_KEY_BINDING_MAX_AGE_SECONDS } from './verifying/types.js';

/** Where `npm run build` writes the web console: dist/web at the package root (`..` from src/ and dist/ alike). */
const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../dist/web', import.meta.url));

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const optionalPath = z
  .string()
  .trim()
  .min(1)
  .optional()
  .transform((value) => (value === undefined ? undefined : resolve(value)));

/** Environment variable names are the contract other tools rely on: keep them. */
export const Environment = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  // The address to listen on; unset: 127.0.0.1 in development, every interface in production.
  GX_HOST: z.string().trim().regex(/^\S+$/, 'an IP address or host name').optional(),
  // /metrics on a listener of its own (then not on PORT), bound to GX_METRICS_HOST.
  GX_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  GX_METRICS_HOST: z.string().trim().regex(/^\S+$/, 'an IP address or host name').default('127.0.0.1'),
  // node:http limits: a request's headers, a whole request, an idle keep-alive connection; connections at once.
  GX_HEADERS_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(10),
  GX_REQUEST_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  GX_KEEP_ALIVE_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3600).default(5),
  GX_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(1_000_000).default(1024),
  GX_BASE_URL: z
    .url({ protocol: /^https?$/ })
    .transform((url) => url.replace(/\/+$/, ''))
    .optional(),
  GX_ENV: z.enum(['development', 'production']).default('development'),
  GX_DATA_DIR: z.string().trim().min(1).default('data').transform((p) => resolve(p)),
  GX_KEYS_DIR: z.string().trim().min(1).default('keys').transform((p) => resolve(p)),
  GX_ADMIN_API_KEY: z.string().min(24, 'an API key needs at least 24 characters').optional(),
  GX_TRUST_ANCHORS: optionalPath,
  GX_TRUSTED_ISSUERS: optionalPath,
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  // PostgreSQL: issuance groups written at once (docs/storage.md#group-commit); 1 writes one at a time.
  GX_PG_GROUPS_IN_FLIGHT: z.coerce.number().int().min(1).max(8).default(1),
  GX_LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  GX_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(16 * 1024 * 1024).default(256 * 1024),
  GX_CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(3600).default(300),
  GX_KB_JWT_MAX_AGE_SECONDS: z.coerce.number().int().min(0).max(MAX_KEY_BINDING_MAX_AGE_SECONDS).default(DEFAULT_KEY_BINDING_MAX_AGE_SECONDS),
  // Rate limits per API key (authenticated) and per IP (anonymous) in a fixed window; 0 turns a limit off.
  GX_RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  GX_RATE_LIMIT_MAX: z.coerce.number().int().min(0).default(60_000),
  GX_RATE_LIMIT_ANONYMOUS_MAX: z.coerce.number().int().min(0).default(6_000),
  // Whether POST /credentials/verify and /presentations/verify answer callers without an API key.
  GX_ANONYMOUS_VERIFY: z.enum(['true', 'false']).default('true').transform((value) => value === 'true'),
  // Costly verifications (JSON-LD canonicalization) a second per IP without an API key; 0 turns it off.
  GX_RATE_LIMIT_ANONYMOUS_CANONICALIZATIONS: z.coerce.number().int().min(0).default(20),
  // Behind a reverse proxy: which hops' X-Forwarded-For to believe (a hop count, or addresses, CIDRs,
  // loopback/linklocal/uniquelocal), so per-IP limits see the client, not the proxy. Unset: none.
  GX_TRUST_PROXY: z
    .string()
    .trim()
    .min(1)
    .transform((value, ctx) => {
      if (/^\d+$/.test(value)) return Number(value);
      const entries = value.split(',').map((entry) => entry.trim()).filter(Boolean);
      try {
        proxyaddr.compile(entries);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `not an address, CIDR or loopback/linklocal/uniquelocal: ${error instanceof Error ? error.message : String(error)}` });
        return z.NEVER;
      }
      return entries;
    })
    .optional(),
  GX_METRICS_ENABLED: z.enum(['true', 'false']).default('true').transform((value) => value === 'true'),
  // The built web console (`npm run build` writes it to dist/web); another folder for a console built elsewhere.
  GX_CONSOLE_DIR: optionalPath,
  // Danube validation: the bundled shapes, the official Gaia-X 25.11 file, or both.
  GX_DANUBE_SHAPES: z.enum(['bundled', 'official', 'both']).default('bundled'),
  // Another copy of the official file (a newer registry download); default: the one the service ships.
  GX_DANUBE_OFFICIAL_SHAPES_FILE: optionalPath,
  // The terms and conditions text the console shows; its SHA-256 must be accepted or the service does not start.
  GX_TERMS_AND_CONDITIONS_FILE: optionalPath,
  // Terms hashes accepted beside the Gaia-X Danube ones (a private data space, tests); refused in production.
  GX_ACCEPTED_TERMS_HASHES: z
    .string()
    .trim()
    .transform((value) => value.split(/[\s,]+/).filter((hash) => hash !== '').map((hash) => hash.toLowerCase()))
    .pipe(z.array(z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in hex (64 digits)')))
    .optional(),
  // Worker threads for Data Integrity verification (0: none, all in the main thread; default: the cores).
  GX_WORKERS: z.coerce.number().int().min(0).max(256).optional(),
  // How the worker threads yield to the event loop: low (nice 10), idle (SCHED_IDLE), normal.
  GX_WORKER_PRIORITY: z.enum(['idle', 'low', 'normal']).default('low'),
  // Most verifications waiting for a worker thread; past it they are refused with 503 VERIFIER_BUSY.
  GX_WORKER_QUEUE_MAX: z.coerce.number().int().min(1).max(100_000).default(128),
  // Most bbs-2023 issuance signatures waiting for the BBS signing thread; past it they are refused with 503
  // SIGNER_BUSY. The service's own status lists go ahead of them, uncounted: a list verifiers cannot read fails their status checks.
  GX_BBS_QUEUE_MAX: z.coerce.number().int().min(1).max(10_000).default(32),
  // How long a verification's proof/key-binding/X.509 result is reused (0: never); at most the DID cache TTL.
  GX_RESULT_CACHE_SECONDS: z.coerce.number().int().min(0).max(300).default(60),
  // Every verification answers by this deadline; checks not finished by then are CHECK_NOT_RUN.
  GX_VERIFY_DEADLINE_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  // Production keys: PEM (PKCS#8) files, and PEM certificate chains (leaf first) for the JWKs' x5c/x5u.
  GX_KEY_ED25519_FILE: optionalPath,
  GX_KEY_P256_FILE: optionalPath,
  // Optional in production: without it the service does not sign with P-384 (ES384, ecdsa-rdfc-2019 P-384).
  GX_KEY_P384_FILE: optionalPath,
  // Optional in production: without it the service does not sign with P-521 (ES512).
  GX_KEY_P521_FILE: optionalPath,
  // Optional in production: without it the service does not sign bbs-2023. A Multikey JSON file
  // (publicKeyMultibase, secretKeyMultibase): BLS12-381 keys have no PKCS#8 form.
  GX_KEY_BLS12381_FILE: optionalPath,
  GX_KEY_RSA_FILE: optionalPath,
  GX_CERT_CHAIN_RSA_FILE: optionalPath,
  GX_CERT_CHAIN_P256_FILE: optionalPath,
  // The member CA: its PKCS#8 private key and its PEM certificate (then its issuers, if any). It
  // certifies hosted members' keys; unset in development, the development root does.
  GX_MEMBER_CA_KEY_FILE: optionalPath,
  GX_MEMBER_CA_CERT_FILE: optionalPath,
  // Whether the member CA's certificate is a trust anchor of the compliance rules (default true).
  GX_MEMBER_CA_TRUST_ANCHOR: z.enum(['true', 'false']).default('true').transform((value) => value === 'true'),
  // Audit checkpoints: signed when the log grew by this many entries, or this many seconds passed.
  GX_CHECKPOINT_EVERY_ENTRIES: z.coerce.number().int().min(1).max(1_000_000).default(100),
  GX_CHECKPOINT_EVERY_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  // OpenID4VCI: how often expired offers, nonces and deferred transactions are swept (0: never).
  GX_WALLET_SWEEP_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
  // Compliance: a registration number no registry look-up confirmed (no notary evidence) refuses the
  // label, or only warns. Unset: refuse in production, warn in development.
  GX_COMPLIANCE_UNCHECKED_NUMBERS: z.enum(['refuse', 'warn']).optional(),
  // Online registry look-ups when gx-trust notarises a registration number: a comma-separated
  // list of vies, gleif, eori (none by default), base-URL overrides, and one look-up's deadline.
  GX_REGISTRY_LOOKUPS: z
    .string()
    .trim()
    .transform((list) => list.split(',').map((name) => name.trim().toLowerCase()).filter((name) => name !== ''))
    .pipe(z.array(z.enum(REGISTRIES, 'a comma-separated list of vies, gleif, eori')))
    .default([]),
  GX_REGISTRY_VIES_URL: z.url({ protocol: /^https?$/ }).optional(),
  GX_REGISTRY_GLEIF_URL: z.url({ protocol: /^https?$/ }).optional(),
  GX_REGISTRY_EORI_URL: z.url({ protocol: /^https?$/ }).optional(),
  GX_REGISTRY_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  // Test-only fault injection (GX_ENV=development only): SIGKILL the process at an issuance step.
  GX_TEST_CRASH_AT: z.enum(['after-sign', 'before-commit']).optional(),
});

export type Environment = z.input<typeof Environment>;

export interface Config {
  port: number;
  /** The address the HTTP server binds; undefined: every interface (Node's `::`, dual-stack). */
  host: string | undefined;
  /** /metrics on a listener of its own, and then not on `port`; undefined: /metrics on `port`. */
  metricsListener: { port: number; host: string } | undefined;
  /** node:http limits of the listeners. */
  server: { headersTimeoutMs: number; requestTimeoutMs: number; keepAliveTimeoutMs: number; maxConnections: number };
  /** The public base URL; the service's did:web is derived from it. */
  baseUrl: string;
  env: 'development' | 'production';
  /** Development allows http and loopback did:web hosts and trusts the development CA. */
  testMode: boolean;
  dataDir: string;
  keysDir: string;
  adminApiKey: string | undefined;
  trustAnchorsFile: string | undefined;
  trustedIssuersFile: string | undefined;
  databaseUrl: string | undefined;
  /** PostgreSQL: how many issuance groups are written at once. */
  pgGroupsInFlight: number;
  logLevel: (typeof LOG_LEVELS)[number];
  bodyLimitBytes: number;
  clockSkewSeconds: number;
  /** The oldest SD-JWT key binding JWT (its iat, beyond clockSkewSeconds) a verification accepts unless the request sets options.keyBindingMaxAge. */
  keyBindingMaxAgeSeconds: number;
  rateLimit: { windowSeconds: number; max: number; anonymousMax: number; anonymousCanonicalizationsPerSecond: number };
  /** Verification open to callers without an API key (they get the tighter anonymous limits). */
  anonymousVerify: boolean;
  /** The proxies whose X-Forwarded-For is believed (Express's `trust proxy`): a hop count or addresses. */
  trustProxy: number | string[] | undefined;
  metricsEnabled: boolean;
  /** The built web console's folder (index.html and assets/), served at /console/. */
  consoleDir: string;
  danubeShapes: 'bundled' | 'official' | 'both';
  danubeOfficialShapesFile: string | undefined;
  /** The terms and conditions text served at GET /terms-and-conditions; its hash is checked at start. */
  termsAndConditionsFile: string | undefined;
  /** gx:gaiaxTermsAndConditions hashes accepted beside the Danube list (development only). */
  acceptedTermsHashes: string[];
  /** Worker threads for heavy verification work; 0 runs everything in the main thread. */
  workers: number;
  workerPriority: 'idle' | 'low' | 'normal';
  workerQueueMax: number;
  bbsQueueMax: number;
  resultCacheSeconds: number;
  /** Every verification's report is built by then: what had not finished is CHECK_NOT_RUN. */
  verifyDeadlineMs: number;
  keyFiles: {
    ed25519?: string;
    p256?: string;
    p384?: string;
    p521?: string;
    bls12381?: string;
    rsa?: string;
    rsaChain?: string;
    p256Chain?: string;
  };
  checkpointEveryEntries: number;
  checkpointEverySeconds: number;
  /** Seconds between sweeps of expired wallet state (0: no sweep). */
  walletSweepIntervalSeconds: number;
  /**
   * The CA that certifies hosted members' keys: configured files, or (undefined files) the
   * development root in development and none in production. `trustAnchor`: its certificate is
   * added to the trust anchors.
   */
  memberCa: { keyFile: string | undefined; certFile: string | undefined; trustAnchor: boolean };
  /**
   * Compliance: whether a registration number without notary evidence of a registry look-up
   * refuses the decision ('refuse', the production default) or is recorded as a warning.
   */
  complianceUncheckedNumbers: 'refuse' | 'warn';
  /** Registries asked when gx-trust notarises a registration number (GX_REGISTRY_*); none by default. */
  registryLookups: { enabled: Registry[]; baseUrls: Partial<Record<Registry, string>>; timeoutMs: number };
  /** Crash tests only: where issuance kills its own process (development only). */
  testCrashAt: 'after-sign' | 'before-commit' | undefined;
}

/** Command-line flags override the environment variable of the same meaning. */
export interface ConfigFlags {
  port?: string | number;
  baseUrl?: string;
  dataDir?: string;
  keysDir?: string;
  env?: string;
  logLevel?: string;
}

const FLAG_TO_ENV: Record<keyof ConfigFlags, keyof Environment> = {
  port: 'PORT',
  baseUrl: 'GX_BASE_URL',
  dataDir: 'GX_DATA_DIR',
  keysDir: 'GX_KEYS_DIR',
  env: 'GX_ENV',
  logLevel: 'GX_LOG_LEVEL',
};

export function parseConfig(
  env: Readonly<Record<string, string | undefined>>,
  flags: ConfigFlags = {},
): Config {
  const input: Record<string, string | undefined> = {};
  for (const key of Object.keys(Environment.shape)) {
    const value = env[key];
    // An empty variable means "unset", as in most shells' `VAR= cmd` idiom.
    if (value !== undefined && value !== '') input[key] = value;
  }
  for (const [flag, key] of Object.entries(FLAG_TO_ENV)) {
    const value = flags[flag as keyof ConfigFlags];
    if (value !== undefined) input[key] = String(value);
  }
  const parsed = Environment.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue?.path[0] ?? 'environment');
    throw new GxTrustError('CONFIG_INVALID', `${key}: ${issue?.message ?? 'invalid value'}`, {
      pointer: `/${key}`,
      hint: `Fix or unset ${key}; see docs/configuration.md`,
      errors: parsed.error.issues.map((i) => ({
        code: 'CONFIG_INVALID' as const,
        pointer: `/${String(i.path[0])}`,
        detail: `${String(i.path[0])}: ${i.message}`,
      })),
    });
  }
  const e = parsed.data;
  const baseUrl = e.GX_BASE_URL ?? `http://localhost:${e.PORT}`;
  if (e.GX_ENV === 'production' && !baseUrl.startsWith('https://')) {
    throw new GxTrustError('CONFIG_INVALID', 'GX_BASE_URL: production needs an https:// base URL', {
      pointer: '/GX_BASE_URL',
      hint: 'did:web is resolved over https only; set GX_BASE_URL=https://your.host',
    });
  }
  if (e.GX_HEADERS_TIMEOUT_SECONDS > e.GX_REQUEST_TIMEOUT_SECONDS) {
    throw new GxTrustError('CONFIG_INVALID', 'GX_HEADERS_TIMEOUT_SECONDS: longer than GX_REQUEST_TIMEOUT_SECONDS, which bounds the headers too', {
      pointer: '/GX_HEADERS_TIMEOUT_SECONDS',
      hint: 'Set GX_HEADERS_TIMEOUT_SECONDS at most GX_REQUEST_TIMEOUT_SECONDS',
    });
  }
  if (e.GX_METRICS_PORT !== undefined && !e.GX_METRICS_ENABLED) {
    throw new GxTrustError('CONFIG_INVALID', 'GX_METRICS_PORT: set while GX_METRICS_ENABLED=false', {
      pointer: '/GX_METRICS_PORT',
      hint: 'Unset GX_METRICS_PORT, or enable metrics',
    });
  }
  if (e.GX_TEST_CRASH_AT !== undefined && e.GX_ENV !== 'development') {
    throw new GxTrustError('CONFIG_INVALID', 'GX_TEST_CRASH_AT: a fault hook for crash tests, refused outside development', {
      pointer: '/GX_TEST_CRASH_AT',
      hint: 'Unset GX_TEST_CRASH_AT',
    });
  }
  // In production a compliance decision judges terms by the Gaia-X list alone: a label must not
  // say "Gaia-X compliant" for terms Gaia-X never published.
  if (e.GX_ACCEPTED_TERMS_HASHES !== undefined && e.GX_ACCEPTED_TERMS_HASHES.length > 0 && e.GX_ENV !== 'development') {
    throw new GxTrustError('CONFIG_INVALID', 'GX_ACCEPTED_TERMS_HASHES: terms hashes beside the Gaia-X ones are refused in production', {
      pointer: '/GX_ACCEPTED_TERMS_HASHES',
      hint: 'Unset GX_ACCEPTED_TERMS_HASHES; GX_TERMS_AND_CONDITIONS_FILE must then hold the Gaia-X terms text',
    });
  }
  if ((e.GX_MEMBER_CA_KEY_FILE === undefined) !== (e.GX_MEMBER_CA_CERT_FILE === undefined)) {
    const missing = e.GX_MEMBER_CA_KEY_FILE === undefined ? 'GX_MEMBER_CA_KEY_FILE' : 'GX_MEMBER_CA_CERT_FILE';
    throw new GxTrustError('CONFIG_INVALID', `${missing}: the member CA needs both its key and its certificate`, {
      pointer: `/${missing}`,
      hint: 'Set GX_MEMBER_CA_KEY_FILE and GX_MEMBER_CA_CERT_FILE together, or neither',
    });
  }
  const keyFiles: Config['keyFiles'] = {};
  if (e.GX_KEY_ED25519_FILE) keyFiles.ed25519 = e.GX_KEY_ED25519_FILE;
  if (e.GX_KEY_P256_FILE) keyFiles.p256 = e.GX_KEY_P256_FILE;
  if (e.GX_KEY_P384_FILE) keyFiles.p384 = e.GX_KEY_P384_FILE;
  if (e.GX_KEY_P521_FILE) keyFiles.p521 = e.GX_KEY_P521_FILE;
  if (e.GX_KEY_BLS12381_FILE) keyFiles.bls12381 = e.GX_KEY_BLS12381_FILE;
  if (e.GX_KEY_RSA_FILE) keyFiles.rsa = e.GX_KEY_RSA_FILE;
  if (e.GX_CERT_CHAIN_RSA_FILE) keyFiles.rsaChain = e.GX_CERT_CHAIN_RSA_FILE;
  if (e.GX_CERT_CHAIN_P256_FILE) keyFiles.p256Chain = e.GX_CERT_CHAIN_P256_FILE;
  return {
    port: e.PORT,
    // Development listens on loopback only: a laptop running `npm start` with generated keys and a
    // printed admin key is not a server for the network. Production is deployed to be reached
    // (behind a load balancer, or in a container, where loopback is unreachable from outside).
    host: e.GX_HOST ?? (e.GX_ENV === 'development' ? '127.0.0.1' : undefined),
    metricsListener: e.GX_METRICS_PORT === undefined ? undefined : { port: e.GX_METRICS_PORT, host: e.GX_METRICS_HOST },
    server: {
      headersTimeoutMs: e.GX_HEADERS_TIMEOUT_SECONDS * 1000,
      requestTimeoutMs: e.GX_REQUEST_TIMEOUT_SECONDS * 1000,
      keepAliveTimeoutMs: e.GX_KEEP_ALIVE_TIMEOUT_SECONDS * 1000,
      maxConnections: e.GX_MAX_CONNECTIONS,
    },
    baseUrl,
    env: e.GX_ENV,
    testMode: e.GX_ENV === 'development',
    dataDir: e.GX_DATA_DIR,
    keysDir: e.GX_KEYS_DIR,
    adminApiKey: e.GX_ADMIN_API_KEY,
    trustAnchorsFile: e.GX_TRUST_ANCHORS,
    trustedIssuersFile: e.GX_TRUSTED_ISSUERS,
    databaseUrl: e.DATABASE_URL,
    pgGroupsInFlight: e.GX_PG_GROUPS_IN_FLIGHT,
    logLevel: e.GX_LOG_LEVEL,
    bodyLimitBytes: e.GX_BODY_LIMIT_BYTES,
    clockSkewSeconds: e.GX_CLOCK_SKEW_SECONDS,
    keyBindingMaxAgeSeconds: e.GX_KB_JWT_MAX_AGE_SECONDS,
    rateLimit: {
      windowSeconds: e.GX_RATE_LIMIT_WINDOW_SECONDS,
      max: e.GX_RATE_LIMIT_MAX,
      anonymousMax: e.GX_RATE_LIMIT_ANONYMOUS_MAX,
      anonymousCanonicalizationsPerSecond: e.GX_RATE_LIMIT_ANONYMOUS_CANONICALIZATIONS,
    },
    anonymousVerify: e.GX_ANONYMOUS_VERIFY,
    trustProxy: e.GX_TRUST_PROXY,
    metricsEnabled: e.GX_METRICS_ENABLED,
    consoleDir: e.GX_CONSOLE_DIR ?? DEFAULT_CONSOLE_DIR,
    danubeShapes: e.GX_DANUBE_SHAPES,
    danubeOfficialShapesFile: e.GX_DANUBE_OFFICIAL_SHAPES_FILE,
    termsAndConditionsFile: e.GX_TERMS_AND_CONDITIONS_FILE,
    acceptedTermsHashes: e.GX_ACCEPTED_TERMS_HASHES ?? [],
    workers: e.GX_WORKERS ?? availableParallelism(),
    workerPriority: e.GX_WORKER_PRIORITY,
    workerQueueMax: e.GX_WORKER_QUEUE_MAX,
    bbsQueueMax: e.GX_BBS_QUEUE_MAX,
    resultCacheSeconds: e.GX_RESULT_CACHE_SECONDS,
    verifyDeadlineMs: e.GX_VERIFY_DEADLINE_MS,
    keyFiles,
    checkpointEveryEntries: e.GX_CHECKPOINT_EVERY_ENTRIES,
    checkpointEverySeconds: e.GX_CHECKPOINT_EVERY_SECONDS,
    walletSweepIntervalSeconds: e.GX_WALLET_SWEEP_INTERVAL_SECONDS,
    memberCa: { keyFile: e.GX_MEMBER_CA_KEY_FILE, certFile: e.GX_MEMBER_CA_CERT_FILE, trustAnchor: e.GX_MEMBER_CA_TRUST_ANCHOR },
    complianceUncheckedNumbers: e.GX_COMPLIANCE_UNCHECKED_NUMBERS ?? (e.GX_ENV === 'production' ? 'refuse' : 'warn'),
    registryLookups: {
      enabled: [...new Set(e.GX_REGISTRY_LOOKUPS)],
      baseUrls: {
        ...(e.GX_REGISTRY_VIES_URL === undefined ? {} : { vies: e.GX_REGISTRY_VIES_URL }),
        ...(e.GX_REGISTRY_GLEIF_URL === undefined ? {} : { gleif: e.GX_REGISTRY_GLEIF_URL }),
        ...(e.GX_REGISTRY_EORI_URL === undefined ? {} : { eori: e.GX_REGISTRY_EORI_URL }),
      },
      timeoutMs: e.GX_REGISTRY_TIMEOUT_MS,
    },
    testCrashAt: e.GX_TEST_CRASH_AT,
  };
}

/** The one place that reads the process environment. */
export function configFromProcess(flags: ConfigFlags = {}): Config {
  return parseConfig(process.env, flags);
}
