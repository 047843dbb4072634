"""Where credentials point to: the platform's public address (SKILLATLAS_PUBLIC_URL) and the data directory."""

from __future__ import annotations

import os

from skillatlas.config import Settings
from skillatlas.credentials.service import Issuing

PUBLIC_URL_ENV = "SKILLATLAS_PUBLIC_URL"


def issuing_for(settings: Settings) -> Issuing:
    """Status-list URLs and did:web use SKILLATLAS_PUBLIC_URL (e.g. https://skills.example.org); without it,
    the address `serve` listens on. Keep it stable: it is written into every credential issued."""
    base = os.environ.get(PUBLIC_URL_ENV) or f"http://{settings.host}:{settings.port}"
    return Issuing(base_url=base.rstrip("/"), data_dir=settings.data_dir)
