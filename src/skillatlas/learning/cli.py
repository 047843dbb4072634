"""`skillatlas learning`: import courses, a person's gap and optimal training path (acts as SYSTEM)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn
from rich.table import Table

from skillatlas import limits
from skillatlas.auth.permissions import SYSTEM
from skillatlas.cli import console, friendly_errors, open_database
from skillatlas.db import unit_of_work
from skillatlas.errors import InvalidInput
from skillatlas.learning import plans, service
from skillatlas.learning.models import PlanState
from skillatlas.learning.schemas import (
    CourseIn,
    LearnerOutcomeIn,
    MilestoneIn,
    OutcomeIn,
    PathPreferences,
    PlanEdit,
    PlanIn,
)
from skillatlas.learning.workforce import workforce_gap
from skillatlas.validation import parse_input

app = typer.Typer(
    help="Training: courses, gap analysis, optimal training paths, development plans.", no_args_is_help=True
)
courses_app = typer.Typer(help="A provider's courses: save, edit, suggested skills, learners' results.",
                          no_args_is_help=True)  # fmt: skip
plans_app = typer.Typer(help="Development plans: list, show, create, each step, due dates, milestones, results.",
                        no_args_is_help=True)  # fmt: skip
app.add_typer(courses_app, name="course")
app.add_typer(plans_app, name="plans")


@app.command("import")
@friendly_errors
def import_courses(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV (UTF-8) or XLSX file."),
    provider: str = typer.Option(..., help="Slug of the training provider (an organisation)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check everything, save nothing."),
) -> None:
    """Import a provider's courses in one transaction: a bad row saves nothing."""
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), console=console, transient=True
    ) as progress:
        progress.add_task(f"importing {file.name}", total=None)
        try:
            with unit_of_work(open_database()) as db:
                report = service.import_file(
                    db=db, actor=SYSTEM, provider=provider, file=file, dry_run=dry_run
                )
        except service.ImportProblems as exc:
            progress.stop()
            console.print("Nothing was saved: fix these rows and import again.", soft_wrap=True)
            for row in exc.report.rows:
                for problem in row.problems:
                    console.print(f"line {row.line} ({row.code or 'no code'}): {problem}", highlight=False,
                                  soft_wrap=True)  # fmt: skip
            for problem in exc.report.problems:
                console.print(f"the file: {problem}", highlight=False, soft_wrap=True)
            raise
    verb = "would import" if dry_run else "imported"
    console.print(f"{verb} {report.created} new and {report.updated} updated courses of {provider}")


@app.command("path")
@friendly_errors
def path(
    person: int = typer.Option(..., "--person", help="The person's id."),
    role: str = typer.Option(..., "--role", help="The job role's slug."),
    version: int = typer.Option(None, "--version", help="Role version (default: the newest published)."),
    cost: str = typer.Option("price", help="price, hours or mix."),
    euro_per_hour: float = typer.Option(20.0, help="In the mix: euros per hour of study."),
    language: list[str] = typer.Option([], help="Accepted course languages (repeat)."),
    mode: list[str] = typer.Option([], help="Accepted modes: online, on_site, blended (repeat)."),
    country: list[str] = typer.Option([], help="Countries for on-site and blended courses (repeat)."),
    output: str = typer.Option("table", "--format", help="table or json."),
) -> None:
    """A person's gap against a role and the cheapest courses closing it.

    JSON: {"gap": {"readiness", "skills": [{"label", "required_level", "current_level", "status"}]},
    "courses": [{"code", "title", "cost", "why"}], "total_cost", "uncovered": [labels], ...}.
    """
    if output not in {"table", "json"}:
        raise InvalidInput("--format is table or json", field="format")
    prefs = parse_input(PathPreferences, {"cost": cost, "euro_per_hour": euro_per_hour, "languages": language,
                                          "modes": mode, "countries": country})  # fmt: skip
    with unit_of_work(open_database()) as db:
        result = service.path_for(
            db=db, actor=SYSTEM, person_id=person, role=role, version=version, prefs=prefs
        )
    if output == "json":
        typer.echo(result.model_dump_json(indent=2))
        return
    console.print(f"readiness for {role} v{result.gap.version}: [bold]{result.gap.readiness:.0%}[/bold]")
    table = Table("Skill", "Required", "Current", "Status")
    for s in result.gap.skills:
        table.add_row(
            s.label, s.required_level.value, s.current_level.value if s.current_level else "-", s.status.value
        )
    console.print(table)
    courses = Table("Course", "Title", "Cost", "Why")
    for c in result.courses:
        courses.add_row(c.code, c.title, f"{c.cost:g}", c.why)
    console.print(courses)
    console.print(f"total {result.cost_basis}: {result.total_cost:g} ({result.method}); uncovered: "
                  f"{', '.join(result.uncovered) or 'none'}")  # fmt: skip


@app.command("workforce")
@friendly_errors
def workforce(
    organisation: str = typer.Option(..., help="The employer's slug."),
    role: str = typer.Option(..., help="The job role's slug."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Gap analysis of an organisation's whole workforce: training demand per skill and course."""
    with unit_of_work(open_database()) as db:
        result = workforce_gap(db=db, actor=SYSTEM, organisation=organisation, role=role)
    if as_json:
        typer.echo(json.dumps(result.model_dump(mode="json"), indent=2))
        return
    console.print(
        f"{result.workers} workers, mean readiness {result.mean_readiness:.0%}, ready {result.ready}"
    )
    table = Table("Skill", "Level", "Workers with gap", "Course")
    for d in result.demand:
        table.add_row(d.label, d.required_level.value, str(d.workers_with_gap), d.course or "-")
    console.print(table)


# --- a provider's courses ----------------------------------------------------------------------------


def _course_json(file: Path) -> CourseIn:
    try:
        data = limits.loads(file.read_text(encoding="utf-8"), what=str(file), field="file")  # nesting first
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"{file} is not a JSON file: {exc}", field="file") from exc
    return parse_input(CourseIn, data)


@courses_app.command("save")
@friendly_errors
def course_save(
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="The course as JSON (as the API takes it)."
    ),
    provider: str = typer.Option(..., help="Slug of the training provider."),
) -> None:
    """Add a course, or update the provider's course with the same code."""
    data = _course_json(file)
    with unit_of_work(open_database()) as db:
        course = service.create_course(db=db, actor=SYSTEM, provider=provider, data=data)
        course_id = course.id
    console.print(f"saved course {data.code} of {provider} (id {course_id})")


@courses_app.command("edit")
@friendly_errors
def course_edit(
    course_id: int = typer.Argument(..., help="The course's id."),
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="The course as JSON; its code may change."
    ),
) -> None:
    """Change a course (suggested skills waiting for confirmation stay)."""
    data = _course_json(file)
    with unit_of_work(open_database()) as db:
        service.update_course(db=db, actor=SYSTEM, course_id=course_id, data=data)
    console.print(f"saved course {course_id}")


@courses_app.command("suggest-skills")
@friendly_errors
def course_suggest(course_id: int = typer.Argument(..., help="The course's id.")) -> None:
    """Suggest skills from the course's description; they wait for `confirm-skills`."""
    from skillatlas.config import get_settings
    from skillatlas.intelligence.engine import engine_for

    settings = get_settings()
    with unit_of_work(open_database()) as db:
        extractor = engine_for(settings.data_dir, settings.embedding_backend).skill_extractor(db)
        skills = service.suggest_skills(db=db, actor=SYSTEM, course_id=course_id, extractor=extractor)
    for s in skills:
        console.print(f"{'confirmed' if s.confirmed else 'suggested'}: {s.label} ({s.uri})", highlight=False)


@courses_app.command("confirm-skills")
@friendly_errors
def course_confirm(
    course_id: int = typer.Argument(..., help="The course's id."),
    keep: list[str] = typer.Option(
        [], "--keep", help="URI of a suggested skill to keep (repeat); the rest go."
    ),
) -> None:
    """Keep the named suggested skills, drop the other suggestions."""
    with unit_of_work(open_database()) as db:
        skills = service.confirm_skills(db=db, actor=SYSTEM, course_id=course_id, keep=keep)
    console.print(f"{len(skills)} skills confirmed")


@courses_app.command("learners")
@friendly_errors
def course_learners(
    course_id: int = typer.Argument(..., help="The course's id."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Who takes the course in an agreed development plan, with their results."""
    with unit_of_work(open_database()) as db:
        found = plans.course_learners(db=db, actor=SYSTEM, course_id=course_id)
    if as_json:
        typer.echo(json.dumps([row.model_dump(mode="json") for row in found], indent=2))
        return
    table = Table("Plan", "Learner", "Employer", "Plan state", "Due", "Result")
    for row in found:
        table.add_row(str(row.plan_id), row.worker_name, row.employer_name, row.plan_state.value.replace("_", " "),
                      str(row.due_on or "-"), row.outcome.value if row.outcome else "-")  # fmt: skip
    console.print(table)


@courses_app.command("result")
@friendly_errors
def course_result(
    course_id: int = typer.Argument(..., help="The course's id."),
    plan: int = typer.Option(..., "--plan", help="The learner's development plan."),
    outcome: str = typer.Option(..., help="passed or failed."),
    certificate: str = typer.Option("", help="The certificate's number."),
) -> None:
    """Record a learner's result on the course (the plan must be in progress)."""
    data = parse_input(LearnerOutcomeIn, {"outcome": outcome, "certificate": certificate})
    with unit_of_work(open_database()) as db:
        found = plans.record_learner_outcome(
            db=db, actor=SYSTEM, course_id=course_id, plan_id=plan, data=data
        )
        state = plans.state_words(found)
    console.print(f"recorded: {outcome}; the plan is {state}")


# --- development plans -------------------------------------------------------------------------------


@plans_app.command("list")
@friendly_errors
def plans_list(
    person: int = typer.Option(None, "--person", help="Only this person's plans."),
    organisation: str = typer.Option(None, "--organisation", help="Only the plans of this employer (slug)."),
    state: str = typer.Option(
        None, "--state", help="draft, proposed, agreed, in_progress, completed, abandoned."
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Development plans, newest change first."""
    from skillatlas.alliance import service as alliance_service

    states = {s.value: s for s in PlanState}
    if state and state not in states:
        raise InvalidInput(f"--state is one of: {', '.join(states)}", field="state")
    kind = states[state] if state else None
    with unit_of_work(open_database()) as db:
        organisation_id = (
            alliance_service.get_organisation(db=db, slug=organisation).id if organisation else None
        )
        found = plans.list_plans(db=db, actor=SYSTEM, state=kind, person_id=person,
                                 organisation_id=organisation_id)  # fmt: skip
    if as_json:
        typer.echo(json.dumps([p.model_dump(mode="json") for p in found], indent=2))
        return
    table = Table("Plan", "Worker", "Employer", "Towards", "State", "Waiting for", "Passed")
    for p in found:
        table.add_row(str(p.id), p.worker_name, p.employer_name, p.role_title, p.state.value.replace("_", " "),
                      p.waiting_for, f"{p.passed} of {p.courses}")  # fmt: skip
    console.print(table)


def _show(plan_id: int, as_json: bool = False) -> None:
    with unit_of_work(open_database()) as db:
        read = plans.plan_read(db=db, plan=plans.get_plan(db=db, actor=SYSTEM, plan_id=plan_id))
    if as_json:
        typer.echo(read.model_dump_json(indent=2))
        return
    console.print(f"plan {read.id}: {read.worker_name} ({read.employer_name}) towards {read.role_title} "
                  f"v{read.version}: {read.state.value.replace('_', ' ')}", highlight=False)  # fmt: skip
    console.print(
        f"worker agreed: {read.worker_agreed_at or 'no'}; employer agreed: {read.employer_agreed_at or 'no'}"
    )
    table = Table("Course", "Code", "Title", "Due", "Result")
    for c in read.courses:
        table.add_row(str(c["course_id"]), str(c["code"]), str(c["title"]), str(c["due_on"] or "-"),
                      str(c["outcome"] or "-"))  # fmt: skip
    console.print(table)
    for index, m in enumerate(read.milestones):
        done = f", done {m.done_on}" if m.done_on else ""
        console.print(
            f"milestone {index}: {m.title}{f', due {m.due_on}' if m.due_on else ''}{done}", highlight=False
        )


@plans_app.command("show")
@friendly_errors
def plans_show(plan_id: int = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    """One plan: its courses with due dates and results, its milestones."""
    _show(plan_id, as_json)


@plans_app.command("create")
@friendly_errors
def plans_create(
    person: int = typer.Option(..., "--person", help="The worker's person id."),
    role: str = typer.Option(..., "--role", help="The job role's slug."),
    version: int = typer.Option(None, "--version", help="Role version (default: the newest published)."),
    course: list[int] = typer.Option([], "--course", help="A course id, in order (repeat)."),
    goals: str = typer.Option("", "--goals"),
    trainer: int = typer.Option(None, "--trainer", help="The trainer's person id."),
) -> None:
    """A draft plan (one open plan per worker and role)."""
    data = parse_input(PlanIn, {"person_id": person, "role": role, "version": version, "courses": course,
                                "goals": goals, "trainer_person_id": trainer})  # fmt: skip
    with unit_of_work(open_database()) as db:
        made = plans.create_plan(db=db, actor=SYSTEM, data=data)
        plan_id = made.id
    console.print(f"created plan {plan_id} (draft)")


@plans_app.command("step")
@friendly_errors
def plans_step(
    plan_id: int = typer.Argument(...),
    action: str = typer.Argument(..., help="propose, agree, withdraw, start or abandon."),
    side: str = typer.Option(None, "--side", help="For agree: worker or employer."),
) -> None:
    """Take a plan a step further (the CLI acts for the platform: name the side that agrees)."""
    steps = {"propose": plans.propose, "agree": plans.agree, "withdraw": plans.withdraw, "start": plans.start,
             "abandon": plans.abandon}  # fmt: skip
    if action not in steps:
        raise InvalidInput("the step is propose, agree, withdraw, start or abandon", field="action")
    if action == "agree" and side not in {"worker", "employer"}:
        raise InvalidInput("--side worker or --side employer: who agrees", field="side")
    with unit_of_work(open_database()) as db:
        found = (plans.agree(db=db, actor=SYSTEM, plan_id=plan_id, side=side) if action == "agree"
                 else steps[action](db=db, actor=SYSTEM, plan_id=plan_id))  # fmt: skip
        state = plans.state_words(found)
    console.print(f"plan {plan_id} is {state}")


@plans_app.command("due")
@friendly_errors
def plans_due(
    plan_id: int = typer.Argument(...),
    course: int = typer.Option(..., "--course", help="The course's id."),
    on: str = typer.Option(..., "--on", help="The due date (2026-09-01), or none."),
) -> None:
    """Set (or clear) the date a course of the plan is due."""
    data = parse_input(PlanEdit, {"due_dates": {course: None if on.lower() == "none" else on}})
    with unit_of_work(open_database()) as db:
        plans.edit_plan(db=db, actor=SYSTEM, plan_id=plan_id, data=data)
    console.print(f"course {course} of plan {plan_id} is due {on}")


@plans_app.command("milestone")
@friendly_errors
def plans_milestone(
    plan_id: int = typer.Argument(...),
    title: str = typer.Option(..., "--title"),
    due: str = typer.Option(None, "--due", help="The due date (2026-09-01)."),
) -> None:
    """Add a milestone."""
    new = parse_input(MilestoneIn, {"title": title, "due_on": due})
    with unit_of_work(open_database()) as db:
        found = plans.get_plan(db=db, actor=SYSTEM, plan_id=plan_id)
        current = [MilestoneIn(**m) for m in found.milestones or []]
        plans.edit_plan(db=db, actor=SYSTEM, plan_id=plan_id, data=PlanEdit(milestones=[*current, new]))
    console.print(f"milestone added to plan {plan_id}")


@plans_app.command("tick")
@friendly_errors
def plans_tick(
    plan_id: int = typer.Argument(...),
    index: int = typer.Argument(..., help="The milestone's number, from 0 (see `plans show`)."),
    undo: bool = typer.Option(False, "--undo", help="Mark it not done."),
) -> None:
    """Mark a milestone done today (or not done)."""
    with unit_of_work(open_database()) as db:
        plans.tick_milestone(db=db, actor=SYSTEM, plan_id=plan_id, index=index, done=not undo)
    console.print(f"milestone {index} of plan {plan_id} is {'not done' if undo else 'done'}")


@plans_app.command("result")
@friendly_errors
def plans_result(
    plan_id: int = typer.Argument(...),
    course: int = typer.Option(..., "--course", help="The course's id."),
    outcome: str = typer.Option(..., help="passed or failed."),
    certificate: str = typer.Option("", help="The certificate's number."),
) -> None:
    """Record a course's result in a running plan."""
    data = parse_input(OutcomeIn, {"course_id": course, "outcome": outcome, "certificate": certificate})
    with unit_of_work(open_database()) as db:
        found = plans.record_outcome(db=db, actor=SYSTEM, plan_id=plan_id, data=data)
        state = plans.state_words(found)
    console.print(f"recorded: {outcome}; the plan is {state}")
