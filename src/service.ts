/**
 * The composition root shared by the server, the CLI and the tests:
 * config -> keyring -> DID resolver -> document loader -> issuer / verifier -> app.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type express from 'express';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import { createDidResolver } from './dids/index.js';
import type { DidResolver } from './dids/types.js';
import { createDocumentLoader, type DocumentLoader } from './document-loader/index.js';
import { shareActiveContextDefinitions } from './document-loader/active-context.js';
import { GxTrustError } from './errors.js';
import { createStoreAuthenticator, type Authenticator } from './access/authenticator.js';
import { createApp, openApiJson, type RequestListener } from './http/app.js';
import { createCanonicalizationBudget } from './http/rate-limit.js';
import type { RouteDependencies } from './http/route-table.js';
import type { AuditRouteDependencies } from './http/routes/audit.js';
import { createOnboarding } from './danube/onboarding/index.js';
import { createWalletIssuance } from './wallets/issuance.js';
import { createWalletSweeper, type WalletSweeper } from './wallets/sweep.js';
import { createPresentationVerifier } from './wallets/presentation.js';
import { createClaimsReader } from './issuing/credential-claims.js';
import { createMemberLabels } from './members/labels.js';
import { createMemberPresentations } from './members/presentations.js';
import { supersedeChanges } from './status-lists/change-status.js';
import { createHostedDids } from './members/hosted-dids.js';
import { createMemberRegistry, type MemberRegistry } from './members/registry.js';
import { createRegistryLookup } from './danube/registration-numbers/index.js';
import { loadMemberKeyVault, MEMBER_KEY_SECRET_FILE } from './keyring/member-keys.js';
import { loadMemberCa, type MemberCa } from './keyring/member-ca.js';
import { createIssuer } from './issuing/index.js';
import { createSigningPolicy, SERVICE_CALLER, type SigningPolicy } from './issuing/signing-policy.js';
import { DEVELOPMENT_FILES, loadOrCreateKeyring, type Keyring } from './keyring/index.js';
import { OWNER_ONLY_FILE, OWNER_ONLY_FOLDER, readableByOthers } from './file-permissions.js';
import { createVerifier, type Verifier } from './verifying/index.js';
import { createResultCache } from './verifying/result-cache.js';
import { createWorkerPool, type WorkerPool } from './workers/pool.js';
import { createPooledDataIntegrityFormat } from './workers/pooled-data-integrity.js';
import { createPooledSelfDescriptionValidator } from './workers/pooled-self-description.js';
import { createCertificateChainCheck } from './verifying/certificate-chain.js';
import { dataIntegrityFormat } from './formats/data-integrity/verify.js';
import { deriveCredential } from './formats/data-integrity/sign.js';
import { joseFormat } from './formats/jose/verify.js';
import { sdJwtFormat } from './formats/sd-jwt/verify.js';
import { coseFormat } from './formats/cose/verify.js';
import { ed25519Signature2018Format, jsonWebSignature2020Format } from './formats/json-web-signature-2020/verify.js';
import { parsePemCertificates } from './x509/index.js';
import { openStore } from './storage/open-store.js';
import { CHECKPOINT_INTERVAL_MS } from './storage/sqlite-checkpointer.js';
import { recordCodecs } from './record-codecs.js';
import type { Store } from './storage/store.js';
import { createRecordingIssuer } from './issuing/recorded.js';
import { StatusListAllocator } from './status-lists/allocator.js';
import { createStatusListPublisher, type StatusListPublisher } from './status-lists/credential.js';
import { createStatusListIssuers, type StatusListIssuers } from './status-lists/issuers.js';
import { createStatusCheck } from './status-lists/check-status.js';
import { createSelfDescriptionValidator, type SelfDescriptionValidator } from './danube/validate.js';
import { acceptedTermsAndConditions, type AcceptedTermsAndConditions } from './danube/terms-and-conditions.js';
import { loadTermsAndConditions, type TermsAndConditionsText } from './danube/terms-and-conditions-text.js';
import { createComplianceEngine, type ComplianceEngine } from './compliance/engine.js';
import { createLabelCheck } from './compliance/connector-check.js';
import { loadTrustedIssuers, type TrustedIssuers } from './compliance/trusted-issuers.js';
import { certificateInfo } from './x509/index.js';
import type { DestinationStream } from 'pino';
import { createLogger, type Logger } from './observability/logger.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import {
  instrumentCertificateChainCheck, instrumentFormats, instrumentResolver, instrumentSelfDescriptionValidator, instrumentStatusCheck, instrumentVerifier,
} from './observability/instrument.js';
import { createCheckpointer, ed25519CheckpointSigner, type Checkpointer } from './audit/checkpoints.js';

export interface Service {
  config: Config;
  keyring: Keyring;
  resolver: DidResolver;
  documentLoader: DocumentLoader;
  /**
   * The only way to have the service's keys sign: `signing.signerFor(module)` gives that module's
   * scoped signer (src/issuing/signing-policy.ts). No issuer is handed out unscoped.
   */
  signing: SigningPolicy;
  store: Store;
  authenticator: Authenticator;
  /** Consortium members: their did:web identities, keys and API keys. */
  members: MemberRegistry;
  /** Whose status lists a credential gets, and who signs a stored list: its issuer. */
  statusListIssuers: StatusListIssuers;
  verifier: Verifier;
  selfDescriptionValidator: SelfDescriptionValidator;
  /** Compliance decisions and label credentials. */
  compliance: ComplianceEngine;
  /** The worker threads for canonicalization and validation; undefined with GX_WORKERS=0. */
  workerPool: WorkerPool | undefined;
  /** JSON log lines (pino), at GX_LOG_LEVEL. */
  logger: Logger;
  /** This instance's own Prometheus registry; undefined when GX_METRICS_ENABLED=false. */
  metrics: Metrics | undefined;
  /** The Express app: every route (tests walk its routers). */
  app: express.Express;
  /** What a node:http server serves: the app, with the fast dispatch of static paths in front (src/http/app.ts). */
  listener: RequestListener;
  /** The admin API key in force (generated and kept in the keys folder in development). */
  adminApiKey: string | undefined;
  /** Signs audit checkpoints (every N entries / T seconds) and keeps the proof tree in step. */
  checkpointer: Checkpointer;
  /** Removes expired OpenID4VCI offers, nonces and transactions every GX_WALLET_SWEEP_INTERVAL_SECONDS. */
  walletSweeper: WalletSweeper;
  close(): Promise<void>;
}

export interface ServiceOverrides {
  clock?: Clock;
  /** DID documents resolved without HTTP (the service's own is always one of them). */
  localDocuments?: ReadonlyMap<string, import('./dids/types.js').DidDocument>;
  log?: (error: unknown) => void;
  /** Where log lines go (stdout by default); tests read them from a stream. */
  logDestination?: DestinationStream;
}

/**
 * The trust anchors: the configured PEM bundle, plus the development CA in development, plus the
 * member CA unless GX_MEMBER_CA_TRUST_ANCHOR=false (its leaves then need a chain to another anchor).
 */
function trustAnchors(config: Config, keyring: Keyring, memberCa: MemberCa | undefined): readonly string[] {
  const anchors = [...keyring.trustAnchorsPem()];
  if (memberCa !== undefined && config.memberCa.trustAnchor && !anchors.includes(memberCa.certificatePem)) {
    const der = parsePemCertificates(memberCa.certificatePem)[0];
    // In development the member CA is the development root, an anchor already.
    if (!anchors.some((pem) => parsePemCertificates(pem)[0] === der)) anchors.push(memberCa.certificatePem);
  }
  if (config.trustAnchorsFile !== undefined) {
    const pem = readFileSync(config.trustAnchorsFile, 'utf8');
    const certificates = parsePemCertificates(pem);
    if (certificates.length === 0) {
      throw new GxTrustError('CONFIG_INVALID', `GX_TRUST_ANCHORS: ${config.trustAnchorsFile} holds no PEM certificate`, {
        pointer: '/GX_TRUST_ANCHORS',
      });
    }
    anchors.push(...certificates.map((der) => `-----BEGIN CERTIFICATE-----\n${der.match(/.{1,64}/g)?.join('\n')}\n-----END CERTIFICATE-----\n`));
  }
  // Frozen: fixed for the life of the service, so the X.509 check hashes them once (src/x509).
  return Object.freeze(anchors);
}

/** In development an admin key is generated once and kept beside the development keys. */
function adminApiKeyOf(config: Config): string | undefined {
  if (config.adminApiKey !== undefined || config.env === 'production') return config.adminApiKey;
  const file = join(config.keysDir, 'admin-api-key.txt');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(config.keysDir, { recursive: true, mode: OWNER_ONLY_FOLDER });
  const key = `gxdev_${randomBytes(24).toString('base64url')}`;
  writeFileSync(file, key + '\n', { mode: OWNER_ONLY_FILE });
  return key;
}

/** Every file that holds a private key or secret of this service, wherever it came from. */
function keyFilesOf(config: Config): string[] {
  const inKeysDir = [DEVELOPMENT_FILES.ed25519, DEVELOPMENT_FILES.p256, DEVELOPMENT_FILES.p384, DEVELOPMENT_FILES.p521, DEVELOPMENT_FILES.bls12381, DEVELOPMENT_FILES.rsa, DEVELOPMENT_FILES.rootKey, 'admin-api-key.txt', MEMBER_KEY_SECRET_FILE];
  const configured = [config.keyFiles.ed25519, config.keyFiles.p256, config.keyFiles.p384, config.keyFiles.p521, config.keyFiles.bls12381, config.keyFiles.rsa, config.memberCa.keyFile].filter((file): file is string => file !== undefined);
  return [...configured, ...inKeysDir.map((name) => join(config.keysDir, name))];
}

/** How DIDs are resolved: the service's own document and hosted members' from the store, others over HTTP. */
function createResolution(deps: { config: Config; overrides: ServiceOverrides; keyring: Keyring; store: Store; members: MemberRegistry; metrics: Metrics | undefined; clock: Clock }): DidResolver {
  const { config, keyring, store, members, metrics, clock } = deps;
  const localDocuments = new Map(deps.overrides.localDocuments ?? []);
  localDocuments.set(keyring.did, keyring.didDocument());
  return instrumentResolver(metrics, createDidResolver({
    testMode: config.testMode, localDocuments, clock,
    // Member DIDs from the store every time: a key rotated out or removed fails at once, on every replica.
    hosted: createHostedDids({ store, registry: members, clock }),
    cache: { maxPendingMs: config.verifyDeadlineMs, ...(metrics === undefined ? {} : { onLookup: (hit: boolean) => metrics.observeCacheLookup('did', hit) }) },
  }));
}

/** The one issuer, recorded issuance and the signing policy every service signature passes. */
function createSigning(deps: { config: Config; keyring: Keyring; store: Store; members: MemberRegistry; documentLoader: DocumentLoader; metrics: Metrics | undefined; clock: Clock }): { signing: SigningPolicy; statusListIssuers: StatusListIssuers } {
  const { config, keyring, store, members, metrics, clock } = deps;
  const issuer = createIssuer({ keyring, documentLoader: deps.documentLoader, clock, memberSigning: members.signing });
  // Each issuing DID has status lists of its own, signed by it (src/status-lists/issuers.ts).
  const statusListIssuers = createStatusListIssuers({
    serviceDid: keyring.did,
    didKeys: keyring.didKeys(),
    bbsDidKey: keyring.bbsKey()?.didKey.did,
    members: members.signing,
  });
  const allocator = new StatusListAllocator({ store, baseUrl: config.baseUrl, issuers: statusListIssuers });
  const recordingIssuer = createRecordingIssuer({ issuer, store, allocator, testCrashAt: config.testCrashAt });
  // Every signature goes through the policy: each module gets its own scoped signer.
  const signing = createSigningPolicy({
    issuer,
    recordingIssuer,
    keyring,
    hostsMember: members.signing.hosts,
    audit: store,
    ...(metrics === undefined ? {} : { onDecision: (module, outcome) => metrics.observeSigning(module, outcome) }),
  });
  return { signing, statusListIssuers };
}

/** The verifier over the three proof formats, with the X.509, status and label checks it runs. */
function createServiceVerifier(deps: {
  config: Config; keyring: Keyring; resolver: DidResolver; documentLoader: DocumentLoader; workerPool: WorkerPool | undefined;
  statusListPublisher: StatusListPublisher; trustedIssuers: TrustedIssuers; trustAnchorsPem: readonly string[]; metrics: Metrics | undefined; clock: Clock;
}): Verifier {
  const { config, resolver, documentLoader, workerPool, metrics, clock } = deps;
  // The status check verifies list credentials with the verifier that asks (it hands itself over
  // with each call), without following a list's own credentialStatus (so a list naming itself
  // cannot recurse) and within the deadline of the verification that needs it; the service's own
  // lists are read without HTTP to itself.
  const checkStatus = createStatusCheck({
    testMode: config.testMode,
    clock,
    resolveLocally: async (url) => {
      const signed = await deps.statusListPublisher.signedListByUrl(url);
      if (signed === undefined) return undefined;
      return signed.format === 'vc+jwt' ? signed.jwt : signed.verifiableCredential;
    },
  });
  return createVerifier({
    resolver,
    documentLoader,
    clock,
    clockSkewSeconds: config.clockSkewSeconds,
    keyBindingMaxAgeSeconds: config.keyBindingMaxAgeSeconds,
    formats: instrumentFormats(metrics, [joseFormat, workerPool === undefined ? dataIntegrityFormat : createPooledDataIntegrityFormat({ pool: workerPool, resolver, clock }), jsonWebSignature2020Format, ed25519Signature2018Format, sdJwtFormat, coseFormat]),
    checkCertificateChain: instrumentCertificateChainCheck(metrics, createCertificateChainCheck({
      trustAnchorsPem: deps.trustAnchorsPem,
      testMode: config.testMode,
      maxPendingMs: config.verifyDeadlineMs,
    })),
    checkStatus: instrumentStatusCheck(metrics, checkStatus),
    checkCompliance: createLabelCheck({ trusted: deps.trustedIssuers }),
    deadlineMs: config.verifyDeadlineMs,
    ...(config.resultCacheSeconds > 0 ? { resultCache: createResultCache({ ttlMs: config.resultCacheSeconds * 1000, clock, ...(metrics === undefined ? {} : { onLookup: (hit: boolean) => metrics.observeCacheLookup('verification-result', hit) }) }) } : {}),
  });
}

/** Danube validation (JSON-LD to RDF, SHACL), on the pool's threads when there is a pool. */
function createServiceValidator(deps: {
  config: Config; documentLoader: DocumentLoader; workerPool: WorkerPool | undefined; clock: Clock; acceptedTerms: readonly AcceptedTermsAndConditions[];
}): SelfDescriptionValidator {
  const { config, workerPool, clock } = deps;
  const settings = {
    shapes: config.danubeShapes,
    // ISO strings: the settings cross to worker threads and key their validator cache as JSON.
    acceptedTermsAndConditions: deps.acceptedTerms.map((t) => (t.until === undefined ? { hash: t.hash } : { hash: t.hash, until: t.until.toISOString() })),
    ...(config.danubeOfficialShapesFile === undefined ? {} : { officialShapesPath: config.danubeOfficialShapesFile }),
  };
  return workerPool === undefined
    ? createSelfDescriptionValidator({ documentLoader: deps.documentLoader, ...settings, now: clock })
    : createPooledSelfDescriptionValidator({ pool: workerPool, settings, clock });
}

/** Compliance decisions: signed only through the policy's compliance signer. */
function createServiceCompliance(deps: {
  config: Config; keyring: Keyring; store: Store; verifier: Verifier; selfDescriptionValidator: SelfDescriptionValidator;
  signing: SigningPolicy; trustedIssuers: TrustedIssuers; trustAnchorsPem: readonly string[]; clock: Clock; acceptedTerms: readonly AcceptedTermsAndConditions[];
}): ComplianceEngine {
  const { config, keyring } = deps;
  const rsaLeaf = keyring.key('RSA').x5c?.[0];
  return createComplianceEngine({
    verifier: deps.verifier,
    selfDescriptionValidator: deps.selfDescriptionValidator,
    signer: deps.signing.signerFor('compliance'),
    store: deps.store,
    serviceDid: keyring.did,
    trusted: deps.trustedIssuers,
    trustAnchorsPem: deps.trustAnchorsPem,
    shapesVersion: `danube-25.11/${config.danubeShapes}`,
    ...(rsaLeaf === undefined ? {} : { signingCertificateNotAfter: certificateInfo(rsaLeaf).notAfter }),
    uncheckedNumbers: config.complianceUncheckedNumbers,
    acceptedTermsAndConditions: deps.acceptedTerms,
    clock: deps.clock,
  });
}

/**
 * What each route module is given (src/http/route-table.ts): only what its handlers use, so who
 * can reach which signer, engine or store is read here, module by module.
 */
function createRouteDependencies(deps: {
  config: Config; clock: Clock; keyring: Keyring; store: Store; members: MemberRegistry; signing: SigningPolicy; statusListPublisher: StatusListPublisher;
  compliance: ComplianceEngine; authenticator: Authenticator; metrics: Metrics | undefined; audit: AuditRouteDependencies['audit'];
  verifier: Verifier; selfDescriptionValidator: SelfDescriptionValidator; trustedIssuers: TrustedIssuers;
  termsAndConditions: TermsAndConditionsText | undefined;
  documentLoader: DocumentLoader;
  workerPool: WorkerPool | undefined;
}): RouteDependencies {
  const { config, clock, keyring, store, members, signing, compliance, verifier, selfDescriptionValidator } = deps;
  // Anonymous callers' share of canonicalization work: verification and Danube validation draw from it.
  const canonicalizationBudget = config.rateLimit === undefined ? undefined : createCanonicalizationBudget(config.rateLimit.anonymousCanonicalizationsPerSecond, deps.authenticator, clock);
  // Onboarding runs the compliance engine's content rules before it issues anything.
  const onboarding = createOnboarding({
    signers: { participants: signing.signerFor('participants'), serviceOfferings: signing.signerFor('service-offerings') },
    verifier,
    validator: selfDescriptionValidator,
    contentReview: compliance,
    store,
    supersession: (previous, actor) => supersedeChanges(store, previous, actor),
    serviceDid: keyring.did,
    clock,
    registryLookup: createRegistryLookup({ ...config.registryLookups, testMode: config.testMode, clock }),
  });
  // A member's own presentations, and its one call to a label: signed by the presentations signer
  // (as the member only, audited), decided by the compliance engine (recorded as POST /compliance's).
  const presentationsSigner = signing.signerFor('presentations');
  const memberPresentations = createMemberPresentations({ store, signer: presentationsSigner });
  const memberLabels = createMemberLabels({ presentations: memberPresentations, compliance });
  return {
    credentials: {
      signer: signing.signerFor('credentials-api'),
      verifier,
      canonicalizationBudget,
      // The holder's step of selective disclosure: no key, only the pinned contexts; on the pool
      // when there is one (a bbs-2023 derivation is about 100 ms of CPU: bench/bbs-2023.ts).
      deriver: (verifiableCredential, selectivePointers, presentationHeader) => {
        const header = presentationHeader === undefined ? {} : { presentationHeader };
        if (deps.workerPool === undefined) return deriveCredential({ verifiableCredential, selectivePointers, documentLoader: deps.documentLoader, ...header });
        deps.workerPool.admit();
        return deps.workerPool.run<Record<string, unknown>>({ task: 'derive-credential', verifiableCredential, selectivePointers, ...header });
      },
    },
    statusLists: { store, statusListPublisher: deps.statusListPublisher },
    presentations: { signer: presentationsSigner, verifier, canonicalizationBudget },
    danube: { selfDescriptionValidator, canonicalizationBudget, onboarding, termsAndConditions: deps.termsAndConditions },
    compliance: { compliance },
    members: { members, memberPresentations, memberLabels },
    records: { store, members },
    wallets: { wallets: createWalletIssuance({ store, signer: signing.signerFor('wallets'), keyring, clock }), members, memberPresentations },
    // OpenID4VP: the wallet's presentations go through the verifier /presentations/verify uses.
    // A label answered by several presentations is checked against all of them (the same label check).
    verifier: { presentations: createPresentationVerifier({ store, verifier, keyring, readClaims: createClaimsReader(), checkLabel: createLabelCheck({ trusted: deps.trustedIssuers }), clock }) },
    audit: { store, audit: deps.audit, keyring },
    identity: { keyring },
    // /metrics on this app unless it has a listener of its own (GX_METRICS_PORT).
    ops: { store, keyring, metrics: deps.metrics, serveMetrics: config.metricsListener === undefined },
    docs: { openApiDocument: openApiJson(config.baseUrl, keyring.did) },
    console: { consoleDir: config.consoleDir },
  };
}

export async function createService(config: Config, overrides: ServiceOverrides = {}): Promise<Service> {
  // jsonld's active contexts share term definitions instead of deep-copying them, and processed
  // contexts are reused across calls by content (active-context.ts).
  shareActiveContextDefinitions();
  const clock = overrides.clock ?? systemClock;
  const logger = createLogger({ level: config.logLevel, ...(overrides.logDestination === undefined ? {} : { destination: overrides.logDestination }) });
  const metrics = config.metricsEnabled ? createMetrics() : undefined;
  // One list for every check of gx:gaiaxTermsAndConditions, and the text checked against it before
  // anything else starts: a service never shows terms its own rules would refuse.
  const acceptedTerms = acceptedTermsAndConditions(config.acceptedTermsHashes);
  const termsAndConditions = config.termsAndConditionsFile === undefined ? undefined : await loadTermsAndConditions(config.termsAndConditionsFile, acceptedTerms, clock());
  const keyring = await loadOrCreateKeyring({
    keysDir: config.keysDir,
    baseUrl: config.baseUrl,
    env: config.env,
    keyFiles: config.keyFiles,
    clock,
    bbsQueue: { maxQueued: config.bbsQueueMax, ...(metrics === undefined ? {} : { observer: metrics.bbsQueue }) },
  });
  // Read at start (after the keyring, which creates the development root it defaults to): a bad
  // GX_MEMBER_CA_* file stops the start instead of the first member's creation.
  const memberCa = await loadMemberCa({ ...config.memberCa, keysDir: config.keysDir, env: config.env, clock });
  const anchors = trustAnchors(config, keyring, memberCa);
  const store = await openStore({
    dataDir: config.dataDir, databaseUrl: config.databaseUrl, groupsInFlight: config.pgGroupsInFlight, clock, codecs: recordCodecs,
    onGroupFallback: (error, groupSize) => {
      metrics?.observeGroupFallback();
      logger.debug({ err: error, groupSize }, 'a group of issuances failed as one statement and was written the long way');
    },
    onCheckpointerFailure: ({ error, walAutocheckpointPages }) => {
      logger.error(
        { err: error, walAutocheckpointPages },
        `the SQLite checkpoint worker stopped, so the ${CHECKPOINT_INTERVAL_MS} ms bound on what a power cut can lose no longer holds: commits checkpoint the log themselves again (every ${walAutocheckpointPages} pages, slower commits) until the service restarts`,
      );
    },
  });
  const members = createMemberRegistry({
    store, serviceDid: keyring.did, baseUrl: config.baseUrl, clock, production: config.env === 'production',
    vault: () => loadMemberKeyVault({ keysDir: config.keysDir, env: config.env }),
    memberCa: async () => memberCa,
    trustAnchorsPem: anchors,
  });
  const resolver = createResolution({ config, overrides, keyring, store, members, metrics, clock });
  const documentLoader = createDocumentLoader();
  const { signing, statusListIssuers } = createSigning({ config, keyring, store, members, documentLoader, metrics, clock });
  const checkpointSigner = ed25519CheckpointSigner(keyring);
  const checkpointer = createCheckpointer({
    store,
    signer: checkpointSigner,
    policy: { everyEntries: config.checkpointEveryEntries, everySeconds: config.checkpointEverySeconds },
    clock,
    onError: overrides.log ?? ((error) => console.error(error)),
  });
  // Data Integrity canonicalization and Danube validation on worker threads (GX_WORKERS; 0 keeps them in this thread).
  const workerPool = config.workers > 0
    ? createWorkerPool({ threads: config.workers, priority: config.workerPriority, maxQueued: config.workerQueueMax, ...(metrics === undefined ? {} : { onShed: () => metrics.observeShed() }) })
    : undefined;
  const statusListPublisher = createStatusListPublisher({
    store, signer: signing.signerFor('status-lists'), caller: SERVICE_CALLER, issuers: statusListIssuers, baseUrl: config.baseUrl, clock,
    // The BLS12-381 did:key's lists are served as derived bbs-2023 proofs (a derivation is about
    // 100 ms of CPU: on the pool when there is one, as POST /credentials/derive). Never shed with
    // VERIFIER_BUSY: a list a verifier cannot fetch fails every status check of its DID; the
    // publisher re-signs each list once at a time, so these waits are at most one per list.
    discloseAll: (verifiableCredential) => workerPool === undefined
      ? deriveCredential({ verifiableCredential, selectivePointers: [], documentLoader })
      : workerPool.run<Record<string, unknown>>({ task: 'derive-credential', verifiableCredential, selectivePointers: [] }, { shed: false }),
  });
  // Notaries, issuers, compliance services and assessors gx-trust trusts (GX_TRUSTED_ISSUERS).
  const trustedIssuers = loadTrustedIssuers(keyring.did, config.trustedIssuersFile);
  const verifier = createServiceVerifier({ config, keyring, resolver, documentLoader, workerPool, statusListPublisher, trustedIssuers, trustAnchorsPem: anchors, metrics, clock });
  const selfDescriptionValidator = createServiceValidator({ config, documentLoader, workerPool, clock, acceptedTerms });
  const compliance = createServiceCompliance({ config, keyring, store, verifier, selfDescriptionValidator, signing, trustedIssuers, trustAnchorsPem: anchors, clock, acceptedTerms });
  const adminApiKey = adminApiKeyOf(config);
  // gx-trust writes its own key files 0600; files it was given may be anyone's to read.
  for (const { path, mode } of readableByOthers(keyFilesOf(config))) {
    logger.warn({ file: path, mode }, `the key file ${path} is readable by group or others (mode ${mode}): chmod 600 it`);
  }
  // Member API keys from the store; the bootstrap admin key of the configuration stays an admin.
  const authenticator = createStoreAuthenticator({ store, adminApiKeys: adminApiKey === undefined ? [] : [adminApiKey] });
  const { app, listener } = createApp({
    routes: createRouteDependencies({
      config, clock, keyring, store, members, signing, statusListPublisher, compliance, authenticator, metrics, trustedIssuers,
      audit: { checkpointer, signer: checkpointSigner },
      verifier: instrumentVerifier(metrics, verifier),
      selfDescriptionValidator: instrumentSelfDescriptionValidator(metrics, selfDescriptionValidator),
      termsAndConditions,
      documentLoader,
      workerPool,
    }),
    authenticator,
    bodyLimitBytes: config.bodyLimitBytes,
    logger,
    rateLimit: config.rateLimit,
    anonymousVerify: config.anonymousVerify,
    production: config.env === 'production',
    ...(config.trustProxy === undefined ? {} : { trustProxy: config.trustProxy }),
    ...(metrics === undefined ? {} : { metrics }),
    ...(overrides.log === undefined ? {} : { log: overrides.log }),
  });
  checkpointer.start();
  const walletSweeper = createWalletSweeper({
    store,
    clock,
    intervalSeconds: config.walletSweepIntervalSeconds,
    onSwept: (swept) => {
      metrics?.observeWalletSweep(swept);
      if (swept.offers + swept.nonces + swept.transactions > 0) logger.info({ swept }, 'expired wallet state swept');
    },
    onError: overrides.log ?? ((error) => logger.error({ err: error }, 'the wallet sweep failed')),
  });
  walletSweeper.start();
  return {
    logger,
    metrics,
    config, keyring, resolver, documentLoader, signing, store, authenticator, members, statusListIssuers, verifier, selfDescriptionValidator, app, listener, adminApiKey,
    compliance,
    workerPool,
    checkpointer,
    walletSweeper,
    close: async () => {
      await walletSweeper.stop();
      await checkpointer.stop();
      await workerPool?.destroy();
      await store.close();
    },
  };
}
