"""The load test's attacker: a client that keeps sending the worst documents the limits still let in.

Run by `bench/load_test.py --attacker` beside locust's 50 users, as a process of its own (so that locust's
statistics hold only the users' requests, and the attacker's seconds are counted apart):

- the worst verification documents anybody may send to `POST /api/credentials/verify` without logging in:
  a credential whose blank nodes cannot be told apart from their own statements (as many as
  `limits.MAX_ALIKE_BLANK_NODES` allows: canonicalisation compares them by permutation), and a credential as
  large as `limits.MAX_CREDENTIAL_BYTES` allows, made of as many statements as fit;
- the worst workbook an organisation's staff may upload: an .xlsx with just under
  `limits.MAX_SPREADSHEET_CELLS` cells, sent to the KPI events import (dry run), which reads all of it
  before it refuses the rows.

Each sender runs in a thread of its own and sends its next document as soon as the last one is answered.
An answer is expected: 200 (verified or not), or the 4xx that names a limit or the rows' problems; a 5xx
or a dropped connection counts as a failure. Prints one JSON object when the time is up.

Usage: python -m bench.load.attacker BASE_URL MANIFEST DURATION_S
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx2 as httpx


def alike_nodes_credential(n: int) -> bytes:
    """n blank nodes, each linked to all the others by one property, so that none can be told from another
    (issue 18's 8-node document took 73 s; the limit lets `n` through)."""
    from skillatlas.credentials import jsonld, keys

    multikey = keys.public_multikey(keys.new_private_key().public_key())
    did = f"did:key:{multikey}"
    nodes = [{"id": f"_:b{i}", "aud": [f"_:b{j}" for j in range(n) if j != i]} for i in range(n)]
    return _credential(did, multikey, nodes, jsonld)


def largest_credential(size: int) -> bytes:
    """A credential just under `size` bytes made of as many statements as fit (one IRI each)."""
    from skillatlas.credentials import jsonld, keys

    multikey = keys.public_multikey(keys.new_private_key().public_key())
    did = f"did:key:{multikey}"
    subject: dict[str, Any] = {"id": "urn:uuid:subject", "aud": []}
    empty = len(_credential(did, multikey, [subject], jsonld))
    room = size - empty - 64
    subject["aud"] = [f"urn:x:{i}" for i in range(room // 12)]  # '"urn:x:1234", ' is about 12 bytes
    while len(document := _credential(did, multikey, [subject], jsonld)) > size - 16:
        subject["aud"] = subject["aud"][: -max(1, len(subject["aud"]) // 100)]
    return document


def _credential(did: str, multikey: str, subjects: list[dict[str, Any]], jsonld: Any) -> bytes:
    from skillatlas.credentials import keys

    return json.dumps(
        {
            "@context": [jsonld.VC_V2, jsonld.OB_V3],
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": {"id": did, "type": ["Profile"], "name": "x"},
            "validFrom": "2026-01-01T00:00:00Z",
            "credentialSubject": subjects,
            "proof": {
                "type": "DataIntegrityProof",
                "cryptosuite": "eddsa-rdfc-2022",
                "created": "2026-01-01T00:00:00Z",
                "verificationMethod": f"{did}#{multikey}",
                "proofPurpose": "assertionMethod",
                "proofValue": "z" + keys.b58encode(bytes(64)),
            },
        },
        separators=(",", ":"),
    ).encode()


def largest_workbook(cells: int) -> bytes:
    """An .xlsx of 20 columns and as many rows as keep it within `cells` (header included)."""
    from bench.load.workbooks import xlsx

    columns = 20
    header = (
        "<row>"
        + "".join(f'<c t="inlineStr"><is><t>column{i}</t></is></c>' for i in range(columns))
        + "</row>"
    )
    row = "<row>" + "<c><v>1</v></c>" * columns + "</row>"
    return xlsx(header + row * (cells // columns - 2))


def payloads() -> dict[str, bytes]:
    """The worst documents the current limits let in (built once, before the run)."""
    from skillatlas import limits

    return {
        "verify: alike blank nodes": alike_nodes_credential(limits.MAX_ALIKE_BLANK_NODES),
        "verify: largest credential": largest_credential(limits.MAX_CREDENTIAL_BYTES),
        "import: largest workbook": largest_workbook(limits.MAX_SPREADSHEET_CELLS),
    }


class Sender(threading.Thread):
    def __init__(self, base: str, manifest: dict[str, Any], kinds: list[str], docs: dict[str, bytes],
                 until: float) -> None:  # fmt: skip
        super().__init__(daemon=True)
        self.base, self.kinds, self.docs, self.until = base, kinds, docs, until
        self.office = {"Authorization": f"Bearer {manifest['office_token']}"}
        self.results: dict[str, dict[str, Any]] = {
            k: {"sent": 0, "statuses": {}, "seconds": []} for k in kinds
        }

    def send(self, client: httpx.Client, kind: str) -> httpx.Response:
        if kind.startswith("verify"):
            return client.post("/api/credentials/verify", content=self.docs[kind],
                               headers={"Content-Type": "application/json"})  # fmt: skip
        return client.post("/api/kpi/events/import", params={"dry_run": True}, headers=self.office,
                           files={"file": ("events.xlsx", self.docs[kind], "application/octet-stream")})  # fmt: skip

    def run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=120) as client:
            turn = 0
            while time.monotonic() < self.until:
                kind = self.kinds[turn % len(self.kinds)]
                turn += 1
                started = time.perf_counter()
                try:
                    status = str(self.send(client, kind).status_code)
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                result = self.results[kind]
                result["sent"] += 1
                result["statuses"][status] = result["statuses"].get(status, 0) + 1
                result["seconds"].append(round(time.perf_counter() - started, 3))


def main() -> None:
    base, manifest_path, duration = sys.argv[1], Path(sys.argv[2]), float(sys.argv[3])
    manifest = json.loads(manifest_path.read_text())
    docs = payloads()
    until = time.monotonic() + duration
    senders = [
        Sender(base, manifest, ["verify: alike blank nodes", "verify: largest credential"], docs, until),
        Sender(base, manifest, ["import: largest workbook"], docs, until),
    ]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    results: dict[str, Any] = {}
    for sender in senders:
        for kind, result in sender.results.items():
            seconds = sorted(result.pop("seconds"))
            failures = sum(n for s, n in result["statuses"].items() if not s.isdigit() or s.startswith("5"))
            results[kind] = {
                **result,
                "bytes": len(docs[kind]),
                "failures": failures,
                "median_s": seconds[len(seconds) // 2] if seconds else None,
                "max_s": seconds[-1] if seconds else None,
            }
    print(json.dumps(results))


if __name__ == "__main__":
    main()
