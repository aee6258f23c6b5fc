/** Keys a member holds itself: a P-256 key with a (self-signed) certificate chain. */
import { generateKeyPairSync } from 'node:crypto';
import { parsePemCertificates } from '../../src/x509/index.js';
import { issueCertificate } from '../../src/keyring/certificates.js';

export async function externalKey() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const now = new Date();
  const pem = await issueCertificate({
    subject: { commonName: 'member signing key', organization: 'Elsewhere AG' },
    subjectPublicKey: publicKey,
    issuerPrivateKey: privateKey,
    notBefore: now,
    notAfter: new Date(now.getTime() + 86_400_000),
    ca: true,
  });
  const jwk = publicKey.export({ format: 'jwk' }) as Record<string, string>;
  const privateJwk = privateKey.export({ format: 'jwk' }) as Record<string, string> & { d: string };
  return {
    privateKey,
    privateJwk,
    publicKeyJwk: { ...jwk, alg: 'ES256', x5c: parsePemCertificates(pem), x5u: 'https://elsewhere.example/.well-known/chain.pem' },
  };
}
