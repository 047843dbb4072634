"""Countries (ISO 3166-1 alpha-2) and NUTS region codes, as the EU's statistics use them."""

from __future__ import annotations

import re

import pycountry

EU_COUNTRIES: tuple[str, ...] = (
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
    "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
)  # fmt: skip

# NUTS codes use Eurostat's country codes, which differ from ISO for two countries.
_NUTS_PREFIX = {"GR": "EL", "GB": "UK"}
_NUTS_PATTERN = re.compile(r"^[A-Z]{2}[0-9A-Z]{0,3}$")


def normalise_country(code: str) -> str:
    """The upper-case ISO alpha-2 code, or ValueError naming the unknown code."""
    cleaned = code.strip().upper()
    if len(cleaned) != 2 or pycountry.countries.get(alpha_2=cleaned) is None:
        raise ValueError(f"unknown country code {code!r}: use an ISO 3166-1 alpha-2 code such as DE or RO")
    return cleaned


def country_name(code: str | None) -> str:
    """The country's English name, or the code itself when unknown."""
    if not code:
        return ""
    country = pycountry.countries.get(alpha_2=code)
    return country.name if country else code


def nuts_prefix(country: str) -> str:
    """The two letters that start every NUTS code of the country."""
    return _NUTS_PREFIX.get(country, country)


def normalise_nuts(code: str, country: str | None) -> str:
    """The upper-case NUTS code, checked for shape and for belonging to the country."""
    cleaned = code.strip().upper()
    if not _NUTS_PATTERN.match(cleaned):
        raise ValueError(f"malformed NUTS code {code!r}: two letters then up to three letters or digits")
    if country and not cleaned.startswith(nuts_prefix(country)):
        raise ValueError(f"NUTS code {cleaned} is not in country {country}")
    return cleaned
