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
    # Mail (skillatlas.mail): every message is written to the outbox table; with an SMTP URL it is also sent,
    # after the transaction that wrote it commits. smtp://user:password@host:587?starttls=1, or smtps://host
    # (TLS from the first byte); without one the office reads the outbox at /office/outbox.
    smtp_url: str | None = None
    mail_from: str = "SkillAtlas <noreply@localhost>"
    smtp_timeout: float = 10.0
    # The site's address as its users reach it, for links in mails (default: http://host:port); the same
    # SKILLATLAS_PUBLIC_URL that issued credentials point to (credentials/settings.py).
    public_url: str | None = None

    @property
    def site_url(self) -> str:
        """Where the site is reached, without a trailing slash: links in mails start with it."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

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
