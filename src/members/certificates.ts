/**
 * Certificates of hosted member keys that a CA other than the member CA issues: the member asks
 * for a PKCS#10 request signed by the key gx-trust holds, has a qualified CA certify it, and
 * installs the chain. The chain is checked as a verifier will check it: the leaf certifies the
 * very hosted key, every signature verifies, and it reaches a configured trust anchor, now.
 * @see https://www.rfc-editor.org/rfc/rfc2986 (PKCS #10)
 */
import { webcrypto, type KeyObject } from 'node:crypto';
// @peculiar/x509 resolves its providers through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { publicJwkOf } from '../dids/multikey.js';
import { GxTrustError } from '../errors.js';
import { certificateInfo, parsePemCertificates, validateCertificateChain } from '../x509/index.js';

/** RSA requests are signed RSASSA-PKCS1-v1_5 with SHA-256, which every CA accepts; P-256 with ECDSA. */
function requestAlgorithm(key: KeyObject): { import: webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams; sign: webcrypto.Algorithm | webcrypto.EcdsaParams } {
  if (key.asymmetricKeyType === 'rsa') {
    const algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    return { import: algorithm, sign: algorithm };
  }
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    return { import: { name: 'ECDSA', namedCurve: 'P-256' }, sign: { name: 'ECDSA', hash: 'SHA-256' } as webcrypto.EcdsaParams };
  }
  throw new GxTrustError('INVALID_INPUT', 'certificate requests are made for RSA and P-256 keys', {
    hint: 'Ask for the request of the member\'s RSA or P-256 key (GET /members/{id} lists them)',
  });
}

/** A PKCS#10 request (PEM) for `privateKey`, with the subject common name `commonName`. */
export async function certificationRequest(privateKey: KeyObject, publicKey: KeyObject, commonName: string): Promise<string> {
  const algorithm = requestAlgorithm(privateKey);
  const [signing, verifying] = await Promise.all([
    webcrypto.subtle.importKey('pkcs8', privateKey.export({ format: 'der', type: 'pkcs8' }), algorithm.import, false, ['sign']),
    webcrypto.subtle.importKey('spki', publicKey.export({ format: 'der', type: 'spki' }), algorithm.import, true, ['verify']),
  ]);
  const escaped = commonName.replace(/([,+"\\<>;=])/g, '\\$1');
  const request = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${escaped}`,
    keys: { privateKey: signing, publicKey: verifying },
    signingAlgorithm: algorithm.sign,
    extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true)],
  });
  return request.toString('pem') + '\n';
}

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
