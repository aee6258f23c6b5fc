/**
 * `gx-trust present`: a member that holds its own key signs the presentation the compliance routes
 * take (a VP-JWT, the Danube profile) locally, as POST /members/{id}/presentations signs it for a
 * hosted member, so no member writes a signing script. No gx-trust server is asked: the key and its
 * chain are files. Without --kid, the holder's DID document is resolved to find the method that
 * publishes this key (its x5c is what the compliance rules check).
 * Exit codes: 0 signed (the VP-JWT on stdout), 2 bad input (key, chain, credentials), 3 could not run.
 */
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { VC_V2_CONTEXT } from '../../credentials/index.js';
import { createDidResolver } from '../../dids/index.js';
import { GxTrustError } from '../../errors.js';
import { signPresentationJwt } from '../../formats/jose/sign.js';
import { signingKeyFromPem } from '../../keyring/signer.js';
import { certificateInfo, parsePemCertificates } from '../../x509/index.js';
import { configOf } from '../shared.js';

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const ENVELOPED_PREFIX = 'data:application/vc+jwt,';

function read(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (cause) {
    throw new GxTrustError('INVALID_INPUT', `cannot read the ${what} ${file}`, { cause });
  }
}

/** A credential file as the VP-JWT holds it: a compact vc+jwt (or its enveloped data: URL). */
function credentialOf(file: string): string {
  const text = read(file, 'credential').trim();
  const jwt = text.startsWith(ENVELOPED_PREFIX) ? text.slice(ENVELOPED_PREFIX.length) : text;
  if (!COMPACT_JWS.test(jwt)) {
    throw new GxTrustError('INVALID_INPUT', `${file} is not a compact vc+jwt`, {
      hint: 'A VP-JWT holds enveloped JWT credentials: pass the .jwt files POST /participants answered',
    });
  }
  return jwt;
}

/** The id of the holder's method that publishes `publicKey`, from its resolved DID document. */
async function methodOf(holder: string, publicKey: KeyObject, testMode: boolean): Promise<string> {
  const document = await createDidResolver({ testMode }).resolve(holder);
  for (const method of document.verificationMethod ?? []) {
    if (method.publicKeyJwk === undefined) continue;
    try {
      const published = createPublicKey({ key: method.publicKeyJwk as JsonWebKey, format: 'jwk' });
      if (published.asymmetricKeyType === publicKey.asymmetricKeyType && published.equals(publicKey)) return method.id;
    } catch {
      // A method whose key does not parse is not the one.
    }
  }
  throw new GxTrustError('KEY_NOT_FOUND', `${holder}'s DID document publishes no method with this key`, {
    hint: 'Register the key (with its x5c) for the member first, or name the method with --kid',
  });
}

export function register(program: Command): void {
  program
    .command('present <credentialFiles...>')
    .description('sign a VP-JWT (Danube profile) as --holder with your own key, over credential JWT files; prints it (for gx-trust verify and the compliance routes)')
    .requiredOption('--key <pem>', 'your PKCS#8 private key (RSA for PS256, or P-256)')
    .requiredOption('--cert <pem>', 'the certificate chain of the key, leaf first (what its DID document method carries as x5c)')
    .requiredOption('--holder <did>', 'your DID: the presentation\'s holder and issuer')
    .option('--kid <id>', 'the verification method id of the key (default: looked up in the holder\'s DID document)')
    .option('--challenge <nonce>', 'the verifier\'s challenge (the nonce claim)')
    .option('--domain <audience>', 'the verifier (the aud claim)')
    .action(async (files: string[], options: { key: string; cert: string; holder: string; kid?: string; challenge?: string; domain?: string }, command: Command) => {
      // Through the keyring's loader, as the service's own keys: the key signs (PS256 for RSA, ES256
      // for P-256, EdDSA for Ed25519, as in the Danube profile) and is never handed out.
      const signingKey = signingKeyFromPem(read(options.key, 'key'), options.key);
      const { publicKey } = signingKey;
      const leaf = certificateInfo(parsePemCertificates(read(options.cert, 'certificate chain'))[0] as string);
      if (leaf.publicKey.asymmetricKeyType !== publicKey.asymmetricKeyType || !leaf.publicKey.equals(publicKey)) {
        throw new GxTrustError('CERTIFICATE_KEY_MISMATCH', `the first certificate of ${options.cert} (${leaf.subject}) certifies another key than ${options.key}`, {
          hint: '--cert starts with the certificate of the key in --key',
        });
      }
      const now = new Date();
      if (now < leaf.notBefore || now > leaf.notAfter) {
        throw new GxTrustError('CERTIFICATE_CHAIN_UNTRUSTED', `the certificate of the key is not valid now (${leaf.notBefore.toISOString()} to ${leaf.notAfter.toISOString()})`);
      }
      const credentials = files.map(credentialOf);
      const kid = options.kid ?? (await methodOf(options.holder, publicKey, configOf(command).testMode));
      const jwt = await signPresentationJwt({
        presentation: { '@context': [VC_V2_CONTEXT], type: ['VerifiablePresentation'], holder: options.holder, verifiableCredential: credentials },
        signer: signingKey.signer(kid),
        profile: 'gaia-x-danube',
        now,
        ...(options.challenge === undefined ? {} : { nonce: options.challenge }),
        ...(options.domain === undefined ? {} : { audience: options.domain }),
      });
      process.stdout.write(jwt + '\n');
    });
}
