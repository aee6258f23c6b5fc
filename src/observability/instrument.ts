/**
 * Metrics around the library core without the core knowing: the composition root wraps the
 * injected pieces (proof formats, DID resolver, X.509 and status checks, the Danube validator,
 * the verifier) so each verification check is timed and each report counted. The wrappers change
 * no result and swallow no error; without metrics (GX_METRICS_ENABLED=false) they return the
 * piece unchanged.
 */
import type { SelfDescriptionValidator, ValidateOptions } from '../danube/validate.js';
import type { DidResolver } from '../dids/types.js';
import type { CertificateChainCheck, CredentialStatusCheck, Verifier } from '../verifying/index.js';
import type { ProofFormat } from '../verifying/types.js';
import { timed, type Metrics } from './metrics.js';

/** 'proof' covers the format module's whole work: proof, key binding and the DID resolution in it. */
export function instrumentFormats(metrics: Metrics | undefined, formats: readonly ProofFormat[]): ProofFormat[] {
  return metrics === undefined ? [...formats] : formats.map((format) => instrumentFormat(format, metrics));
}

function instrumentFormat(format: ProofFormat, metrics: Metrics): ProofFormat {
  return {
    name: format.name,
    canVerifyCredential: (input) => format.canVerifyCredential(input),
    canVerifyPresentation: (input) => format.canVerifyPresentation(input),
    verifyCredential: timed(metrics, 'proof', (input, context) => format.verifyCredential(input, context)),
    verifyPresentation: timed(metrics, 'proof', (input, context) => format.verifyPresentation(input, context)),
  };
}

export function instrumentResolver(metrics: Metrics | undefined, resolver: DidResolver): DidResolver {
  if (metrics === undefined) return resolver;
  return {
    resolve: timed(metrics, 'did-resolution', (did: string) => resolver.resolve(did)),
    resolveVerificationMethod: timed(metrics, 'did-resolution', (didUrl: string, options: Parameters<DidResolver['resolveVerificationMethod']>[1]) =>
      resolver.resolveVerificationMethod(didUrl, options),
    ),
  };
}

export function instrumentCertificateChainCheck(metrics: Metrics | undefined, check: CertificateChainCheck): CertificateChainCheck {
  return metrics === undefined ? check : timed(metrics, 'x509', check);
}

export function instrumentStatusCheck(metrics: Metrics | undefined, check: CredentialStatusCheck): CredentialStatusCheck {
  return metrics === undefined ? check : timed(metrics, 'status', check);
}

export function instrumentSelfDescriptionValidator(metrics: Metrics | undefined, validator: SelfDescriptionValidator): SelfDescriptionValidator {
  if (metrics === undefined) return validator;
  return { validate: timed(metrics, 'shapes', (credentials: readonly object[], options?: ValidateOptions) => validator.validate(credentials, options)) };
}

export function instrumentVerifier(metrics: Metrics | undefined, verifier: Verifier): Verifier {
  if (metrics === undefined) return verifier;
  return {
    async verifyCredential(input, options) {
      const report = await verifier.verifyCredential(input, options);
      metrics.observeReport('credential', report);
      return report;
    },
    async verifyPresentation(input, options) {
      const report = await verifier.verifyPresentation(input, options);
      metrics.observeReport('presentation', report);
      return report;
    },
  };
}
