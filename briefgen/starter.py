"""`briefgen new`: a commented starter case that builds as it is."""
from __future__ import annotations

import datetime
import re
from pathlib import Path
from string import Template

from briefgen.errors import BriefgenError

STARTER = Path(__file__).parent / "starter.md"


def starter_text(title: str, today: datetime.date) -> str:
    return Template(STARTER.read_text(encoding="utf-8")).substitute(
        title=title.replace('"', "'"),
        today=today.isoformat(),
        valid_until=(today + datetime.timedelta(days=30)).isoformat(),
    )


def write_starter(name: str, folder: Path, today: datetime.date | None = None) -> Path:
    """Write folder/NAME.md; refuse to overwrite anything."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", name):
        raise BriefgenError(f"'{name}' is not a usable case name; use letters, digits, - and _, e.g. office-lease")
    path = folder / f"{name}.md"
    title = name.replace("-", " ").replace("_", " ").capitalize()
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8") as file:
            file.write(starter_text(title, today or datetime.date.today()))
    except FileExistsError:
        raise BriefgenError(f"{path} exists already; choose another name or edit that file") from None
    return path
