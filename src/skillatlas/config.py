"""Settings read from the environment (SKILLATLAS_*)."""

from __future__ import annotations

from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _networks(value: str) -> tuple[IPv4Network | IPv6Network, ...]:
    try:
        return tuple(ip_network(part.strip(), strict=False) for part in value.split(",") if part.strip())
    except ValueError as exc:
        raise ValueError(
            f"SKILLATLAS_TRUSTED_PROXIES: {exc} (addresses or networks, comma-separated)"
        ) from exc


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
    # Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed: comma-separated addresses or
    # networks ("127.0.0.1, 10.0.0.0/8"). None by default: then the address a request came from is the
    # peer's, whatever headers it sends (the login throttle and the audit log depend on it).
    trusted_proxies: str = ""

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_parse(cls, value: str) -> str:
        _networks(value)  # a typo fails at start, not silently at the first request
        return value

    @property
    def trusted_proxy_networks(self) -> tuple[IPv4Network | IPv6Network, ...]:
        """SKILLATLAS_TRUSTED_PROXIES as networks (a single address is a /32 or /128)."""
        return _networks(self.trusted_proxies)

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
