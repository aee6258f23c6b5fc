/**
 * No module outside src/keyring holds private key material (issue 12): the keyring loads, generates,
 * seals and opens private keys and hands out Signers (src/keyring/signer.ts); everything else signs
 * through them and sees only public keys. This scan reads the syntax tree of every module in src/
 * (comments and prose never count) and names each place that creates, imports, exports or reads a
 * private key outside the keyring.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const KEYRING = `keyring${sep}`;

/** Calls that make or parse a private key (node:crypto, jose, WebCrypto; @digitalbazaar/bls12-381-multikey for the BBS key). */
const CREATING_CALLS = new Set(['createPrivateKey', 'generateKeyPair', 'generateKeyPairSync', 'generateKey', 'importPKCS8', 'exportPKCS8', 'createSign', 'generateBbsKeyPair']);
/**
 * Names under which code holds a private key: `pair.privateKey`, a `privateKey` option, x509's
 * `issuerPrivateKey`. `sealedPrivateKey` is the AES-GCM ciphertext of a member key that only the
 * keyring opens: a stored column, not key material.
 */
const PRIVATE_KEY_NAME = /^(?:[a-z]\w*Private|private)(?:Key|Jwk|KeyJwk)$/;
const ALLOWED_NAMES = new Set(['sealedPrivateKey']);
/** The Multikey names of a secret key (the BLS12-381 key's file and the library's key pairs). */
const SECRET_KEY_NAMES = new Set(['secretKeyMultibase', 'secretKey']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|mjs|js)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

function nameOf(node: ts.Node): string | undefined {
  if (ts.isIdentifier(node) || ts.isPrivateIdentifier(node)) return node.text;
  if (ts.isPropertyAccessExpression(node)) return node.name.text;
  if (ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression)) return node.argumentExpression.text;
  return undefined;
}

/** Every place in one module that handles private key material, as `line: what`. */
export function privateKeyUses(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const at = (node: ts.Node, what: string) => found.push(`${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}: ${what}`);
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const callee = nameOf(node.expression);
      const first = node.arguments[0];
      if (callee !== undefined && CREATING_CALLS.has(callee)) at(node, `${callee}()`);
      // A JWK with "d" is a private key (RFC 7518 §6.2.2.1, §6.3.2.1; RFC 8037 §2).
      if (callee === 'importJWK' && first !== undefined && ts.isObjectLiteralExpression(first) && first.properties.some((p) => p.name !== undefined && nameOf(p.name) === 'd')) {
        at(node, 'importJWK() of a private JWK');
      }
      if (callee === 'importKey' && first !== undefined && ts.isStringLiteralLike(first) && first.text === 'pkcs8') at(node, "importKey('pkcs8')");
    } else if (ts.isStringLiteralLike(node) && node.text === 'pkcs8' && !(ts.isCallExpression(node.parent) && nameOf(node.parent.expression) === 'importKey')) {
      // export({ type: 'pkcs8' }): the private key's bytes leave their KeyObject.
      at(node, "'pkcs8' (a private key's encoding)");
    } else if (ts.isBinaryExpression(node) && [ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsEqualsToken].includes(node.operatorToken.kind)) {
      const sides = [node.left, node.right];
      if (sides.some((s) => ts.isStringLiteralLike(s) && s.text === 'private') && sides.some((s) => nameOf(s) === 'type')) at(node, "KeyObject.type compared with 'private'");
    } else if ((ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) && nameOf(node) === 'd') {
      at(node, 'the private member "d" of a JWK');
    } else if (ts.isImportSpecifier(node) && CREATING_CALLS.has((node.propertyName ?? node.name).text)) {
      at(node, `imports ${(node.propertyName ?? node.name).text}`);
      return;
    } else if (ts.isIdentifier(node) && ((PRIVATE_KEY_NAME.test(node.text) && !ALLOWED_NAMES.has(node.text)) || SECRET_KEY_NAMES.has(node.text)) && !CREATING_CALLS.has(node.text)) {
      at(node, node.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return [...new Set(found)];
}

describe('private key material stays in src/keyring', () => {
  it('finds each way of handling a private key (the scan can fail)', () => {
    const uses = (code: string) => privateKeyUses('probe.ts', code).map((u) => u.replace(/^\d+: /, ''));
    expect(uses("const k = createPrivateKey({ key: pem, format: 'pem' });")).toEqual(['createPrivateKey()']);
    expect(uses("import { createPrivateKey as parse } from 'node:crypto';")).toEqual(['imports createPrivateKey']);
    expect(uses("const pair = await generateKeyPair('ed25519'); use(pair.privateKey);")).toEqual(['generateKeyPair()', 'privateKey']);
    expect(uses("generateKeyPairSync('rsa', { modulusLength: 2048 });")).toEqual(['generateKeyPairSync()']);
    expect(uses("await jose.importPKCS8(pem, 'ES256');")).toEqual(['importPKCS8()']);
    expect(uses("await importJWK({ kty: 'OKP', crv: 'Ed25519', x, d }, 'EdDSA');")).toEqual(['importJWK() of a private JWK']);
    expect(uses("await importJWK({ kty: 'OKP', crv: 'Ed25519', x }, 'EdDSA');")).toEqual([]);
    expect(uses("await subtle.importKey('pkcs8', der, alg, false, ['sign']);")).toEqual(["importKey('pkcs8')"]);
    expect(uses("key.export({ type: 'pkcs8', format: 'der' });")).toEqual(["'pkcs8' (a private key's encoding)"]);
    expect(uses("if (key.type !== 'private') throw new Error();")).toEqual(["KeyObject.type compared with 'private'"]);
    expect(uses('const secret = jwk.d;')).toEqual(['the private member "d" of a JWK']);
    expect(uses("const secret = jwk['d'];")).toEqual(['the private member "d" of a JWK']);
    expect(uses('function certify(issuerPrivateKey: KeyObject) {}')).toEqual(['issuerPrivateKey']);
    expect(uses('const pair = await Bls12381Multikey.generateBbsKeyPair({ algorithm });')).toEqual(['generateBbsKeyPair()']);
    expect(uses('const { secretKeyMultibase } = await pair.export({ secretKey: true });')).toEqual(['secretKeyMultibase', 'secretKey']);
    // What is not key material: prose, a redaction list of names, the sealed column, public keys.
    expect(uses("// createPrivateKey and privateKey in a comment\nconst REDACT = ['privateKey', 'd'];")).toEqual([]);
    expect(uses('if (row.sealedPrivateKey === null) return; const k = createPublicKey(pem);')).toEqual([]);
  });

  it('no module outside src/keyring handles one', () => {
    const offenders = sourceFiles(SRC)
      .filter((file) => !relative(SRC, file).startsWith(KEYRING))
      .flatMap((file) => privateKeyUses(file, readFileSync(file, 'utf8')).map((use) => `src/${relative(SRC, file).split(sep).join('/')}:${use}`));
    expect(offenders, `private key material outside src/keyring:\n${offenders.join('\n')}`).toEqual([]);
  });
});
