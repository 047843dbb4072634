"""Writes ob_v3p0_achievementcredential_schema_vc2.json, the VC Data Model 2.0 edition of the Open Badges 3.0
AchievementCredential schema, from the official VC 1.1 edition beside it (see README.md for each change).

Run: .venv/bin/python -m skillatlas.credentials.schema.derive_vc2
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
SOURCE = HERE / "ob_v3p0_achievementcredential_schema.json"
TARGET = HERE / "ob_v3p0_achievementcredential_schema_vc2.json"
DATE_TIME = {"type": "string", "format": "date-time"}
CONTEXT = {
    "type": "array",
    "minItems": 2,
    "items": [
        {"enum": ["https://www.w3.org/ns/credentials/v2"]},
        {
            "type": "string",
            "pattern": "^https:\\/\\/purl\\.imsglobal\\.org\\/spec\\/ob\\/v3p0\\/context(-3\\.\\d\\.\\d)*\\.json$",
        },
    ],
    "additionalItems": {"$ref": "#/$defs/Context"},
}


def _vc2(credential: dict[str, Any]) -> None:
    """issuanceDate/expirationDate become validFrom/validUntil; the contexts are VC 2.0 then OB 3.0."""
    properties = credential["properties"]
    rebuilt: dict[str, Any] = {}
    for name, value in properties.items():
        if name == "issuanceDate":
            rebuilt["validFrom"] = dict(DATE_TIME)
        elif name == "expirationDate":
            rebuilt["validUntil"] = dict(DATE_TIME)
        elif name == "@context":
            rebuilt[name] = copy.deepcopy(CONTEXT)
        else:
            rebuilt[name] = value
    credential["properties"] = rebuilt
    credential["required"] = ["validFrom" if r == "issuanceDate" else r for r in credential["required"]]


def derive(source: dict[str, Any]) -> dict[str, Any]:
    schema = copy.deepcopy(source)
    _vc2(schema)
    _vc2(schema["$defs"]["EndorsementCredential"])
    # VC 2.0 allows several status entries (revocation and suspension): one object or a list of them.
    schema["properties"]["credentialStatus"] = {
        "oneOf": [
            {"$ref": "#/$defs/CredentialStatus"},
            {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/CredentialStatus"}},
        ]
    }
    return schema


def main() -> None:
    TARGET.write_text(json.dumps(derive(json.loads(SOURCE.read_text())), indent=1) + "\n")


if __name__ == "__main__":
    main()
