"""The picture of the credential an EDC carries (ELM's DisplayDetail): a PNG drawn with Pillow."""

from __future__ import annotations

import io
import textwrap

from PIL import Image, ImageDraw, ImageFont


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow without FreeType sizes
        return ImageFont.load_default()


def card_png(*, title: str, issuer: str, learner: str | None, issued_on: str, lines: list[str]) -> bytes:
    """An A4-landscape-shaped card (842 x 595 points as pixels): what a viewer shows for the credential."""
    image = Image.new("RGB", (842, 595), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((12, 12, 829, 582), outline=(0, 51, 153), width=4)
    y = 48
    draw.text((48, y), "European Digital Credential", fill=(0, 51, 153), font=_font(22))
    y += 48
    for part in textwrap.wrap(title, 48)[:3]:
        draw.text((48, y), part, fill="black", font=_font(30))
        y += 40
    y += 16
    if learner:
        draw.text((48, y), f"Awarded to {learner}", fill="black", font=_font(20))
        y += 34
    draw.text((48, y), f"Awarded by {issuer} on {issued_on}", fill="black", font=_font(20))
    y += 44
    for line in lines[:8]:
        for part in textwrap.wrap(line, 80)[:2]:
            draw.text((48, y), part, fill=(60, 60, 60), font=_font(16))
            y += 24
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
