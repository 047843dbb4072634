"""The menu: what each visitor and each role can use, asked of the one permission check.

Every domain adds its entries from its own `pages.py` with `add_nav`; the base layout shows, per group,
the entries whose `when` holds for the person looking (no entry is shown that its page would refuse).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from skillatlas.auth.models import Role
from skillatlas.auth.permissions import Principal, allowed

# Groups in the order the menu shows them.
GROUPS = ("Alliance", "Skills", "Mine", "Office")

When = Callable[[Principal], bool]
Href = str | Callable[[Principal, Any], str | None]


@dataclass(frozen=True, slots=True)
class NavEntry:
    label: str
    href: Href
    group: str
    when: When
    order: int = 50


NAV: list[NavEntry] = []


def everyone(actor: Principal) -> bool:
    return True


def logged_in(actor: Principal) -> bool:
    return actor.user_id is not None


def has_role(*roles: Role) -> When:
    return lambda actor: any(role in actor.roles() for role in roles)


def may(action: str, **facts: Any) -> When:
    """Shown to whoever the one permission check lets do `action` (with these facts)."""
    return lambda actor: allowed(actor, action, **facts)


def add_nav(label: str, href: Href, group: str, when: When = everyone, order: int = 50) -> None:
    """Adds a menu entry once (a module imported twice adds nothing)."""
    if group not in GROUPS:
        raise ValueError(f"unknown menu group {group!r}")
    if any(e.label == label and e.group == group for e in NAV):
        return
    NAV.append(NavEntry(label, href, group, when, order))


def menu(actor: Principal, user: Any = None) -> list[tuple[str, list[tuple[str, str]]]]:
    """[(group, [(label, href)])] for this person, groups without entries left out."""
    shown: list[tuple[str, list[tuple[str, str]]]] = []
    for group in GROUPS:
        entries = []
        for entry in sorted((e for e in NAV if e.group == group), key=lambda e: (e.order, e.label)):
            if not entry.when(actor):
                continue
            href = entry.href(actor, user) if callable(entry.href) else entry.href
            if href:
                entries.append((entry.label, href))
        if entries:
            shown.append((group, entries))
    return shown


def _workforce(actor: Principal, user: Any) -> str | None:
    slug = getattr(getattr(user, "organisation", None), "slug", None)
    return f"/organisations/{slug}/workforce" if slug else None


def _my_group(actor: Principal, user: Any) -> str | None:
    return "/groups" if actor.has(Role.GROUP_LEAD) else None


# --- the platform's own entries (domains add theirs from their pages.py) -----------------------------
add_nav("The alliance", "/", "Alliance", order=10)
add_nav("Groups", "/groups", "Alliance", order=20)
add_nav("Members", "/organisations", "Alliance", order=30)
add_nav("Events", "/events", "Alliance", order=40)
add_nav("KPIs", "/kpi", "Alliance", order=60)
add_nav("About", "/about", "Alliance", order=90)
add_nav("Skills", "/skills", "Skills", order=10)
add_nav("Occupations", "/occupations", "Skills", order=20)
add_nav("Job roles", "/roles", "Skills", order=30)
add_nav("Courses", "/courses", "Skills", order=40)
add_nav("Experts", "/experts", "Skills", order=50)
add_nav("Skills in a text", "/intelligence/extract", "Skills", order=60)
add_nav("Labour market", "/intelligence/demand", "Skills", order=70)
add_nav("Verify a credential", "/verify", "Skills", order=80)
add_nav("My home", "/home", "Mine", logged_in, order=1)
add_nav("My training path", "/my/path", "Mine", logged_in, order=30)
add_nav("My expert profile", "/experts/profile", "Mine", has_role(Role.EXPERT), order=50)
add_nav("Proposals to me", "/experts/proposals", "Mine", has_role(Role.EXPERT), order=51)
add_nav(
    "Expertise requests",
    "/experts/requests",
    "Mine",
    has_role(Role.ORGANISATION_MANAGER, Role.ALLIANCE_OFFICE),
    order=60,
)
add_nav("My workforce", _workforce, "Mine", has_role(Role.ORGANISATION_MANAGER), order=61)
add_nav("My account", "/account", "Mine", logged_in, order=90)
add_nav("My privacy", "/account/privacy", "Mine", logged_in, order=91)
add_nav("Audit log", "/audit", "Office", may("audit.read"), order=80)
add_nav("Experts and deployments", "/experts/office", "Office", has_role(Role.ALLIANCE_OFFICE), order=40)
add_nav("KPI import", "/kpi/import", "Office", has_role(Role.ALLIANCE_OFFICE), order=60)
add_nav("New organisation", "/organisations/new", "Office", has_role(Role.ALLIANCE_OFFICE), order=20)
add_nav("New event", "/events/new", "Office", may("event.open_form"), order=30)
