#!/usr/bin/env python3
"""A Python peer for gx-trust's interop tests (issue 14), built from Debian bookworm's packages:
PyJWT 2.6 (python3-jwt) verifies and signs the JWS, PyLD 2.0 (python3-pyld) canonicalizes with
URDNA2015 (RDFC-1.0), cryptography 38 (python3-cryptography) makes the keys and checks the Ed25519
signatures. This file only wires the W3C steps: VC-JOSE-COSE for `vc+jwt`, VC Data Integrity
EdDSA 1.0 section 3.3 for `eddsa-rdfc-2022`, did:web / did:key / did:jwk to find the key.

    python3 gx_peer.py verify [--resolve HOST:PORT=ADDR:PORT] < credential
    python3 gx_peer.py sign-jwt [--alg ES256|EdDSA]             < credential
    python3 gx_peer.py sign-eddsa-rdfc-2022                     < credential

`verify` reads a compact `vc+jwt`, an EnvelopedVerifiableCredential holding one, or a credential
with a Data Integrity proof, and prints {"verified": bool, "errors": [{"code", "message"}], ...}.
`--resolve` (curl's option of that name) sends a did:web host's requests to another loopback
address: the tests serve a DID document there whose keys are not the issuer's. The `sign-*`
commands sign as a did:jwk or did:key they generate and print {"credential", "issuer"}.

JSON-LD contexts come only from the repository's contexts/ folder, checked against
contexts/manifest.json; the document loader refuses every other URL.
"""
import base64
import copy
import datetime
import hashlib
import json
import os
import sys
import urllib.parse
import urllib.request

import jwt
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from jwt.algorithms import ECAlgorithm, OKPAlgorithm
from pyld import jsonld

VCDM2 = "https://www.w3.org/ns/credentials/v2"
JWT_TYPES = ("vc+jwt", "vc+ld+json+jwt")
# The algorithms each key type may sign with: a header cannot pick another (RFC 8725 section 3.1).
ALGORITHMS = {
    ("EC", "P-256"): ("ES256",),
    ("EC", "P-384"): ("ES384",),
    ("EC", "P-521"): ("ES512",),
    ("OKP", "Ed25519"): ("EdDSA",),
    ("RSA", None): ("PS256", "PS384", "PS512", "RS256"),
}
# Multicodec headers of the public keys a Multikey / did:key carries (varint-encoded).
ED25519_PUB = b"\xed\x01"
P256_PUB = b"\x80\x24"
CONTEXTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "contexts")
DID_DOCUMENT_LIMIT = 1 << 20


class Refused(Exception):
    """A reason the credential is not verified, with a stable code the test asserts on."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


# --- base58btc (multibase 'z'), which the standard library lacks -------------------------------

B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58decode(text):
    number = 0
    for char in text:
        index = B58.find(char)
        if index < 0:
            raise Refused("MALFORMED", f"not base58btc: {char!r}")
        number = number * 58 + index
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def b58encode(data):
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, rest = divmod(number, 58)
        out = B58[rest] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --- JSON-LD: the pinned contexts only ---------------------------------------------------------


def pinned_contexts():
    with open(os.path.join(CONTEXTS, "manifest.json"), "rb") as handle:
        manifest = json.load(handle)
    contexts = {}
    for entry in manifest["contexts"]:
        with open(os.path.join(CONTEXTS, entry["file"]), "rb") as handle:
            data = handle.read()
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise Refused("CONTEXT_CHANGED", f"contexts/{entry['file']} does not match its sha256 in manifest.json")
        contexts[entry["url"]] = json.loads(data)
    return contexts


def document_loader(contexts):
    def load(url, options=None):
        if url not in contexts:
            raise jsonld.JsonLdError(
                f"{url} is not a pinned context", "jsonld.LoadDocumentError", {"url": url}, code="loading document failed"
            )
        return {"contextUrl": None, "documentUrl": url, "document": copy.deepcopy(contexts[url])}

    return load


class SafeModeProcessor(jsonld.JsonLdProcessor):
    """PyLD 2.0 has no safe mode: expansion drops a property or a type no context defines without
    a word, so a member added to a signed credential would be left out of what is hashed and the
    proof would still verify. As jsonld.js's safe mode (which gx-trust and Digital Bazaar use),
    such a term is an error here, found by PyLD's own test before the step that drops it."""

    def _expand_object(self, active_ctx, active_property, expanded_active_property, element, expanded_parent, options,
                       inside_list=False, type_key=None, type_scoped_ctx=None):
        defined = lambda iri: iri is not None and (jsonld._is_absolute_iri(iri) or jsonld._is_keyword(iri))  # noqa: E731
        for key, value in element.items():
            if key == "@context":
                continue
            expanded = self._expand_iri(active_ctx, key, vocab=True)
            if not defined(expanded):
                raise Refused("SAFE_MODE_VIOLATION", f"the term {key!r} is defined by no context: it would not be signed")
            if expanded == "@type":
                context = type_scoped_ctx if type_scoped_ctx is not None else active_ctx
                for type_ in value if isinstance(value, list) else [value]:
                    if isinstance(type_, str) and not defined(self._expand_iri(context, type_, vocab=True, base=options.get("base", ""))):
                        raise Refused("SAFE_MODE_VIOLATION", f"the type {type_!r} is defined by no context")
        return super()._expand_object(active_ctx, active_property, expanded_active_property, element, expanded_parent,
                                      options, inside_list, type_key, type_scoped_ctx)


def canonical_hash(document, loader):
    try:
        nquads = SafeModeProcessor().normalize(
            document, {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": loader}
        )
    except jsonld.JsonLdError as error:
        raise Refused("CANONICALIZATION", f"{error}: {getattr(error, 'details', '')}") from None
    return hashlib.sha256(nquads.encode("utf-8")).digest()


# --- DIDs ---------------------------------------------------------------------------------------


def split_did_url(did_url):
    did, _, fragment = did_url.partition("#")
    return did, fragment


def multikey_public_key(multibase):
    """An Ed25519 or P-256 public key from a Multikey `publicKeyMultibase` (z6Mk..., zDn...)."""
    if not isinstance(multibase, str) or not multibase.startswith("z"):
        raise Refused("KEY_TYPE", "publicKeyMultibase is not base58btc ('z')")
    raw = b58decode(multibase[1:])
    if raw[:2] == ED25519_PUB and len(raw) == 34:
        return ("OKP", "Ed25519"), ed25519.Ed25519PublicKey.from_public_bytes(raw[2:])
    if raw[:2] == P256_PUB and len(raw) == 35:
        return ("EC", "P-256"), ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw[2:])
    raise Refused("KEY_TYPE", f"{multibase[:8]}... is neither an Ed25519 nor a P-256 Multikey")


def jwk_public_key(jwk):
    if not isinstance(jwk, dict) or "d" in jwk:
        raise Refused("KEY_TYPE", "publicKeyJwk is not a public JWK")
    kty = jwk.get("kty")
    key_type = (kty, None if kty == "RSA" else jwk.get("crv"))
    if key_type not in ALGORITHMS:
        raise Refused("KEY_TYPE", f"no algorithm is allowed for a {key_type} key")
    try:
        return key_type, jwt.PyJWK(jwk).key
    except jwt.exceptions.PyJWKError as error:
        raise Refused("KEY_TYPE", f"publicKeyJwk: {error}") from None


def did_web_url(did, resolve):
    parts = did.split(":")[2:]
    if not parts or not parts[0]:
        raise Refused("DID_RESOLUTION", f"{did} is not a did:web")
    host = urllib.parse.unquote(parts[0])
    path = "/".join(urllib.parse.unquote(part) for part in parts[1:])
    path = f"/{path}/did.json" if path else "/.well-known/did.json"
    # did:web is https; a test's server on loopback speaks plain HTTP.
    scheme = "http" if urllib.parse.urlsplit(f"//{host}").hostname in ("localhost", "127.0.0.1", "::1") else "https"
    return f"{scheme}://{resolve.get(host, host)}{path}"


def resolve_did(did, resolve):
    """The DID document, its methods' ids made absolute."""
    if did.startswith("did:web:"):
        url = did_web_url(did, resolve)
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers={"accept": "application/did+json, application/json"}), timeout=20) as answer:
                body = answer.read(DID_DOCUMENT_LIMIT + 1)
        except OSError as error:
            raise Refused("DID_RESOLUTION", f"{url}: {error}") from None
        if len(body) > DID_DOCUMENT_LIMIT:
            raise Refused("DID_RESOLUTION", f"{url}: more than {DID_DOCUMENT_LIMIT} bytes")
        try:
            document = json.loads(body)
        except ValueError:
            raise Refused("DID_RESOLUTION", f"{url} is not JSON") from None
        if not isinstance(document, dict) or document.get("id") != did:
            raise Refused("DID_RESOLUTION", f"{url} holds the document of {document.get('id')!r}, not {did}")
    elif did.startswith("did:jwk:"):
        # did:jwk spec: the one method is `#0`, for every relationship.
        try:
            jwk = json.loads(b64url_decode(did[len("did:jwk:"):]))
        except ValueError:
            raise Refused("DID_RESOLUTION", f"{did[:24]}... is not base64url JSON") from None
        method = {"id": f"{did}#0", "type": "JsonWebKey", "controller": did, "publicKeyJwk": jwk}
        document = {"id": did, "verificationMethod": [method], "assertionMethod": [method["id"]]}
    elif did.startswith("did:key:"):
        multibase = did[len("did:key:"):]
        method = {"id": f"{did}#{multibase}", "type": "Multikey", "controller": did, "publicKeyMultibase": multibase}
        document = {"id": did, "verificationMethod": [method], "assertionMethod": [method["id"]]}
    else:
        raise Refused("DID_RESOLUTION", f"{did}: no driver for this DID method")
    absolute = lambda ref: f"{did}{ref}" if ref.startswith("#") else ref  # noqa: E731
    for method in document.get("verificationMethod", []):
        method["id"] = absolute(method["id"])
    document["assertionMethod"] = [absolute(m if isinstance(m, str) else m.get("id", "")) for m in document.get("assertionMethod", [])]
    return document


def assertion_method(method_id, resolve):
    """The verification method `method_id` names, if its DID document lists it for assertions."""
    did, fragment = split_did_url(method_id)
    if not fragment:
        raise Refused("KEY_BINDING", f"{method_id!r} is not a DID URL with a fragment")
    document = resolve_did(did, resolve)
    method = next((m for m in document.get("verificationMethod", []) if m.get("id") == method_id), None)
    if method is None:
        raise Refused("KEY_BINDING", f"{method_id} is not in {did}'s DID document")
    if method_id not in document["assertionMethod"]:
        raise Refused("KEY_BINDING", f"{method_id} is not an assertionMethod of {did}")
    if method.get("controller") != did:
        raise Refused("KEY_BINDING", f"{method_id} is controlled by {method.get('controller')!r}, not {did}")
    return method


def method_public_key(method):
    if "publicKeyJwk" in method:
        return jwk_public_key(method["publicKeyJwk"])
    if method.get("type") == "Multikey":
        return multikey_public_key(method.get("publicKeyMultibase"))
    raise Refused("KEY_TYPE", f"{method['id']} is a {method.get('type')} without publicKeyJwk")


# --- the credential -----------------------------------------------------------------------------


def issuer_id(credential):
    issuer = credential.get("issuer")
    return issuer.get("id") if isinstance(issuer, dict) else issuer


def parse_datetime(value, where):
    try:
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        raise Refused("INVALID_DATE", f"{where}: {value!r} is not an XML Schema dateTime") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.timezone.utc)


def check_credential(credential):
    """VCDM 2.0: what makes the payload or the document a credential, and its validity period."""
    if not isinstance(credential, dict):
        raise Refused("NOT_A_CREDENTIAL", "the payload is not a JSON object")
    contexts = credential.get("@context")
    if not isinstance(contexts, list) or not contexts or contexts[0] != VCDM2:
        raise Refused("NOT_A_CREDENTIAL", f"@context does not begin with {VCDM2}")
    types = credential.get("type")
    if not isinstance(types, list) or "VerifiableCredential" not in types:
        raise Refused("NOT_A_CREDENTIAL", "type does not hold VerifiableCredential")
    if not credential.get("credentialSubject"):
        raise Refused("NOT_A_CREDENTIAL", "no credentialSubject")
    if not isinstance(issuer_id(credential), str):
        raise Refused("NOT_A_CREDENTIAL", "no issuer")
    now = datetime.datetime.now(datetime.timezone.utc)
    if "validFrom" in credential and parse_datetime(credential["validFrom"], "validFrom") > now:
        raise Refused("VALIDITY_PERIOD", f"valid from {credential['validFrom']}")
    if "validUntil" in credential and parse_datetime(credential["validUntil"], "validUntil") < now:
        raise Refused("VALIDITY_PERIOD", f"valid until {credential['validUntil']}")


def verify_vc_jwt(token, resolve, report):
    """VC-JOSE-COSE section 3.1.1: the JWS verified under the issuer's key its `kid` names."""
    report["format"] = "vc+jwt"
    try:
        header = jwt.get_unverified_header(token)
    except jwt.exceptions.DecodeError as error:
        raise Refused("MALFORMED", f"not a compact JWS: {error}") from None
    if header.get("typ") not in JWT_TYPES:
        raise Refused("TOKEN_TYPE", f"typ {header.get('typ')!r} is not one of {JWT_TYPES}")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid.startswith("did:"):
        raise Refused("KEY_BINDING", f"kid {kid!r} is not a DID URL")
    report["verificationMethod"] = kid
    method = assertion_method(kid, resolve)
    key_type, key = method_public_key(method)
    allowed = ALGORITHMS[key_type]
    if header.get("alg") not in allowed:
        raise Refused("ALG_NOT_ALLOWED", f"alg {header.get('alg')!r} over a {key_type} key; allowed: {allowed}")
    try:
        claims = jwt.decode(token, key, algorithms=list(allowed), options={"verify_aud": False})
    except jwt.exceptions.InvalidSignatureError:
        raise Refused("INVALID_SIGNATURE", f"the JWS signature does not verify under {kid}") from None
    except jwt.exceptions.InvalidTokenError as error:
        raise Refused("MALFORMED", f"{type(error).__name__}: {error}") from None
    check_credential(claims)
    issuer = issuer_id(claims)
    report["issuer"] = issuer
    if "iss" in claims and claims["iss"] != issuer:
        raise Refused("ISSUER_MISMATCH", f"iss {claims['iss']!r} is not the issuer {issuer!r}")
    if split_did_url(kid)[0] != issuer:
        raise Refused("KEY_BINDING", f"{kid} is not a key of the issuer {issuer}")
    report["credential"] = claims


def proof_hash_data(document, proof_options, loader):
    """VC DI EdDSA 3.3.2 steps 3-5: both canonical forms hashed, proof configuration hash first."""
    config = dict(proof_options)
    if "@context" in config:
        # 3.3.2 step 2: a proof's own @context must be where the document's begins.
        contexts = document.get("@context") if isinstance(document.get("@context"), list) else [document.get("@context")]
        proof_contexts = config["@context"] if isinstance(config["@context"], list) else [config["@context"]]
        if contexts[: len(proof_contexts)] != proof_contexts:
            raise Refused("PROOF_CONTEXT", "the proof's @context is not the start of the document's")
        document = {**document, "@context": config["@context"]}
    else:
        config["@context"] = document.get("@context")
    if config.get("type") != "DataIntegrityProof" or config.get("cryptosuite") != "eddsa-rdfc-2022":
        raise Refused("PROOF_TYPE", f"{config.get('type')}/{config.get('cryptosuite')} is not DataIntegrityProof/eddsa-rdfc-2022")
    if "created" in config:
        parse_datetime(config["created"], "proof.created")
    return canonical_hash(config, loader) + canonical_hash(document, loader)


def verify_eddsa_rdfc_2022(credential, resolve, report):
    report["format"] = "eddsa-rdfc-2022"
    proof = credential.get("proof")
    if not isinstance(proof, dict):
        raise Refused("PROOF_MISSING", "one proof object is expected")
    check_credential(credential)
    report["issuer"] = issuer_id(credential)
    if proof.get("proofPurpose") != "assertionMethod":
        raise Refused("PROOF_PURPOSE", f"proofPurpose {proof.get('proofPurpose')!r}, expected assertionMethod")
    if "expires" in proof and parse_datetime(proof["expires"], "proof.expires") < datetime.datetime.now(datetime.timezone.utc):
        raise Refused("VALIDITY_PERIOD", f"the proof expired {proof['expires']}")
    method_id = proof.get("verificationMethod")
    if not isinstance(method_id, str):
        raise Refused("KEY_BINDING", "proof.verificationMethod is not a DID URL")
    report["verificationMethod"] = method_id
    if split_did_url(method_id)[0] != issuer_id(credential):
        raise Refused("KEY_BINDING", f"{method_id} is not a key of the issuer {issuer_id(credential)}")
    method = assertion_method(method_id, resolve)
    if method.get("type") != "Multikey":
        raise Refused("KEY_TYPE", f"{method_id} is a {method.get('type')}, not a Multikey")
    key_type, key = multikey_public_key(method.get("publicKeyMultibase"))
    if key_type != ("OKP", "Ed25519"):
        raise Refused("KEY_TYPE", f"{method_id} is not an Ed25519 key")
    proof_value = proof.get("proofValue")
    if not isinstance(proof_value, str) or not proof_value.startswith("z"):
        raise Refused("MALFORMED", "proofValue is not base58btc ('z')")
    signature = b58decode(proof_value[1:])
    unsecured = {k: v for k, v in credential.items() if k != "proof"}
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    hash_data = proof_hash_data(unsecured, options, document_loader(pinned_contexts()))
    try:
        key.verify(signature, hash_data)
    except InvalidSignature:
        raise Refused("INVALID_SIGNATURE", f"the Ed25519 signature does not verify under {method_id}") from None


def verify(text, resolve):
    report = {"verified": False, "errors": []}
    try:
        text = text.strip()
        if text.startswith("{"):
            credential = json.loads(text)
            if not isinstance(credential, dict):
                raise Refused("MALFORMED", "the input is neither a compact JWS nor a JSON object")
            if credential.get("type") == "EnvelopedVerifiableCredential":
                prefix = "data:application/vc+jwt,"
                if not str(credential.get("id", "")).startswith(prefix):
                    raise Refused("UNSUPPORTED_FORMAT", "the envelope holds no vc+jwt")
                verify_vc_jwt(credential["id"][len(prefix):], resolve, report)
            else:
                verify_eddsa_rdfc_2022(credential, resolve, report)
        else:
            verify_vc_jwt(text, resolve, report)
        report["verified"] = True
    except Refused as refused:
        report["errors"].append({"code": refused.code, "message": str(refused)})
    return report


# --- signing as a peer --------------------------------------------------------------------------


def now_seconds():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def sign_jwt(credential, alg):
    if alg == "ES256":
        private_key = ec.generate_private_key(ec.SECP256R1())
        jwk = json.loads(ECAlgorithm.to_jwk(private_key.public_key()))
    elif alg == "EdDSA":
        private_key = ed25519.Ed25519PrivateKey.generate()
        jwk = json.loads(OKPAlgorithm.to_jwk(private_key.public_key()))
    else:
        raise SystemExit(f"sign-jwt: no key for {alg}")
    did = "did:jwk:" + b64url(json.dumps(jwk, separators=(",", ":")).encode("utf-8"))
    claims = {**credential, "issuer": did, "iss": did}
    token = jwt.encode(claims, private_key, algorithm=alg, headers={"typ": "vc+jwt", "kid": f"{did}#0"})
    return {"credential": token, "issuer": did}


def sign_eddsa_rdfc_2022(credential):
    """VC DI EdDSA 3.3.1 (create proof), as a did:key whose one method is its Multikey."""
    private_key = ed25519.Ed25519PrivateKey.generate()
    raw = private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    multikey = "z" + b58encode(ED25519_PUB + raw)
    did = f"did:key:{multikey}"
    document = {**credential, "issuer": did}
    options = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": now_seconds(),
        "verificationMethod": f"{did}#{multikey}",
        "proofPurpose": "assertionMethod",
    }
    signature = private_key.sign(proof_hash_data(document, options, document_loader(pinned_contexts())))
    return {"credential": {**document, "proof": {**options, "proofValue": "z" + b58encode(signature)}}, "issuer": did}


def main(argv):
    command, args = (argv[1] if len(argv) > 1 else ""), argv[2:]
    options = dict(zip(args[::2], args[1::2]))
    text = sys.stdin.read()
    if command == "verify":
        resolve = {}
        if "--resolve" in options:
            host, _, address = options["--resolve"].partition("=")
            resolve[host] = address
        result = verify(text, resolve)
    elif command == "sign-jwt":
        result = sign_jwt(json.loads(text), options.get("--alg", "ES256"))
    elif command == "sign-eddsa-rdfc-2022":
        try:
            result = sign_eddsa_rdfc_2022(json.loads(text))
        except Refused as refused:
            raise SystemExit(f"sign-eddsa-rdfc-2022: {refused.code}: {refused}") from None
    else:
        raise SystemExit(__doc__)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv)
