"""Verifies a credential and says exactly why it is or is not valid: format, schema, contexts, issuer,
signature, dates, status. Bad input becomes a failed check; only input beyond the hard limits of
`skillatlas.limits` (size, nesting, blank nodes, the time budget) raises, as `TooLarge` or `LimitExceeded`
naming the limit. JSON-LD processing and canonicalisation run in a worker process (`canon.Budget`), never
in the caller's thread."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from functools import cache
from importlib import resources
from typing import Any, Protocol

import jsonschema
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from skillatlas import limits
from skillatlas.credentials import canon, jsonld, proofs, status
from skillatlas.credentials.keys import public_from_multikey
from skillatlas.credentials.schemas import Check, VerificationReport
from skillatlas.errors import Busy, LimitExceeded, TooLarge

CREDENTIAL_TYPES = {"OpenBadgeCredential", "AchievementCredential"}


class ResolutionError(Exception):
    """A key or status list cannot be found; the message says why."""


class ResolvedKey:
    """A public key, the DID that controls it, and when it was retired (None while active)."""

    def __init__(
        self, public: Ed25519PublicKey, controller: str, retired_at: dt.datetime | None = None
    ) -> None:
        self.public = public
        self.controller = controller
        self.retired_at = retired_at


class Resolver(Protocol):
    def key(self, verification_method: str) -> ResolvedKey: ...

    def status_list(self, url: str) -> dict[str, Any]: ...

    def companion_lists(self, url: str) -> list[tuple[str, str]]: ...


def resolve_did_key(verification_method: str) -> ResolvedKey:
    """did:key resolves itself: the key is in the identifier."""
    did, _, fragment = verification_method.partition("#")
    multikey = did.removeprefix("did:key:")
    if fragment and fragment != multikey:
        raise ResolutionError(f"{verification_method}: the fragment is not the did:key's own key")
    try:
        return ResolvedKey(public_from_multikey(multikey), did)
    except ValueError as exc:
        raise ResolutionError(f"{did} is not an Ed25519 did:key: {exc}") from exc


class OfflineResolver:
    """did:key only, and the status lists it is given; nothing is fetched."""

    def __init__(self, status_lists: dict[str, dict[str, Any]] | None = None) -> None:
        self.lists = status_lists or {}

    def key(self, verification_method: str) -> ResolvedKey:
        if verification_method.startswith("did:key:"):
            return resolve_did_key(verification_method)
        raise ResolutionError(
            f"cannot resolve {verification_method!r} offline (only did:key resolves itself)"
        )

    def status_list(self, url: str) -> dict[str, Any]:
        if url in self.lists:
            return self.lists[url]
        raise ResolutionError(f"the status list {url} is not available offline")

    def companion_lists(self, url: str) -> list[tuple[str, str]]:
        return []


# The Open Badges 3.0 AchievementCredential JSON Schema in both editions: VC Data Model 2.0 (`validFrom`,
# the contexts https://www.w3.org/ns/credentials/v2 then Open Badges) and VC 1.1 (`issuanceDate`).
SCHEMA_FILES = {
    "2.0": "ob_v3p0_achievementcredential_schema_vc2.json",
    "1.1": "ob_v3p0_achievementcredential_schema.json",
}


@cache
def ob_schema_validator(edition: str = "2.0") -> jsonschema.Draft201909Validator:
    text = (resources.files("skillatlas.credentials") / "schema" / SCHEMA_FILES[edition]).read_text()
    return jsonschema.Draft201909Validator(
        json.loads(text), format_checker=jsonschema.Draft201909Validator.FORMAT_CHECKER
    )


def vc_edition(credential: dict[str, Any]) -> str:
    """'2.0' for a credential whose first context is VC 2.0's, else '1.1'."""
    contexts = credential.get("@context")
    first = contexts[0] if isinstance(contexts, list) and contexts else contexts
    return "2.0" if first == jsonld.VC_V2 else "1.1"


def schema_errors(credential: dict[str, Any]) -> list[str]:
    """What the Open Badges 3.0 JSON Schema of the credential's VC edition finds wrong, as 'path: message'."""
    validator = ob_schema_validator(vc_edition(credential))
    errors = sorted(validator.iter_errors(credential), key=lambda e: list(e.absolute_path))
    return [f"{'.'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}" for e in errors]


def extension_pin_errors(credential: dict[str, Any]) -> list[str]:
    """An extension context named by its published URL must be pinned by a `relatedResource` whose
    `digestSRI` is the digest of the context we hold: then it is the same document wherever it came from."""
    contexts = credential.get("@context")
    related = credential.get("relatedResource")
    related = related if isinstance(related, list) else [related] if isinstance(related, dict) else []
    problems = []
    for url in contexts if isinstance(contexts, list) else [contexts]:
        if not (isinstance(url, str) and jsonld.is_extension_url(url)):
            continue
        digests = [r.get("digestSRI") for r in related if isinstance(r, dict) and r.get("id") == url]
        if not digests:
            problems.append(f"the context {url} is not pinned by a relatedResource digest")
        elif jsonld.extension_sri() not in digests:
            problems.append(
                f"the context {url} is pinned to {digests[0]}, not to the published EU micro-credential "
                f"extension ({jsonld.extension_sri()})"
            )
    return problems


def _key_paths(node: Any, prefix: str = "") -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "@context":
                continue
            path = f"{prefix}.{key}" if prefix else key
            yield path
            yield from _key_paths(value, path)
    elif isinstance(node, list):
        for item in node:
            yield from _key_paths(item, prefix)


def _relative_iris(node: Any) -> Iterator[str]:
    """Types and ids of an expanded document that are not absolute IRIs (RDF drops them: unsigned)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "@type":
                for item in value if isinstance(value, list) else [value]:
                    if isinstance(item, str) and ":" not in item:
                        yield f"type {item}"
            elif key == "@id":
                if isinstance(value, str) and ":" not in value:
                    yield f"id {value}"
            elif key != "@value":
                yield from _relative_iris(value)
    elif isinstance(node, list):
        for item in node:
            yield from _relative_iris(item)


def undefined_terms(document: dict[str, Any]) -> list[str]:
    """Properties and types that no context defines, and relative ids: JSON-LD would silently drop them
    from the signed data (what JavaScript verifiers call safe mode)."""
    options = {"documentLoader": jsonld.document_loader, "base": None}
    processor = jsonld.Processor(isolated=True)
    expanded = processor.expand(document, options)
    compacted = processor.compact(expanded, {"@context": document["@context"]}, options)
    dropped = set(_key_paths(document)) - set(_key_paths(compacted))
    return sorted(dropped) + sorted(set(_relative_iris(expanded)))


def _parse_time(value: Any, name: str) -> dt.datetime:
    if not isinstance(value, str):
        raise ValueError(f"{name} is not a date-time string")
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"{name} has no time zone")
    return moment


def _issuer_id(credential: dict[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


class _Report:
    def __init__(self) -> None:
        self.checks: list[Check] = []

    def run(self, name: str, step: Callable[[], str]) -> bool:
        """Runs one check; a returned string is the reason it passed, any exception the reason it failed
        (except a limit passed: that refuses the whole verification)."""
        try:
            reason = step()
            ok = True
        except (LimitExceeded, Busy):
            raise
        except Exception as exc:
            reason = str(exc) or exc.__class__.__name__
            ok = False
        self.checks.append(Check(check=name, ok=ok, reason=reason))
        return ok

    def skip(self, name: str, why: str) -> None:
        self.checks.append(Check(check=name, ok=False, reason=f"not checked: {why}"))


def check_size(data: str | bytes | dict[str, Any]) -> None:
    """TooLarge beyond MAX_CREDENTIAL_BYTES, LimitExceeded beyond MAX_JSON_DEPTH: before anything parses it."""
    if isinstance(data, dict):
        if limits.value_depth(data, stop_above=limits.MAX_JSON_DEPTH) > limits.MAX_JSON_DEPTH:
            raise limits.too_deep("the credential")
        size = len(json.dumps(data, ensure_ascii=False).encode("utf-8"))
    else:
        size = len(data.encode("utf-8")) if isinstance(data, str) else len(data)
    if size > limits.MAX_CREDENTIAL_BYTES:
        raise TooLarge(
            f"the credential is {size:,} bytes; at most {limits.MAX_CREDENTIAL_BYTES:,} bytes "
            f"({limits.MAX_CREDENTIAL_BYTES // 1024} KiB) are verified"
        )


def parse(data: str | bytes | dict[str, Any]) -> tuple[str, dict[str, Any], str | None]:
    """('ldp' | 'jwt', the credential, the JWS or None); ValueError for anything else, LimitExceeded for
    JSON nested beyond MAX_JSON_DEPTH."""
    if isinstance(data, dict):
        return "ldp", data, None
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError("the file is not UTF-8 text") from exc
    text = data.strip()
    if not text:
        raise ValueError("empty input")
    if text.startswith("{"):
        limits.check_json_depth(text, what="the credential")
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
        if not isinstance(document, dict):
            raise ValueError("the JSON is not an object")
        return "ldp", document, None
    if text.count(".") == 2 and " " not in text:
        try:
            _header, payload, _input, _sig = proofs.parse_jwt(text)
        except proofs.ProofError as exc:
            raise ValueError(str(exc)) from exc
        return "jwt", payload, text
    raise ValueError("neither a JSON credential nor a compact JWS (header.payload.signature)")


def verify(
    data: str | bytes | dict[str, Any], *, resolver: Resolver | None = None, now: dt.datetime | None = None
) -> VerificationReport:
    """Checks a credential (JSON with an embedded proof, or a VC-JOSE JWT) and reports each check.

    Refuses (TooLarge, LimitExceeded) what is beyond the limits; the JSON-LD work runs in a worker process
    within one time budget (`limits.VERIFY_BUDGET_S`) for the whole verification.
    """
    check_size(data)
    budget = canon.Budget()
    resolver = resolver or OfflineResolver()
    now = now or dt.datetime.now(dt.UTC)
    report = _Report()
    parsed: dict[str, Any] = {}

    def read() -> str:
        kind, credential, token = parse(data)
        parsed.update(kind=kind, credential=credential, token=token)
        return "VC-JOSE compact JWS (EdDSA)" if kind == "jwt" else "JSON-LD with an embedded proof"

    if not report.run("format", read):
        for name in ("schema", "contexts", "issuer", "signature", "dates", "status"):
            report.skip(name, "the credential could not be read")
        return VerificationReport(valid=False, checks=report.checks)
    credential: dict[str, Any] = parsed["credential"]
    token: str | None = parsed["token"]

    def check_schema() -> str:
        problems = []
        contexts = credential.get("@context")
        if not isinstance(contexts, list) or not contexts or contexts[0] != jsonld.VC_V2:
            problems.append(f"@context: the first context must be {jsonld.VC_V2}")
        types = credential.get("type")
        types = [types] if isinstance(types, str) else types if isinstance(types, list) else []
        if "VerifiableCredential" not in types or not CREDENTIAL_TYPES & set(types):
            problems.append("type: must include VerifiableCredential and OpenBadgeCredential")
        problems += schema_errors(credential)
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise ValueError(problems[0] + more)
        return (
            "a valid Open Badges 3 AchievementCredential (its JSON Schema, VC Data Model 2.0 edition), "
            "a W3C VC 2 in shape"
        )

    def check_contexts() -> str:
        contexts = credential.get("@context")
        for url in contexts if isinstance(contexts, list) else [contexts]:
            if isinstance(url, str):
                try:
                    jsonld.file_for(url)
                except jsonld.UnknownContext:
                    raise ValueError(f"unknown context {url} (contexts are never fetched)") from None
        pins = extension_pin_errors(credential)
        if pins:
            raise ValueError(pins[0])
        missing = budget.run(undefined_terms, credential)
        if missing:
            raise ValueError(f"properties not defined by any context: {', '.join(missing[:5])}")
        return "every context known, every property defined"

    report.run("schema", check_schema)
    contexts_ok = report.run("contexts", check_contexts)

    resolved: dict[str, ResolvedKey] = {}
    signed_at: dict[str, dt.datetime | None] = {}

    def check_issuer() -> str:
        issuer = _issuer_id(credential)
        if not issuer:
            raise ValueError("the credential names no issuer id")
        if token is not None:
            header, _payload, _input, _sig = proofs.parse_jwt(token)
            method = header["kid"]
            method = issuer + method if method.startswith("#") else method
            signed_at["at"] = None
        else:
            proof = proofs.data_integrity_proof(credential)
            method = proof["verificationMethod"]
            signed_at["at"] = _parse_time(proof["created"], "proof.created") if "created" in proof else None
        if method.split("#", 1)[0] != issuer:
            raise ValueError(f"the signing key {method} does not belong to the issuer {issuer}")
        key = resolver.key(method)
        if key.controller != issuer:
            raise ValueError(
                f"the key {method} is controlled by {key.controller}, not by the issuer {issuer}"
            )
        resolved["key"] = key
        if key.retired_at is not None:
            at = signed_at.get("at")
            if at is not None and at > key.retired_at:
                raise ValueError(
                    f"signed on {at.isoformat()} with a key retired on {key.retired_at.isoformat()}"
                )
            return f"{method} (a retired key, valid for what it signed before {key.retired_at.date()})"
        return f"{method}"

    def check_signature() -> str:
        key = resolved["key"].public
        if token is not None:
            proofs.verify_jwt(token, key)
            return "the EdDSA JWS signature matches the content"
        proofs.verify_data_integrity(credential, key, hasher=budget.hash_data)
        return "the eddsa-rdfc-2022 proof matches the canonical content"

    if report.run("issuer", check_issuer):
        if contexts_ok or token is not None:
            report.run("signature", check_signature)
        else:
            report.skip("signature", "the contexts are unusable, so the signed content cannot be rebuilt")
    else:
        report.skip("signature", "no usable key")

    def check_dates() -> str:
        start = credential.get("validFrom", credential.get("issuanceDate"))
        if start is None:
            raise ValueError("no validFrom")
        valid_from = _parse_time(start, "validFrom")
        if valid_from > now:
            raise ValueError(f"not valid yet: valid from {valid_from.isoformat()}")
        end = credential.get("validUntil", credential.get("expirationDate"))
        if end is not None:
            valid_until = _parse_time(end, "validUntil")
            if valid_until <= now:
                raise ValueError(f"expired on {valid_until.isoformat()}")
            return f"valid from {valid_from.date()} until {valid_until.date()}"
        return f"valid from {valid_from.date()}, no expiry"

    report.run("dates", check_dates)
    report.run("status", lambda: _check_status(credential, resolver, budget))
    checks = report.checks
    return VerificationReport(
        valid=all(c.ok for c in checks), checks=checks, format=parsed["kind"], credential=credential
    )


def _check_status(credential: dict[str, Any], resolver: Resolver, budget: canon.Budget) -> str:
    entries = credential.get("credentialStatus")
    if entries is None:
        return "no status entry: the issuer cannot revoke it"
    entries = entries if isinstance(entries, list) else [entries]
    issuer = _issuer_id(credential)
    seen: list[str] = []
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
            raise ValueError("unsupported credentialStatus: expected a BitstringStatusListEntry")
        url, purpose = entry.get("statusListCredential"), entry.get("statusPurpose")
        try:
            index = int(entry.get("statusListIndex"))  # type: ignore[arg-type]
        except (TypeError, ValueError) as exc:
            raise ValueError("statusListIndex is not a number") from exc
        if not isinstance(url, str) or purpose not in status.PURPOSES:
            raise ValueError("the status entry lacks statusListCredential or a known statusPurpose")
        named = {
            (e.get("statusListCredential"), e.get("statusPurpose")) for e in entries if isinstance(e, dict)
        }
        companions = [c for c in resolver.companion_lists(url) if c not in named]
        for list_url, list_purpose in [(url, purpose), *companions]:
            if _listed(resolver, list_url, list_purpose, index, issuer, budget):
                raise ValueError(
                    f"{'revoked' if list_purpose == 'revocation' else 'suspended'} by the issuer"
                )
            seen.append(list_purpose)
    return f"not revoked{', not suspended' if 'suspension' in seen else ''} (signed status list checked)"


def _listed(
    resolver: Resolver, url: str, purpose: str, index: int, issuer: str | None, budget: canon.Budget
) -> bool:
    """The bit of `index` in the signed status list at `url`, after checking that list's own proof.

    A resolver remembers the lists it has checked (by URL and content), so that verifying many credentials
    of one issuer checks each list's signature once.
    """
    document = resolver.status_list(url)
    memo: dict[tuple[str, str, str | None], bytes] = resolver.__dict__.setdefault("_checked_lists", {})
    fingerprint = (url, json.dumps(document, sort_keys=True), issuer)
    if fingerprint in memo:
        bitstring = memo[fingerprint]
        if index < 0 or index >= len(bitstring) * 8:
            raise ValueError(f"statusListIndex {index} is outside the list")
        return status.get_bit(bitstring, index)
    bitstring = _checked_bitstring(resolver, url, purpose, document, issuer, budget)
    memo[fingerprint] = bitstring
    if index < 0 or index >= len(bitstring) * 8:
        raise ValueError(f"statusListIndex {index} is outside the list")
    return status.get_bit(bitstring, index)


def _checked_bitstring(
    resolver: Resolver,
    url: str,
    purpose: str,
    document: dict[str, Any],
    issuer: str | None,
    budget: canon.Budget,
) -> bytes:
    if _issuer_id(document) != issuer:
        raise ValueError(f"the status list {url} was not issued by the credential's issuer")
    proof = proofs.data_integrity_proof(document)
    key = resolver.key(proof["verificationMethod"])
    if key.controller != issuer:
        raise ValueError(f"the status list {url} is signed by a key of someone else")
    try:
        proofs.verify_data_integrity(document, key.public, hasher=budget.hash_data)
    except proofs.ProofError as exc:
        raise ValueError(f"the status list {url} does not verify: {exc}") from exc
    subject = document.get("credentialSubject") or {}
    if subject.get("statusPurpose") != purpose:
        raise ValueError(f"the status list {url} is for {subject.get('statusPurpose')!r}, not {purpose!r}")
    return status.decode(subject.get("encodedList"))
