"""JSON-LD without the network: contexts served from package files, RDF Dataset Canonicalization (RDFC-1.0)."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
import threading
from collections import OrderedDict
from functools import cache
from importlib import resources
from typing import Any

from frozendict import frozendict
from pyld import jsonld

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
# The first SkillAtlas extension context: its URL is served nowhere, so only credentials issued before the
# published one (below) name it; SkillAtlas still verifies them.
EU_MC = "https://w3id.org/skillatlas/eu-microcredential/v1"
DID_V1 = "https://www.w3.org/ns/did/v1"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"

# The URL of each context a credential of ours may use, and the package file that holds it.
CONTEXT_FILES = {
    VC_V2: "credentials-v2.jsonld",
    OB_V3: "ob-v3p0-context-3.0.3.json",
    EU_MC: "skillatlas-eu-microcredential-v1.jsonld",
    DID_V1: "did-v1.jsonld",
    MULTIKEY_V1: "multikey-v1.jsonld",
}

# The EU micro-credential extension: what Open Badges 3.0 lacks (workload in hours, learning outcome
# statements, assessment, participation, quality assurance). Every issuing server publishes it at
# <its public URL>/contexts/eu-microcredential/v1.jsonld, and each credential pins its SHA-384 digest
# (`relatedResource` with `digestSRI`), so a verifier may take it from that server or from anywhere else
# that has the same bytes.
EXTENSION_PATH = "/contexts/eu-microcredential/v1.jsonld"
EXTENSION_FILE = "eu-microcredential-v1.jsonld"
_EXTENSION_URL = re.compile(r"https?://[^/?#\s]+(?:/[^?#\s]*)?" + re.escape(EXTENSION_PATH))
SERVED_FILES = {*CONTEXT_FILES.values(), EXTENSION_FILE}


def extension_url(base_url: str) -> str:
    """Where the issuing server at `base_url` publishes the extension context."""
    return base_url.rstrip("/") + EXTENSION_PATH


def is_extension_url(url: str) -> bool:
    return isinstance(url, str) and _EXTENSION_URL.fullmatch(url) is not None


@cache
def extension_bytes() -> bytes:
    return (resources.files("skillatlas.credentials") / "contexts" / EXTENSION_FILE).read_bytes()


@cache
def extension_sri() -> str:
    """The Subresource Integrity digest of the published extension context (`sha384-<base64>`)."""
    return "sha384-" + base64.b64encode(hashlib.sha384(extension_bytes()).digest()).decode()


def sri(data: bytes, algorithm: str) -> str:
    return f"{algorithm}-" + base64.b64encode(hashlib.new(algorithm, data).digest()).decode()


class UnknownContext(Exception):
    """A context that is not shipped with the package; it is never fetched."""


def file_for(url: str) -> str:
    """The shipped file of a context URL; the extension's for its URL on any server (the credential's
    digest says whether that server's copy is ours: `verify.check_contexts`)."""
    name = CONTEXT_FILES.get(url)
    if name is None and is_extension_url(url):
        name = EXTENSION_FILE
    if name is None:
        raise UnknownContext(f"unknown JSON-LD context {url!r} (contexts are never fetched)")
    return name


@cache
def _parsed(name: str) -> dict[str, Any]:
    return json.loads((resources.files("skillatlas.credentials") / "contexts" / name).read_text("utf-8"))


def context_document(url: str) -> dict[str, Any]:
    """The parsed context for a known URL (shared: do not change it)."""
    return _parsed(file_for(url))


def context_text(name: str) -> str:
    """The raw text of a shipped context file (for serving it)."""
    if name not in SERVED_FILES:
        raise UnknownContext(name)
    return (resources.files("skillatlas.credentials") / "contexts" / name).read_text("utf-8")


def document_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """pyld's loader: shipped contexts only; anything else raises (the network is never used)."""
    try:
        document = context_document(url)
    except UnknownContext as exc:
        raise jsonld.JsonLdError(
            str(exc), "jsonld.LoadDocumentError", code="loading document failed"
        ) from exc
    # "static": the document never changes, so pyld keeps the resolved (and processed) context for every
    # later document instead of loading and processing it again each time (most of the cost of signing).
    return {"contextUrl": None, "documentUrl": url, "document": copy.deepcopy(document), "tag": "static"}


class Processor(jsonld.JsonLdProcessor):
    """pyld's processor that remembers processed contexts across documents.

    pyld caches a processed context by the active context it was applied to, but a type-scoped context (Open
    Badges scopes one to each of its types) is applied to a fresh, uncached copy of the active context every
    time, so each Achievement, Alignment, Profile... of every credential processed the same context again:
    most of the cost of signing. Here a result is kept by (the active context, the local context, the flags)
    when the active context is a frozen (processed, immutable) one, so the same step is done once per process.
    A processed context depends on nothing else: the document loader serves only fixed, shipped contexts.
    """

    _shared: OrderedDict[tuple[Any, ...], tuple[Any, Any, Any]] = OrderedDict()
    _memo_size = 4096
    _lock = threading.Lock()

    def __init__(self, *, isolated: bool = False) -> None:
        """`isolated`: remember only for this processor (what anybody sends: nothing of one document stays
        in memory for the next); otherwise across documents (our own, when signing)."""
        super().__init__()
        self._memo = OrderedDict() if isolated else self._shared

    def _process_context(  # type: ignore[no-untyped-def]
        self,
        active_ctx,
        local_ctx,
        options,
        override_protected=False,
        propagate=True,
        validate_scoped=True,
        cycles=None,
    ):
        run = super()._process_context
        if not isinstance(active_ctx, frozendict) or "_uuid" not in active_ctx:
            return run(active_ctx, local_ctx, options, override_protected, propagate, validate_scoped, cycles)
        if isinstance(local_ctx, str):
            local_key: Any = local_ctx
        elif isinstance(local_ctx, list) and all(isinstance(c, str) for c in local_ctx):
            local_key = tuple(local_ctx)
        else:
            local_key = id(local_ctx)  # the same object: the identity is checked below
        key = (
            active_ctx["_uuid"],
            local_key,
            override_protected,
            propagate,
            validate_scoped,
            options.get("base"),
            options.get("processingMode"),
            options.get("documentLoader"),
        )
        with self._lock:
            hit = self._memo.get(key)
        if (
            hit is not None
            and hit[0] is active_ctx
            and (isinstance(local_key, (str, tuple)) or hit[1] is local_ctx)
        ):
            return hit[2]
        result = run(active_ctx, local_ctx, options, override_protected, propagate, validate_scoped, cycles)
        if isinstance(result, frozendict):
            with self._lock:
                self._memo[key] = (active_ctx, local_ctx, result)
                while len(self._memo) > self._memo_size:
                    self._memo.popitem(last=False)
        return result


def canonize(document: dict[str, Any]) -> str:
    """The RDFC-1.0 (URDNA2015) canonical N-Quads of a JSON-LD document.

    Raises jsonld.JsonLdError for an unknown context or a malformed document, and ValueError when a property
    or type is not defined by the contexts (it would silently drop out of the signed data otherwise).
    """
    options = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "documentLoader": document_loader,
        # No base IRI: a relative IRI stays relative and drops out, as in jsonld.js (pyld would resolve it
        # against http://example.org/base/ otherwise, and sign something no other verifier sees).
        "base": None,
    }
    return str(Processor().normalize(document, options))
