"""A company's expertise request in a real browser: post, shortlist, propose; the expert accepts; feedback."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.alliance.models import Organisation
from skillatlas.auth.models import User
from skillatlas.auth.permissions import SYSTEM
from skillatlas.config import Settings
from skillatlas.db import unit_of_work
from skillatlas.experts import service
from skillatlas.experts.demo import load_demo_experts
from skillatlas.experts.models import ExpertiseRequest, Proposal, ProposalStatus
from skillatlas.experts.schemas import ExpertProfileIn
from skillatlas.people import service as people_service
from skillatlas.people.schemas import PersonSkillIn
from skillatlas.taxonomy import service as taxonomy
from tests.conftest import NOW
from tests.experts.conftest import BATTERY_DESIGN, BMS, FIXTURE

pytestmark = pytest.mark.browser

PASSWORD = "asa-demo-2026"  # the demo accounts' documented password
MANAGER = "manager@educam.example"  # Marc Manager, organisation manager of EDUCAM
EXPERT = "expert@asa-demo.eu"  # Eva Expert, employed by KIT (not the requester: she may be proposed)
TITLE = "Battery pack design review"
COMMENT = "Clear review, delivered on time."


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Lexical-only text matching, as in tests/experts: no embedding model to load in the server."""
    return Settings(database_url=database_url, data_dir=tmp_path, embedding_backend="none")


@pytest.fixture
def experts(sessions: sessionmaker[Session], demo: None) -> int:
    """Arranged, not clicked: the ESCO fixture, the demo's experts, and Eva Expert listed with battery skills.

    Returns Eva's person id.
    """
    with unit_of_work(sessions) as db:
        taxonomy.import_esco(db=db, directory=FIXTURE)
        assert load_demo_experts(db=db, now=NOW) > 0  # Greta Lindqvist has battery design in the fixture
        person_id = db.scalar(select(User.person_id).where(func.lower(User.email) == EXPERT))
        assert person_id is not None
        skills = [PersonSkillIn(uri=BATTERY_DESIGN, level="expert", source="assessed"),
                  PersonSkillIn(uri=BMS, level="practitioner")]  # fmt: skip
        people_service.set_skills(db=db, actor=SYSTEM, person_id=person_id, skills=skills)
        profile = ExpertProfileIn(
            headline="Battery pack engineer", bio="Reviews lithium-ion battery pack designs.",
            languages=[{"code": "en", "level": "C1"}, {"code": "de", "level": "native"}], countries=["DE", "BE"],
            availability=[{"starts_on": "2026-06-01", "ends_on": "2026-12-31", "days_per_month": 6}],
            day_rate_eur=900, sectors=["batteries"], consent=True,
        )  # fmt: skip
        service.save_profile(db=db, actor=SYSTEM, person_id=person_id, data=profile, now=NOW)
    return person_id


@pytest.fixture
def expert_context(browser_context: BrowserContext) -> Iterator[BrowserContext]:
    """A second, separate browser context (its own cookies) for the expert, beside the company's."""
    assert browser_context.browser is not None
    context = browser_context.browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    try:
        yield context
    finally:
        context.close()


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()  # the login has gone through


def test_request_shortlist_proposal_acceptance_and_feedback(
    experts: int, live_server: str, page: Page, expert_context: BrowserContext, db: Session, tmp_path: Path
) -> None:
    eva = experts
    pseudonym = f"Expert #{eva}"

    # The company's manager posts a request from the experts page.
    log_in(page, live_server, MANAGER)
    page.goto(f"{live_server}/experts")
    page.get_by_role("link", name="Post an expertise request").click()
    expect(page).to_have_url(f"{live_server}/experts/requests/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("Post an expertise request")
    expect(page.get_by_label("Requesting organisation")).to_have_value("educam")
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("What do you need?").fill("Review our lithium-ion battery pack design before tooling.")
    # the skill is picked by name with the keyboard, never typed as a URI
    page.get_by_label("Add a skill").fill("battery des")
    expect(page.get_by_role("option", name="battery design")).to_be_visible()
    page.get_by_label("Add a skill").press("ArrowDown")
    page.get_by_label("Add a skill").press("Enter")
    page.get_by_label("Level needed for battery design").select_option("practitioner")
    page.get_by_role("group", name="Working languages").get_by_label("English").check()
    page.get_by_label("Where").select_option("remote")
    page.get_by_role("button", name="Post and see the shortlist").click()

    # The ranked, pseudonymous shortlist, with the reasons of each match.
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page).to_have_url(re.compile(rf"^{re.escape(live_server)}/experts/requests/\d+$"))
    request_url = page.url
    entries = page.locator("ol.shortlist > li")
    expect(entries.first).to_be_visible()
    assert entries.count() >= 2  # Eva and the demo's battery engineer, Greta Lindqvist
    # each match in words and as a percentage, best first; no raw score
    scores = [int(s) for s in re.findall(r"match \((\d+)%\)", " ".join(entries.all_inner_texts()))]
    assert len(scores) == entries.count() and scores == sorted(scores, reverse=True)
    assert not re.search(r"\d\.\d\d", " ".join(entries.all_inner_texts()))
    eva_entry = entries.filter(has_text=pseudonym)
    expect(eva_entry).to_have_count(1)
    expect(eva_entry).to_contain_text("Battery pack engineer")
    expect(eva_entry.locator("ul li").first).to_be_visible()
    expect(eva_entry).to_contain_text("covers battery design at expert level (assessed)")
    expect(page.get_by_text("Eva Expert")).to_have_count(0)  # no name, no contact before she accepts
    expect(page.get_by_text(EXPERT)).to_have_count(0)
    expect(page.get_by_text("Nobody proposed yet.")).to_be_visible()

    eva_entry.get_by_role("button", name="Propose").click()
    proposals = page.locator("h2:has-text('Proposals') + table tbody tr")
    expect(proposals.filter(has_text=pseudonym)).to_contain_text("shared once accepted")
    expect(entries.filter(has_text=pseudonym).get_by_role("button", name="Propose")).to_have_count(0)
    page.screenshot(path=tmp_path / "proposed.png", full_page=True)

    # The expert, in her own browser context, sees the proposal and accepts it.
    expert_page = expert_context.new_page()
    log_in(expert_page, live_server, EXPERT)
    expert_page.goto(f"{live_server}/experts")
    expert_page.get_by_role("link", name="Proposals made to me").click()
    expect(expert_page).to_have_url(f"{live_server}/experts/proposals")
    card = expert_page.locator("section.proposal").filter(has_text=TITLE)
    expect(card.locator(".status")).to_have_text(re.compile("^proposed$", re.I))
    # who asks, and what, before answering; their contact only after
    expect(card).to_contain_text("EDUCAM")
    expect(card).to_contain_text("Review our lithium-ion battery pack design before tooling.")
    expect(card).not_to_contain_text(MANAGER)
    card.get_by_text("Why I was proposed").click()
    expect(card).to_contain_text("covers battery design")
    card.get_by_label(re.compile("^Message to")).fill("Happy to help in July.")
    card.get_by_role("button", name="Accept and share my contact").click()
    expect(card.locator(".status")).to_have_text(re.compile("^accepted$", re.I))
    expect(card).to_contain_text(f"Marc Manager · {MANAGER}")
    expect(expert_page.get_by_role("button", name="Accept and share my contact")).to_have_count(0)

    # The company sees her contact, marks her deployed, then completed with a rating and a comment.
    page.goto(request_url)
    proposal_row = proposals.filter(has_text=pseudonym)
    expect(proposal_row.locator(".status")).to_have_text(re.compile("^accepted$", re.I))
    expect(proposal_row).to_contain_text(f"Eva Expert · {EXPERT}")
    expect(proposal_row).to_contain_text("Happy to help in July.")
    proposal_row.get_by_role("button", name="Deployed").click()
    expect(proposal_row.locator(".status")).to_have_text(re.compile("^deployed$", re.I))
    expect(page).to_have_url(request_url)
    proposal_row.get_by_label("Rating").select_option("5")
    proposal_row.get_by_placeholder("Feedback").fill(COMMENT)
    proposal_row.get_by_role("button", name="Completed").click()
    expect(proposal_row).to_contain_text("rated 5/5")
    expect(proposal_row.get_by_role("button")).to_have_count(0)  # nothing left to do
    page.screenshot(path=tmp_path / "completed.png", full_page=True)

    expert_page.reload()
    expect(expert_page.locator("section.proposal").filter(has_text=TITLE)).to_contain_text("rated 5/5")

    request = db.scalars(select(ExpertiseRequest)).one()
    assert request.title == TITLE and request.organisation.slug == "educam"
    assert [(s["uri"], s["level"]) for s in request.skills] == [(BATTERY_DESIGN, "practitioner")]
    assert request.languages == ["en"]
    assert db.scalar(select(User.id).where(User.id == request.created_by_user_id, User.email == MANAGER))
    proposal = db.scalars(select(Proposal)).one()
    assert (proposal.request_id, proposal.person_id) == (request.id, eva)
    assert proposal.status == ProposalStatus.COMPLETED
    assert (proposal.rating, proposal.comment) == (5, COMMENT)
    assert [h["status"] for h in proposal.history] == ["proposed", "accepted", "deployed", "completed"]
    assert proposal.history[1]["message"] == "Happy to help in July."
    assert "covers battery design at expert level (assessed)" in proposal.reasons
    assert db.scalar(select(Organisation.slug).where(Organisation.id == request.organisation_id)) == "educam"
