/**
 * X.509 issuance with the keyring's private keys: the development chain of the service keys, the
 * member CA's leaf certificates, and PKCS#10 requests signed by hosted member keys. Here because
 * @peculiar/x509 signs with a WebCrypto CryptoKey, which is imported from the private key: that
 * key, and so this code, stays in src/keyring. Parsing and validation (public keys only) are in
 * src/x509.
 * @see https://www.rfc-editor.org/rfc/rfc5280 , https://www.rfc-editor.org/rfc/rfc2986 (PKCS #10)
 */
import { webcrypto, type KeyObject } from 'node:crypto';
// @peculiar/x509 resolves its providers through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { GxTrustError } from '../errors.js';
// Sets @peculiar/x509's crypto provider to node's WebCrypto before anything here signs.
import '../x509/index.js';

export interface CertificateSubject {
  /** Common name, e.g. "gx-trust development root CA". */
  commonName: string;
  organization?: string;
}

export interface IssueCertificateOptions {
  subject: CertificateSubject;
  subjectPublicKey: KeyObject;
  /** The issuer's certificate (PEM); omitted for a self-signed certificate. */
  issuerCertificatePem?: string;
  /** The issuer's private key (the subject's own for a self-signed certificate). */
  issuerPrivateKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
  /** A CA certificate (CA:true, keyCertSign + cRLSign) rather than a signing leaf (digitalSignature). */
  ca?: boolean;
}

function nameOf(subject: CertificateSubject): string {
  const escape = (v: string) => v.replace(/([,+"\\<>;=])/g, '\\$1');
  return `CN=${escape(subject.commonName)}` + (subject.organization === undefined ? '' : `, O=${escape(subject.organization)}`);
}

/** Imports a node:crypto private key into WebCrypto with the algorithm it signs certificates with. */
async function signingKeyOf(privateKey: KeyObject): Promise<{ key: webcrypto.CryptoKey; algorithm: webcrypto.Algorithm | webcrypto.EcdsaParams }> {
  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
  switch (privateKey.asymmetricKeyType) {
    case 'ec': {
      const namedCurve = privateKey.asymmetricKeyDetails?.namedCurve === 'prime256v1' ? 'P-256' : undefined;
      if (namedCurve === undefined) break;
      const key = await webcrypto.subtle.importKey('pkcs8', pkcs8, { name: 'ECDSA', namedCurve }, false, ['sign']);
      return { key, algorithm: { name: 'ECDSA', hash: 'SHA-256' } as webcrypto.EcdsaParams };
    }
    case 'rsa': {
      const algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
      const key = await webcrypto.subtle.importKey('pkcs8', pkcs8, algorithm, false, ['sign']);
      return { key, algorithm };
    }
    case 'ed25519': {
      const key = await webcrypto.subtle.importKey('pkcs8', pkcs8, { name: 'Ed25519' }, false, ['sign']);
      return { key, algorithm: { name: 'Ed25519' } };
    }
  }
  throw new GxTrustError('INVALID_INPUT', 'certificates are signed with P-256, RSA or Ed25519 keys only');
}

/** Issues one X.509 v3 certificate and returns it as PEM. */
export async function issueCertificate(options: IssueCertificateOptions): Promise<string> {
  const { key: signingKey, algorithm: signingAlgorithm } = await signingKeyOf(options.issuerPrivateKey);
  const spki = options.subjectPublicKey.export({ format: 'der', type: 'spki' });
  const issuer =
    options.issuerCertificatePem === undefined ? undefined : new x509.X509Certificate(options.issuerCertificatePem);
  const extensions: x509.Extension[] = options.ca
    ? [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      ]
    : [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      ];
  extensions.push(await x509.SubjectKeyIdentifierExtension.create(spki));
  extensions.push(await x509.AuthorityKeyIdentifierExtension.create(issuer ?? spki));
  const subject = nameOf(options.subject);
  const cert = await x509.X509CertificateGenerator.create({
    subject,
    issuer: issuer?.subjectName ?? subject,
    publicKey: spki,
    signingKey,
    signingAlgorithm,
    notBefore: options.notBefore,
    notAfter: options.notAfter,
    extensions,
  });
  return cert.toString('pem') + '\n';
}

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

