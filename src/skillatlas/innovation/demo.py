"""The demo's innovation question set and assessments (demo/data/innovation.yaml), through the service as SYSTEM."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from skillatlas.alliance.models import Organisation
from skillatlas.auth.permissions import SYSTEM
from skillatlas.innovation import service
from skillatlas.innovation.models import Assessment, QuestionSet
from skillatlas.innovation.schemas import AnswerIn, AssessmentStart, QuestionSetIn
from skillatlas.taxonomy.models import Skill
from skillatlas.validation import parse_input


def demo_data() -> dict[str, Any]:
    text = (resources.files("skillatlas.demo") / "data" / "innovation.yaml").read_text(encoding="utf-8")
    return dict(yaml.safe_load(text))


def load_demo_innovation(*, db: Session, now: dt.datetime | None = None) -> dict[str, int]:
    """Adds the question set (when there is none) and the assessments of organisations that have none yet."""
    now = now or dt.datetime.now(dt.UTC)
    data = demo_data()
    added: dict[str, int] = {}
    if db.scalar(select(QuestionSet.id).limit(1)) is None:
        spec = data["question_set"]
        clauses = []
        for c in spec["clauses"]:
            skills = []
            for s in c.get("skills", []):
                uri = db.scalar(
                    select(Skill.uri).where(Skill.preferred_label == s["label"]).order_by(Skill.uri).limit(1)
                )
                if uri is not None:  # a partial taxonomy (a test's ESCO extract) lacks the role's skills
                    skills.append({"uri": uri, "level": s["level"]})
            clauses.append({**{k: v for k, v in c.items() if k != "skills"}, "skills": skills})
        data_in = parse_input(QuestionSetIn, {**spec, "clauses": clauses})
        service.save_question_set(db=db, actor=SYSTEM, data=data_in)
        service.publish_question_set(db=db, actor=SYSTEM, now=now - dt.timedelta(days=500))
        added["innovation question set versions"] = 1
    count = 0
    for spec in data["assessments"]:
        org_id = db.scalar(select(Organisation.id).where(Organisation.slug == spec["organisation"]))
        if org_id is None or db.scalar(
            select(Assessment.id).where(Assessment.organisation_id == org_id).limit(1)
        ):
            continue
        for round_ in spec["rounds"]:
            done = now - dt.timedelta(days=round_["days_ago"])
            assessment = service.start(
                db=db, actor=SYSTEM, now=done - dt.timedelta(days=14),
                data=AssessmentStart(organisation=spec["organisation"], sector=spec["sector"], size=spec["size"]),
            )  # fmt: skip
            answers = []
            for clause in assessment.question_set.clauses:
                levels = round_["levels"][clause.clause.value]
                for question, level in zip(clause.questions, levels, strict=True):
                    answers.append(AnswerIn(question_id=question.id, level=level))
            service.save_answers(db=db, actor=SYSTEM, assessment_id=assessment.id, answers=answers)
            service.complete(db=db, actor=SYSTEM, assessment_id=assessment.id, now=done)
            count += 1
    if count:
        added["innovation self-assessments"] = count
    return added
