/**
 * The member CA (in the keyring: it holds the CA's private key and signs with it): it certifies the keys gx-trust holds for hosted members, so their signatures
 * reach a trust anchor as the compliance rules require ("the public key ... MUST be ... x5c or
 * x5u", Gaia-X ICAM). The operator names it (GX_MEMBER_CA_KEY_FILE, GX_MEMBER_CA_CERT_FILE); in
 * development, when unset, the development root the keyring generated signs. A production
 * deployment without one gives hosted keys no certificate: members then bring their own chain
 * (POST /members/{id}/keys/{kid}/csr, PUT .../certificate).
 *
 * A leaf never outlives the CA: notAfter = min(wanted, CA notAfter), because a verifier refuses a
 * chain in which any certificate has expired (RFC 5280 §6.1.3 (a)(2)).
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../clock.js';
import { GxTrustError } from '../errors.js';
import { certificateInfo, parsePemCertificates } from '../x509/index.js';
import { issueCertificate } from './certificates.js';
import { DEVELOPMENT_FILES } from './index.js';

/** How long a member leaf is wanted for, before the CA's own end caps it. */
export const MEMBER_LEAF_VALIDITY_DAYS = 365;
// A little in the past, so that a verifier whose clock is behind accepts a fresh certificate.
const BACKDATE_MS = 5 * 60_000;

export interface MemberCa {
  /** The CA certificate and its issuers, base64 DER: what follows a leaf in x5c. */
  chain: readonly string[];
  /** The CA certificate (PEM): the trust anchor it adds, unless configured otherwise. */
  certificatePem: string;
  notAfter: Date;
  /** A leaf certificate for `publicKey`, as x5c (leaf first, then the CA chain). */
  certify(subject: { commonName: string; organization?: string }, publicKey: KeyObject, options?: { days?: number }): Promise<string[]>;
}

export interface LoadMemberCaOptions {
  keyFile: string | undefined;
  certFile: string | undefined;
  keysDir: string;
  env: 'development' | 'production';
  clock: Clock;
}

async function read(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    throw new GxTrustError('KEYS_UNAVAILABLE', `cannot read the member CA ${what} ${path}`, {
      cause,
      hint: 'GX_MEMBER_CA_KEY_FILE is a PKCS#8 PEM key, GX_MEMBER_CA_CERT_FILE its PEM certificate (then its issuers)',
    });
  }
}

/** The member CA in force: the configured one, the development root in development, or none. */
export async function loadMemberCa(options: LoadMemberCaOptions): Promise<MemberCa | undefined> {
  let keyPath = options.keyFile;
  let certPath = options.certFile;
  if (keyPath === undefined || certPath === undefined) {
    if (options.env === 'production') return undefined;
    keyPath = join(options.keysDir, DEVELOPMENT_FILES.rootKey);
    certPath = join(options.keysDir, DEVELOPMENT_FILES.rootCertificate);
  }
  const [keyPem, certPem] = await Promise.all([read(keyPath, 'key'), read(certPath, 'certificate')]);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: keyPem, format: 'pem' });
  } catch {
    // The parser's message could quote key bytes: only the file is named.
    throw new GxTrustError('KEYS_UNAVAILABLE', `${keyPath} is not a PEM private key`, { hint: 'Expect an unencrypted PKCS#8 PEM file' });
  }
  const chain = parsePemCertificates(certPem);
  const info = certificateInfo(chain[0] as string);
  const now = options.clock();
  const fault = !info.ca
    ? 'is not a CA certificate (basicConstraints CA:true)'
    : !info.publicKey.equals(createPublicKey(privateKey))
      ? `does not certify the key in ${keyPath}`
      : now < info.notBefore || now >= info.notAfter
        ? `is not valid now (${info.notBefore.toISOString()} to ${info.notAfter.toISOString()})`
        : undefined;
  if (fault !== undefined) {
    throw new GxTrustError('KEYS_UNAVAILABLE', `the member CA certificate ${certPath} ${fault}`, {
      hint: 'GX_MEMBER_CA_CERT_FILE starts with the CA certificate of the key in GX_MEMBER_CA_KEY_FILE',
    });
  }
  const certificatePem = `-----BEGIN CERTIFICATE-----\n${(chain[0] as string).match(/.{1,64}/g)?.join('\n')}\n-----END CERTIFICATE-----\n`;

  return {
    chain,
    certificatePem,
    notAfter: info.notAfter,
    async certify(subject, publicKey, certifyOptions = {}) {
      const at = options.clock();
      const wanted = at.getTime() + (certifyOptions.days ?? MEMBER_LEAF_VALIDITY_DAYS) * 86_400_000;
      const leafPem = await issueCertificate({
        subject,
        subjectPublicKey: publicKey,
        issuerCertificatePem: certificatePem,
        issuerPrivateKey: privateKey,
        notBefore: new Date(Math.max(at.getTime() - BACKDATE_MS, info.notBefore.getTime())),
        notAfter: new Date(Math.min(wanted, info.notAfter.getTime())),
      });
      return [...parsePemCertificates(leafPem), ...chain];
    },
  };
}
