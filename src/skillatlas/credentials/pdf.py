"""The certificate as a PDF (fpdf2), with the verification QR code."""

from __future__ import annotations

import io
from typing import Any

import qrcode

from skillatlas.credentials import document


def _latin(text: str) -> str:
    # The core PDF fonts cover Latin-1; anything else is replaced rather than failing.
    return text.encode("latin-1", "replace").decode("latin-1")


def certificate_pdf(context: dict[str, Any]) -> bytes:
    """One A4 page: the learner, the achievement, the awarding body, the EU elements, the QR code."""
    from fpdf import FPDF

    credential, achievement, issuer = context["credential"], context["achievement"], context["issuer"]
    # Only a name the learner chose to show (in plain words); a hashed one is not printed.
    learner = context.get("learner") or "its holder"
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 22)
    pdf.multi_cell(0, 11, _latin(achievement["name"]), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", "", 13)
    pdf.multi_cell(0, 8, _latin(f"awarded to {learner}"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(
        0,
        8,
        _latin(f"by {issuer['name']} ({issuer['address'].get('addressCountry', '')})"),
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.multi_cell(
        0, 8, _latin(f"on {credential['validFrom'][:10]}"), align="C", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.ln(6)
    pdf.set_font("Helvetica", "", 10)
    eu = document.eu_elements(achievement)
    rows = [
        ("Learning outcomes", "; ".join(achievement.get("learningOutcome", []))),
        ("EQF level", str(eu["eqf_level"] or "")),
        (
            "Workload",
            f"{achievement.get('workloadHours', '')} hours"
            + (f", {eu['ects']} ECTS" if eu["ects"] is not None else ""),
        ),
        ("Assessment", str(achievement.get("assessmentType", "")).replace("_", " ")),
        ("Participation", str(achievement.get("participationForm", "")).replace("_", " ")),
        ("Quality assurance", str(achievement.get("qualityAssurance", ""))),
        ("Criteria", achievement.get("criteria", {}).get("narrative", "")),
        ("Credential", credential["id"]),
        ("Issuer", issuer["id"]),
    ]
    for label, value in rows:
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(40, 6, _latin(label))
        pdf.set_font("Helvetica", "", 10)
        pdf.multi_cell(0, 6, _latin(value), new_x="LMARGIN", new_y="NEXT")
    image = qrcode.make(context["verify_url"], box_size=6, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    buffer.seek(0)
    pdf.ln(4)
    pdf.image(buffer, x=80, w=50)
    pdf.set_font("Helvetica", "", 9)
    pdf.multi_cell(0, 5, _latin(f"Verify: {context['verify_url']}"), align="C", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
