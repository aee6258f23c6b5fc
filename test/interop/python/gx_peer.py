#!/usr/bin/env python3
"""A Python peer for gx-trust's interop tests (issue 14), built from Debian bookworm's packages:
PyJWT 2.6 (python3-jwt) verifies and signs the JWS, PyLD 2.0 (python3-pyld) canonicalizes with
URDNA2015 (RDFC-1.0), cryptography 38 (python3-cryptography) makes the keys and checks the Ed25519
signatures. This file only wires the W3C steps: VC-JOSE-COSE for `vc+jwt` and `vp+jwt`, VC Data
Integrity EdDSA 1.0 section 3.3 for `eddsa-rdfc-2022`, Bitstring Status List 1.0 section 3.2 for
status entries, did:web / did:key / did:jwk to find the key.

    python3 gx_peer.py verify [--resolve HOST:PORT=ADDR:PORT]                           < credential
    python3 gx_peer.py verify-presentation [--challenge C] [--domain D] [--resolve ...]  < presentation
    python3 gx_peer.py status [--list-format json|vc+jwt] [--resolve ...]               < credential
    python3 gx_peer.py sign-jwt [--alg ES256|EdDSA]                                     < credential
    python3 gx_peer.py sign-eddsa-rdfc-2022                                             < credential
    python3 gx_peer.py sign-vp-jwt [--alg ES256|EdDSA] [--challenge C] [--domain D]     < {"verifiableCredential", "issue"}

`verify` reads a compact `vc+jwt`, an EnvelopedVerifiableCredential holding one, or a credential
with a Data Integrity proof, and prints {"verified": bool, "errors": [{"code", "message"}], ...}.
`verify-presentation` reads a compact `vp+jwt`, an EnvelopedVerifiablePresentation holding one, or
a presentation with an eddsa-rdfc-2022 proof, compares its challenge and domain with the expected
ones, and verifies each credential it holds as `verify` does (`credentials`: their reports).
`status` verifies the credential, fetches each BitstringStatusListEntry's list (its JSON form or
its `vc+jwt` form), verifies the list as a credential of the same issuer and reads the entry's
bits: {"verified", "errors", "statuses": [{"statusPurpose", "status", "valid", ...}], "revoked"}.
`--resolve` (curl's option of that name) sends a host's requests to another loopback address: the
tests serve a DID document or a status list there that is not the issuer's. The `sign-*` commands
sign as a did:jwk or did:key they generate and print {"credential", "issuer"}; `sign-vp-jwt` signs
`issue` (credentials) as vc+jwt with the same did:jwk, holds them beside `verifiableCredential` and
prints {"presentation", "holder"}.

JSON-LD contexts come only from the repository's contexts/ folder, checked against
contexts/manifest.json; the document loader refuses every other URL.
"""
import base64
import copy
import datetime
import gzip
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
VP_JWT_TYPES = ("vp+jwt", "vp+ld+json+jwt")
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
STATUS_LIST_LIMIT = 1 << 22
# Bitstring Status List 1.0 section 6.1: a list of fewer entries would let its holders be told apart.
STATUS_LIST_MIN_ENTRIES = 131072
LOOPBACK = ("localhost", "127.0.0.1", "::1")
# What each proof is for (VC Data Integrity section 2.1): a credential's issuer asserts, a
# presentation's holder authenticates.
RELATIONSHIPS = ("assertionMethod", "authentication")


class Refused(Exception):
    """A reason the credential is not verified, with a stable code the test asserts on."""

    def __init__(self, code, message, details=None):
        super().__init__(message)
        self.code = code
        self.details = details


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
    scheme = "http" if urllib.parse.urlsplit(f"//{host}").hostname in LOOPBACK else "https"
    return f"{scheme}://{resolve.get(host, host)}{path}"


def fetch(url, accept, limit, code):
    """The body at `url`, at most `limit` bytes; a failure is refused with `code`."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"accept": accept}), timeout=20) as answer:
            body = answer.read(limit + 1)
    except OSError as error:
        raise Refused(code, f"{url}: {error}") from None
    if len(body) > limit:
        raise Refused(code, f"{url}: more than {limit} bytes")
    return body


def resolve_did(did, resolve):
    """The DID document, its methods' ids made absolute."""
    if did.startswith("did:web:"):
        url = did_web_url(did, resolve)
        body = fetch(url, "application/did+json, application/json", DID_DOCUMENT_LIMIT, "DID_RESOLUTION")
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
        document = {"id": did, "verificationMethod": [method], "assertionMethod": [method["id"]], "authentication": [method["id"]]}
    elif did.startswith("did:key:"):
        multibase = did[len("did:key:"):]
        method = {"id": f"{did}#{multibase}", "type": "Multikey", "controller": did, "publicKeyMultibase": multibase}
        document = {"id": did, "verificationMethod": [method], "assertionMethod": [method["id"]], "authentication": [method["id"]]}
    else:
        raise Refused("DID_RESOLUTION", f"{did}: no driver for this DID method")
    absolute = lambda ref: f"{did}{ref}" if ref.startswith("#") else ref  # noqa: E731
    for method in document.get("verificationMethod", []):
        method["id"] = absolute(method["id"])
    for relationship in RELATIONSHIPS:
        document[relationship] = [absolute(m if isinstance(m, str) else m.get("id", "")) for m in document.get(relationship, [])]
    return document


def bound_method(method_id, resolve, relationship="assertionMethod"):
    """The verification method `method_id` names, if its DID document lists it under `relationship`."""
    did, fragment = split_did_url(method_id)
    if not fragment:
        raise Refused("KEY_BINDING", f"{method_id!r} is not a DID URL with a fragment")
    document = resolve_did(did, resolve)
    method = next((m for m in document.get("verificationMethod", []) if m.get("id") == method_id), None)
    if method is None:
        raise Refused("KEY_BINDING", f"{method_id} is not in {did}'s DID document")
    if method_id not in document[relationship]:
        raise Refused("KEY_BINDING", f"{method_id} is not listed under {relationship} in {did}'s DID document")
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


def check_data_model(document, kind, code):
    """VCDM 2.0: a JSON object whose @context begins with the base context and whose type holds `kind`."""
    if not isinstance(document, dict):
        raise Refused(code, "the payload is not a JSON object")
    contexts = document.get("@context")
    if not isinstance(contexts, list) or not contexts or contexts[0] != VCDM2:
        raise Refused(code, f"@context does not begin with {VCDM2}")
    types = document.get("type")
    if kind not in (types if isinstance(types, list) else [types]):
        raise Refused(code, f"type does not hold {kind}")


def check_credential(credential):
    """VCDM 2.0: what makes the payload or the document a credential, and its validity period."""
    check_data_model(credential, "VerifiableCredential", "NOT_A_CREDENTIAL")
    if not credential.get("credentialSubject"):
        raise Refused("NOT_A_CREDENTIAL", "no credentialSubject")
    if not isinstance(issuer_id(credential), str):
        raise Refused("NOT_A_CREDENTIAL", "no issuer")
    now = datetime.datetime.now(datetime.timezone.utc)
    if "validFrom" in credential and parse_datetime(credential["validFrom"], "validFrom") > now:
        raise Refused("VALIDITY_PERIOD", f"valid from {credential['validFrom']}")
    if "validUntil" in credential and parse_datetime(credential["validUntil"], "validUntil") < now:
        raise Refused("VALIDITY_PERIOD", f"valid until {credential['validUntil']}")


def verify_jws(token, types, relationship, resolve, report):
    """VC-JOSE-COSE section 3.1: the JWS verified under the key its `kid` names, a method the signer's
    DID document lists under `relationship`; the claims and the signer's DID."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.exceptions.DecodeError as error:
        raise Refused("MALFORMED", f"not a compact JWS: {error}") from None
    if header.get("typ") not in types:
        raise Refused("TOKEN_TYPE", f"typ {header.get('typ')!r} is not one of {types}")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid.startswith("did:"):
        raise Refused("KEY_BINDING", f"kid {kid!r} is not a DID URL")
    report["verificationMethod"] = kid
    method = bound_method(kid, resolve, relationship)
    key_type, key = method_public_key(method)
    allowed = ALGORITHMS[key_type]
    if header.get("alg") not in allowed:
        raise Refused("ALG_NOT_ALLOWED", f"alg {header.get('alg')!r} over a {key_type} key; allowed: {allowed}")
    try:
        # `aud` is the presentation's domain, compared by the caller with the one it expects.
        claims = jwt.decode(token, key, algorithms=list(allowed), options={"verify_aud": False})
    except jwt.exceptions.InvalidSignatureError:
        raise Refused("INVALID_SIGNATURE", f"the JWS signature does not verify under {kid}") from None
    except jwt.exceptions.InvalidTokenError as error:
        raise Refused("MALFORMED", f"{type(error).__name__}: {error}") from None
    return claims, split_did_url(kid)[0]


def verify_vc_jwt(token, resolve, report):
    """VC-JOSE-COSE section 3.1.1: a credential secured by its issuer's JWS."""
    report["format"] = "vc+jwt"
    claims, signer = verify_jws(token, JWT_TYPES, "assertionMethod", resolve, report)
    check_credential(claims)
    issuer = issuer_id(claims)
    report["issuer"] = issuer
    if "iss" in claims and claims["iss"] != issuer:
        raise Refused("ISSUER_MISMATCH", f"iss {claims['iss']!r} is not the issuer {issuer!r}")
    if signer != issuer:
        raise Refused("KEY_BINDING", f"{report['verificationMethod']} is not a key of the issuer {issuer}")
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


def verify_eddsa_proof(document, purpose, controller, resolve, report):
    """VC DI EdDSA 3.3.2: the document's one proof, for `purpose`, by a key of `controller`."""
    proof = document.get("proof")
    if not isinstance(proof, dict):
        raise Refused("PROOF_MISSING", "one proof object is expected")
    if proof.get("proofPurpose") != purpose:
        raise Refused("PROOF_PURPOSE", f"proofPurpose {proof.get('proofPurpose')!r}, expected {purpose}")
    if "expires" in proof and parse_datetime(proof["expires"], "proof.expires") < datetime.datetime.now(datetime.timezone.utc):
        raise Refused("VALIDITY_PERIOD", f"the proof expired {proof['expires']}")
    method_id = proof.get("verificationMethod")
    if not isinstance(method_id, str):
        raise Refused("KEY_BINDING", "proof.verificationMethod is not a DID URL")
    report["verificationMethod"] = method_id
    if split_did_url(method_id)[0] != controller:
        raise Refused("KEY_BINDING", f"{method_id} is not a key of {controller}")
    method = bound_method(method_id, resolve, purpose)
    if method.get("type") != "Multikey":
        raise Refused("KEY_TYPE", f"{method_id} is a {method.get('type')}, not a Multikey")
    key_type, key = multikey_public_key(method.get("publicKeyMultibase"))
    if key_type != ("OKP", "Ed25519"):
        raise Refused("KEY_TYPE", f"{method_id} is not an Ed25519 key")
    proof_value = proof.get("proofValue")
    if not isinstance(proof_value, str) or not proof_value.startswith("z"):
        raise Refused("MALFORMED", "proofValue is not base58btc ('z')")
    signature = b58decode(proof_value[1:])
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    hash_data = proof_hash_data(unsecured, options, document_loader(pinned_contexts()))
    try:
        key.verify(signature, hash_data)
    except InvalidSignature:
        raise Refused("INVALID_SIGNATURE", f"the Ed25519 signature does not verify under {method_id}") from None
    return proof


def verify_eddsa_rdfc_2022(credential, resolve, report):
    report["format"] = "eddsa-rdfc-2022"
    check_credential(credential)
    report["issuer"] = issuer_id(credential)
    verify_eddsa_proof(credential, "assertionMethod", issuer_id(credential), resolve, report)
    report["credential"] = credential


def verify_credential(credential, resolve, report):
    """A compact vc+jwt, its EnvelopedVerifiableCredential, or a credential with a Data Integrity proof."""
    if isinstance(credential, str):
        verify_vc_jwt(credential, resolve, report)
    elif not isinstance(credential, dict):
        raise Refused("MALFORMED", "the input is neither a compact JWS nor a JSON object")
    elif credential.get("type") == "EnvelopedVerifiableCredential":
        prefix = "data:application/vc+jwt,"
        if not str(credential.get("id", "")).startswith(prefix):
            raise Refused("UNSUPPORTED_FORMAT", "the envelope holds no vc+jwt")
        verify_vc_jwt(credential["id"][len(prefix):], resolve, report)
    else:
        verify_eddsa_rdfc_2022(credential, resolve, report)


def reported(check, *args):
    """`check(*args, report)` run into a report: verified, or the reason it is not."""
    report = {"verified": False, "errors": []}
    try:
        check(*args, report)
        report["verified"] = True
    except Refused as refused:
        report["errors"].append({"code": refused.code, "message": str(refused)})
    return report


def parsed(text):
    """stdin as JSON when it is an object, else as a compact token."""
    text = text.strip()
    if not text.startswith("{"):
        return text
    try:
        document = json.loads(text)
    except ValueError:
        raise Refused("MALFORMED", "the input is not JSON") from None
    if not isinstance(document, dict):
        raise Refused("MALFORMED", "the input is neither a compact JWS nor a JSON object")
    return document


def verify(text, resolve):
    return reported(lambda report: verify_credential(parsed(text), resolve, report))


# --- the presentation ---------------------------------------------------------------------------


def check_presentation(presentation):
    """VCDM 2.0 section 4.13: what makes the payload or the document a presentation."""
    check_data_model(presentation, "VerifiablePresentation", "NOT_A_PRESENTATION")
    holder = presentation.get("holder")
    return holder.get("id") if isinstance(holder, dict) else holder


def check_expected(name, signed, expected):
    """A challenge (domain) the verifier sent must be the one signed; a domain may be one of several."""
    if expected is None:
        return
    values = signed if isinstance(signed, list) else [signed]
    if expected not in values:
        raise Refused(f"{name.upper()}_MISMATCH", f"the signed {name} {signed!r} is not the expected {expected!r}")


def verify_held_credentials(presentation, resolve, report):
    """Each credential the presentation holds, verified as `verify` verifies one on its own."""
    held = presentation.get("verifiableCredential", [])
    report["credentials"] = [reported(verify_credential, credential, resolve) for credential in (held if isinstance(held, list) else [held])]
    for index, credential in enumerate(report["credentials"]):
        if not credential["verified"]:
            codes = ", ".join(error["code"] for error in credential["errors"])
            raise Refused("CREDENTIAL_NOT_VERIFIED", f"verifiableCredential/{index}: {codes}")


def verify_vp_jwt(token, expected, resolve, report):
    """VC-JOSE-COSE section 3.1.2: a presentation secured by its holder's JWS; `nonce` and `aud`
    carry the challenge and domain (as the VC-API and gx-trust write them)."""
    report["format"] = "vp+jwt"
    claims, signer = verify_jws(token, VP_JWT_TYPES, "authentication", resolve, report)
    holder = check_presentation(claims)
    report["holder"] = holder
    if holder is not None and holder != signer:
        raise Refused("KEY_BINDING", f"{report['verificationMethod']} is not a key of the holder {holder}")
    if "iss" in claims and claims["iss"] != signer:
        raise Refused("ISSUER_MISMATCH", f"iss {claims['iss']!r} is not the signer {signer}")
    check_expected("challenge", claims.get("nonce"), expected["challenge"])
    check_expected("domain", claims.get("aud"), expected["domain"])
    report["presentation"] = claims
    verify_held_credentials(claims, resolve, report)


def verify_ldp_vp(presentation, expected, resolve, report):
    """VC DI EdDSA: an eddsa-rdfc-2022 proof for authentication, challenge and domain among the signed options."""
    report["format"] = "eddsa-rdfc-2022"
    holder = check_presentation(presentation)
    report["holder"] = holder
    proof = presentation.get("proof")
    method_id = proof.get("verificationMethod") if isinstance(proof, dict) else None
    # Without a holder the proof's own controller is the signer (VCDM 2.0 leaves holder optional).
    signer = holder if holder is not None else split_did_url(str(method_id))[0]
    proof = verify_eddsa_proof(presentation, "authentication", signer, resolve, report)
    check_expected("challenge", proof.get("challenge"), expected["challenge"])
    check_expected("domain", proof.get("domain"), expected["domain"])
    verify_held_credentials(presentation, resolve, report)


def verify_presentation(text, expected, resolve):
    def check(report):
        presentation = parsed(text)
        if isinstance(presentation, str):
            verify_vp_jwt(presentation, expected, resolve, report)
        elif presentation.get("type") == "EnvelopedVerifiablePresentation":
            prefix = "data:application/vp+jwt,"
            if not str(presentation.get("id", "")).startswith(prefix):
                raise Refused("UNSUPPORTED_FORMAT", "the envelope holds no vp+jwt")
            verify_vp_jwt(presentation["id"][len(prefix):], expected, resolve, report)
        else:
            verify_ldp_vp(presentation, expected, resolve, report)

    return reported(check)


# --- status lists -------------------------------------------------------------------------------


def status_list_url(url, list_format, resolve):
    """The URL to fetch: the `vc+jwt` form asked for by gx-trust's `format` query parameter, and
    plain HTTP to loopback only."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in LOOPBACK):
        raise Refused("STATUS_RETRIEVAL_ERROR", f"{url}: neither https nor loopback http")
    query = parts.query
    if list_format == "vc+jwt":
        query = "&".join(filter(None, [query, "format=vc%2Bjwt"]))
    return urllib.parse.urlunsplit((parts.scheme, resolve.get(parts.netloc, parts.netloc), parts.path, query, ""))


def bitstring(encoded_list):
    """Bitstring Status List 1.0 section 3.2 step 9: multibase base64url ('u', no padding) of GZIP."""
    if not isinstance(encoded_list, str) or not encoded_list.startswith("u"):
        raise Refused("STATUS_VERIFICATION_ERROR", "encodedList is not multibase base64url ('u')")
    try:
        return gzip.decompress(b64url_decode(encoded_list[1:]))
    except (ValueError, OSError, EOFError) as error:
        raise Refused("STATUS_VERIFICATION_ERROR", f"encodedList: {error}") from None


def read_bits(bits, index, size):
    """`size` bits from bit `index * size`: bit 0 is the leftmost bit of byte 0 (section 3.1)."""
    if len(bits) * 8 // size < STATUS_LIST_MIN_ENTRIES:
        raise Refused("STATUS_LIST_LENGTH_ERROR", f"{len(bits) * 8 // size} entries, fewer than {STATUS_LIST_MIN_ENTRIES}")
    start = index * size
    if start + size > len(bits) * 8:
        raise Refused("RANGE_ERROR", f"bit {start + size - 1} is past the list's {len(bits) * 8}")
    value = 0
    for position in range(start, start + size):
        value = (value << 1) | ((bits[position // 8] >> (7 - position % 8)) & 1)
    return value


def read_status_entry(entry, issuer, list_format, resolve):
    """Bitstring Status List 1.0 section 3.2, the validate algorithm, for one entry."""
    if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
        raise Refused("STATUS_VERIFICATION_ERROR", "the entry is no BitstringStatusListEntry")
    purpose = entry.get("statusPurpose")
    try:
        index = int(entry.get("statusListIndex"))
        size = int(entry.get("statusSize", 1))
    except (TypeError, ValueError):
        raise Refused("STATUS_VERIFICATION_ERROR", "statusListIndex or statusSize is not an integer") from None
    if index < 0 or not 1 <= size <= 16:
        raise Refused("STATUS_VERIFICATION_ERROR", f"statusListIndex {index} or statusSize {size} out of range")
    url = entry.get("statusListCredential")
    if not isinstance(url, str):
        raise Refused("STATUS_RETRIEVAL_ERROR", "no statusListCredential URL")
    accept = "application/vc+jwt" if list_format == "vc+jwt" else "application/vc+ld+json, application/json"
    body = fetch(status_list_url(url, list_format, resolve), accept, STATUS_LIST_LIMIT, "STATUS_RETRIEVAL_ERROR")
    try:
        status_list = parsed(body.decode("utf-8"))
    except (UnicodeDecodeError, Refused):
        raise Refused("STATUS_RETRIEVAL_ERROR", f"{url} is neither JSON nor a compact JWS") from None
    # Step 4: the list is a credential, verified as any other.
    list_report = reported(verify_credential, status_list, resolve)
    result = {"statusPurpose": purpose, "statusListIndex": str(index), "statusListCredential": url, "listFormat": list_report.get("format"), "list": {k: v for k, v in list_report.items() if k != "credential"}}
    if not list_report["verified"]:
        codes = ", ".join(error["code"] for error in list_report["errors"])
        raise Refused("STATUS_VERIFICATION_ERROR", f"{url}: the list's proof: {codes}", details=result)
    credential = list_report["credential"]
    # A list another issuer signed says nothing about this credential.
    if issuer_id(credential) != issuer:
        raise Refused("STATUS_LIST_ISSUER", f"{url} is issued by {issuer_id(credential)}, not {issuer}", details=result)
    if credential.get("id") != url:
        raise Refused("STATUS_VERIFICATION_ERROR", f"{url} holds the list {credential.get('id')!r}", details=result)
    subject = credential.get("credentialSubject")
    types = credential.get("type", [])
    if "BitstringStatusListCredential" not in types or not isinstance(subject, dict) or subject.get("type") != "BitstringStatusList":
        raise Refused("STATUS_VERIFICATION_ERROR", f"{url} is no BitstringStatusListCredential", details=result)
    if purpose not in (subject.get("statusPurpose") if isinstance(subject.get("statusPurpose"), list) else [subject.get("statusPurpose")]):
        raise Refused("STATUS_VERIFICATION_ERROR", f"{url} is a list for {subject.get('statusPurpose')!r}, not {purpose!r}", details=result)
    value = read_bits(bitstring(subject.get("encodedList")), index, size)
    return {**result, "status": value, "valid": value == 0}


def read_status(text, list_format, resolve):
    report = verify(text, resolve)
    credential = report.pop("credential", None)
    if not report["verified"]:
        return report
    entries = credential.get("credentialStatus", [])
    report["statuses"] = []
    for entry in entries if isinstance(entries, list) else [entries]:
        try:
            report["statuses"].append(read_status_entry(entry, issuer_id(credential), list_format, resolve))
        except Refused as refused:
            if refused.details is not None:
                report["statuses"].append(refused.details)
            report["verified"] = False
            report["errors"].append({"code": refused.code, "message": str(refused)})
            return report
    report["revoked"] = any(s["statusPurpose"] == "revocation" and not s["valid"] for s in report["statuses"])
    return report


# --- signing as a peer --------------------------------------------------------------------------


def now_seconds():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def did_jwk(alg):
    """A key generated for `alg` and the did:jwk that is its public half."""
    if alg == "ES256":
        private_key = ec.generate_private_key(ec.SECP256R1())
        jwk = json.loads(ECAlgorithm.to_jwk(private_key.public_key()))
    elif alg == "EdDSA":
        private_key = ed25519.Ed25519PrivateKey.generate()
        jwk = json.loads(OKPAlgorithm.to_jwk(private_key.public_key()))
    else:
        raise SystemExit(f"no key for {alg}")
    return private_key, "did:jwk:" + b64url(json.dumps(jwk, separators=(",", ":")).encode("utf-8"))


def signed_vc_jwt(credential, private_key, did, alg):
    claims = {**credential, "issuer": did, "iss": did}
    return jwt.encode(claims, private_key, algorithm=alg, headers={"typ": "vc+jwt", "kid": f"{did}#0"})


def sign_jwt(credential, alg):
    private_key, did = did_jwk(alg)
    return {"credential": signed_vc_jwt(credential, private_key, did, alg), "issuer": did}


def sign_vp_jwt(request, alg, challenge, domain):
    """VC-JOSE-COSE 3.1.2 as a did:jwk holder: the challenge as `nonce`, the domain as `aud`."""
    private_key, did = did_jwk(alg)
    envelope = lambda token: {"@context": VCDM2, "type": "EnvelopedVerifiableCredential", "id": f"data:application/vc+jwt,{token}"}  # noqa: E731
    held = [envelope(c) if isinstance(c, str) else c for c in request.get("verifiableCredential", [])]
    held += [envelope(signed_vc_jwt(credential, private_key, did, alg)) for credential in request.get("issue", [])]
    claims = {"@context": [VCDM2], "type": ["VerifiablePresentation"], "holder": did, "verifiableCredential": held, "iss": did,
              "iat": int(datetime.datetime.now(datetime.timezone.utc).timestamp())}
    if challenge is not None:
        claims["nonce"] = challenge
    if domain is not None:
        claims["aud"] = domain
    token = jwt.encode(claims, private_key, algorithm=alg, headers={"typ": "vp+jwt", "kid": f"{did}#0"})
    return {"presentation": token, "holder": did}


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
    resolve = {}
    if "--resolve" in options:
        host, _, address = options["--resolve"].partition("=")
        resolve[host] = address
    if command == "verify":
        result = verify(text, resolve)
    elif command == "verify-presentation":
        result = verify_presentation(text, {"challenge": options.get("--challenge"), "domain": options.get("--domain")}, resolve)
    elif command == "status":
        result = read_status(text, options.get("--list-format", "json"), resolve)
    elif command == "sign-jwt":
        result = sign_jwt(json.loads(text), options.get("--alg", "ES256"))
    elif command == "sign-vp-jwt":
        result = sign_vp_jwt(json.loads(text), options.get("--alg", "ES256"), options.get("--challenge"), options.get("--domain"))
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
