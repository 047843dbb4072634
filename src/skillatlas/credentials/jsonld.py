"""JSON-LD without the network: contexts served from package files, RDF Dataset Canonicalization (RDFC-1.0)."""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib import resources
from typing import Any

from pyld import jsonld

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
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


class UnknownContext(Exception):
    """A context that is not shipped with the package; it is never fetched."""


@cache
def context_document(url: str) -> dict[str, Any]:
    """The parsed context for a known URL."""
    name = CONTEXT_FILES.get(url)
    if name is None:
        raise UnknownContext(f"unknown JSON-LD context {url!r} (contexts are never fetched)")
    return json.loads((resources.files("skillatlas.credentials") / "contexts" / name).read_text("utf-8"))


def context_text(name: str) -> str:
    """The raw text of a shipped context file (for serving it)."""
    if name not in CONTEXT_FILES.values():
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
    return {"contextUrl": None, "documentUrl": url, "document": copy.deepcopy(document)}


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
    return jsonld.normalize(document, options)
