"""Settings read from the environment (SKILLATLAS_*)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything that differs between a laptop, CI and production."""

    model_config = SettingsConfigDict(env_prefix="SKILLATLAS_", extra="ignore")

    data_dir: Path = Path("./data")
    database_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    # Large enough for a CSV import, small enough that a hostile body cannot exhaust memory.
    max_body_bytes: int = 20 * 1024 * 1024
    debug: bool = False
    # Build the matching and search indexes in the background at start (`serve` turns it on).
    warm_indexes: bool = False
    # Dense embeddings for search and skill extraction: "use-m3" (default, chosen by
    # bench/skill_extraction.py), "e5-small", or "none" for lexical (BM25) only.
    embedding_backend: str = "use-m3"

    @property
    def effective_database_url(self) -> str:
        """The configured URL, or the embedded SQLite file under the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'skillatlas.db').resolve()}"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings."""
    return Settings()
