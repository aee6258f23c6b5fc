/**
 * Certificates of hosted member keys that a CA other than the member CA issues: the member asks
 * for a PKCS#10 request signed by the key gx-trust holds (made in the keyring, src/keyring/certificates.ts), has a qualified CA certify it, and
 * installs the chain. The chain is checked as a verifier will check it: the leaf certifies the
 * very hosted key, every signature verifies, and it reaches a configured trust anchor, now.
 * @see https://www.rfc-editor.org/rfc/rfc2986 (PKCS #10)
 */
import type { KeyObject } from 'node:crypto';
import { publicJwkOf } from '../dids/multikey.js';
import { GxTrustError } from '../errors.js';
import { certificateInfo, parsePemCertificates, validateCertificateChain } from '../x509/index.js';

/**
 * The chain (PEM, leaf first) as x5c, once it certifies `publicKey` and reaches one of the anchors
 * at `now`: CERTIFICATE_KEY_MISMATCH or CERTIFICATE_CHAIN_UNTRUSTED otherwise.
 */
export async function checkedChain(options: { chainPem: string; publicKey: KeyObject; trustAnchorsPem: readonly string[]; now: Date; pointer: string }): Promise<string[]> {
  let x5c: string[];
  try {
    x5c = parsePemCertificates(options.chainPem);
  } catch (cause) {
    throw new GxTrustError('INVALID_INPUT', cause instanceof Error ? cause.message : 'not a PEM certificate chain', { pointer: options.pointer, cause });
  }
  const leaf = (() => {
    try {
      return certificateInfo(x5c[0] as string);
    } catch (cause) {
      throw new GxTrustError('INVALID_INPUT', 'the first certificate is not a DER X.509 certificate', { pointer: options.pointer, cause });
    }
  })();
  // Types first: KeyObject.equals on keys of two types leaves an OpenSSL error queued ("different
  // key types"), which the next unrelated key operation of this thread then throws.
  if (leaf.publicKey.asymmetricKeyType !== options.publicKey.asymmetricKeyType || !leaf.publicKey.equals(options.publicKey)) {
    throw new GxTrustError('CERTIFICATE_KEY_MISMATCH', `the leaf certificate (${leaf.subject}) certifies another key than this hosted key`, {
      pointer: options.pointer,
      hint: 'Have the CA certify the request from POST /members/{id}/keys/{kid}/csr, and send its chain leaf first',
    });
  }
  try {
    await validateCertificateChain({ x5c, publicJwk: publicJwkOf(options.publicKey), trustAnchorsPem: options.trustAnchorsPem, validAt: options.now });
  } catch (error) {
    if (!(error instanceof GxTrustError)) throw error;
    throw new GxTrustError('CERTIFICATE_CHAIN_UNTRUSTED', `the certificate chain is not accepted: ${error.message}`, {
      pointer: options.pointer,
      hint: 'Send the whole chain, leaf first, issued under a configured trust anchor (GX_TRUST_ANCHORS) and valid now',
      cause: error,
    });
  }
  return x5c;
}
