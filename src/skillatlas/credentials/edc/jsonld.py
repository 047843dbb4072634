"""The EDC's JSON-LD offline: the two contexts it names are served from files shipped in this package.

`credentials-v1.jsonld` is the W3C VC 1.1 context (W3C, as the npm package `credentials-context` ships it),
`edc-ap-context.jsonld` the one that `http://data.europa.eu/snb/model/context/edc-ap` names (European
Learning Model v3, EUPL 1.2, `elm/LICENSE`). Nothing is fetched: any other context is refused.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib import resources
from typing import Any

from pyld import jsonld

VC_V1 = "https://www.w3.org/2018/credentials/v1"
EDC_AP = "http://data.europa.eu/snb/model/context/edc-ap"
CONTEXT = [VC_V1, EDC_AP]
CONTEXT_FILES = {VC_V1: "credentials-v1.jsonld", EDC_AP: "edc-ap-context.jsonld"}


@cache
def context_document(url: str) -> dict[str, Any]:
    name = CONTEXT_FILES.get(url)
    if name is None:
        raise jsonld.JsonLdError(
            f"unknown JSON-LD context {url!r} (contexts are never fetched)",
            "jsonld.LoadDocumentError",
            code="loading document failed",
        )
    return json.loads((resources.files("skillatlas.credentials.edc") / "elm" / name).read_text("utf-8"))


def document_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """pyld's loader: the vendored contexts only."""
    return {"contextUrl": None, "documentUrl": url, "document": copy.deepcopy(context_document(url))}


def to_nquads(document: dict[str, Any]) -> str:
    """The document's RDF as N-Quads (offline); raises pyld's JsonLdError on an unknown context."""
    return jsonld.to_rdf(
        document, {"format": "application/n-quads", "documentLoader": document_loader, "base": None}
    )


def to_graph(document: dict[str, Any]) -> Any:
    """The document as an rdflib Graph (for SHACL checks); rdflib is there where pyshacl is installed."""
    from rdflib import Graph

    # One default graph: its N-Quads are N-Triples.
    return Graph().parse(data=to_nquads(document), format="nt")
