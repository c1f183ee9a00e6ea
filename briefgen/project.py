"""The project: the folder briefgen runs in, its `briefgen.toml` and its theme.

A project restyles the documents without forking briefgen. Its theme folder
(`templates/` unless the config names another) overrides the built-in
templates and their assets one file at a time; the config sets the page
size, the default locale and the organisation's name and logo. Everything
is optional: a folder with no config builds with the built-in theme.
"""
from __future__ import annotations

import base64
import difflib
import hashlib
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from briefgen.case import known_locale
from briefgen.errors import CaseError, Problem

TEMPLATES = Path(__file__).parent / "templates"  # briefgen's own theme
CONFIG = "briefgen.toml"
DEFAULT_THEME = "templates"
LOGO_TYPES = {"SVG": "image/svg+xml", "PNG": "image/png", "JPEG": "image/jpeg"}
MAX_LOGO_BYTES = 1_000_000
PAGE_SIZES = {"a4": "A4", "letter": "letter"}


@dataclass(frozen=True)
class Project:
    """What a project sets; the defaults are briefgen's own theme."""

    root: Path = Path(".")
    config: Path | None = None
    theme: Path | None = None  # a folder whose files override the built-in templates
    page_size: str | None = None  # "A4" or "letter"; None: by each case's locale
    locale: str | None = None  # the team's: briefs and write-ups, and offer sheets whose case sets none
    organisation: str | None = None
    logo: str | None = None  # a data: URL, so PDFs and emailed sheets carry it inline

    def fingerprint(self) -> bytes:
        """The bytes of every project file a document depends on, for incremental builds."""
        digest = hashlib.sha256(repr((self.page_size, self.locale, self.organisation, self.logo)).encode())
        if self.theme:
            hash_files(digest, self.theme, "**/*")
        return digest.digest()


def hash_files(digest, folder: Path, pattern: str = "*") -> None:
    """Add each regular file in `folder` matching `pattern` to `digest`: its name and bytes, in name order."""
    for file in sorted(folder.glob(pattern)) if folder.is_dir() else ():
        if file.is_file():
            digest.update(str(file.relative_to(folder)).encode() + b"\0" + file.read_bytes() + b"\0")


class Settings(BaseModel):
    """briefgen.toml, as written."""

    model_config = ConfigDict(extra="forbid", strict=True)

    theme: str | None = None
    page_size: str | None = None
    locale: str | None = None
    organisation: str | None = None
    logo: str | None = None

    @field_validator("page_size")
    @classmethod
    def _known_size(cls, size: str | None) -> str | None:
        if size is not None and size.lower() not in PAGE_SIZES:
            raise ValueError(f"page_size '{size}' is not one briefgen knows; use \"A4\" or \"letter\"")
        return PAGE_SIZES[size.lower()] if size else None

    @field_validator("locale")
    @classmethod
    def _known_locale(cls, locale: str | None) -> str | None:
        return locale and known_locale(locale)

    @field_validator("organisation")
    @classmethod
    def _short_name(cls, name: str | None) -> str | None:
        if name is not None and not 0 < len(name.strip()) <= 200:
            raise ValueError("organisation must be a name of 1 to 200 characters")
        return name and name.strip()


def find_root(start: Path) -> Path:
    """The project a folder belongs to: the nearest folder at or above `start` that holds
    briefgen.toml or cases/ (the current folder if none does), relative to the current
    folder, so that messages quote paths as people type them."""
    start = start.resolve()
    for folder in [start, *start.parents]:
        if (folder / CONFIG).is_file() or (folder / "cases").is_dir():
            return Path(os.path.relpath(folder))
    return Path(".")


def load_project(root: Path = Path(".")) -> Project:
    """The project at `root`: its briefgen.toml (if any) checked, its paths resolved.

    Raises CaseError with every problem, each at its line in briefgen.toml.
    """
    path = root / CONFIG
    default_theme = root / DEFAULT_THEME
    if not path.is_file():
        theme, trouble = _theme(root, None)
        if trouble:
            raise CaseError([Problem(str(default_theme), 1, 1, trouble)])
        if problems := _stylesheet_problems(theme):
            raise CaseError(problems)
        return Project(root=root, theme=theme)
    shown = str(path)
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        written = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        where = re.search(r"\(at line (\d+), column (\d+)\)", str(error))
        line, column = (int(where[1]), int(where[2])) if where else (1, 1)
        message = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(error))
        raise CaseError([Problem(shown, line, column, f"TOML: {message}; see the README's section on briefgen.toml")]) from None
    problems = []
    try:
        settings = Settings.model_validate(written)
    except ValidationError as error:
        problems = [_problem(shown, text, e) for e in error.errors()]
        broken = {e["loc"][0] for e in error.errors() if e["loc"]}
        settings = Settings.model_construct(**{k: v for k, v in written.items() if k in Settings.model_fields and k not in broken})
    theme, trouble = _theme(root, settings.theme)
    if trouble:
        problems.append(Problem(shown, _line_of(text, "theme"), 1, f"theme: {trouble}"))
    logo = None
    if settings.logo is not None:
        logo, trouble = _logo(root, settings.logo)
        if trouble:
            problems.append(Problem(shown, _line_of(text, "logo"), 1, f"logo: {trouble}"))
    problems += _stylesheet_problems(theme)
    if problems:
        raise CaseError(problems)
    return Project(root=root, config=path, theme=theme, page_size=settings.page_size, locale=settings.locale,
                   organisation=settings.organisation, logo=logo)


def _stylesheet_problems(theme: Path | None) -> list[Problem]:
    """A theme's stylesheet that does not load is a problem of the project, found before any build."""
    if theme is None:
        return []
    from briefgen.render import stylesheet_problems

    return stylesheet_problems(theme)


def _theme(root: Path, written: str | None) -> tuple[Path | None, str | None]:
    """The theme folder, absolute (compiled templates are cached by it, per process), or what
    is wrong with it. A theme may come from anyone: it must be a folder inside the project."""
    folder = root / (written if written is not None else DEFAULT_THEME)
    if not folder.is_dir():
        missing = f"there is no folder '{written}' (relative to {root}); create it or fix the path"
        return None, missing if written is not None else None
    if not _inside(root, folder):
        return None, (f"'{written or DEFAULT_THEME}' is {folder.resolve()}, outside the project folder; a theme must be "
                      "a folder inside the project: copy it in and name it relative to briefgen.toml")
    return folder.resolve(), None


def _inside(root: Path, path: Path) -> bool:
    """Whether `path`, links followed, is inside the project folder (the folder itself counts)."""
    return path.resolve().is_relative_to(root.resolve())


def _logo(root: Path, written: str) -> tuple[str | None, str | None]:
    """The logo as a data: URL, or what is wrong with it. Like the theme it must be a
    regular file inside the project, and an image by its content, whatever its name."""
    path = root / written
    if not _inside(root, path):
        return None, (f"'{written}' is outside the project folder; the logo must be a file inside the project: "
                      "copy it in and name it relative to briefgen.toml")
    if not path.resolve().is_file():
        return None, f"there is no file '{written}'; logo paths are relative to the folder briefgen.toml is in"
    with path.open("rb") as file:
        content = file.read(MAX_LOGO_BYTES + 1)
    if len(content) > MAX_LOGO_BYTES:
        return None, f"'{written}' is over {MAX_LOGO_BYTES:,} bytes; a logo may be at most {MAX_LOGO_BYTES:,}"
    kind = image_kind(content)
    if kind is None:
        return None, f"'{written}' is not an SVG, PNG or JPEG image (by its content, whatever its name); use one of those"
    return f"data:{LOGO_TYPES[kind]};base64,{base64.b64encode(content).decode()}", None


EMAIL_LOGO_HEIGHT = 80  # pixels: twice the 40 the email shows, sharp on high-density screens


def email_logo(project: Project) -> str | None:
    """The logo for an email body: an SVG drawn as a PNG, since the common mail clients show
    no SVG; PNG and JPEG, which they all show, as they are. CairoSVG (by WeasyPrint's makers)
    draws it in its safe mode: no entities, and nothing the SVG names is fetched."""
    if not project.logo or not project.logo.startswith(f"data:{LOGO_TYPES['SVG']};"):
        return project.logo
    import cairosvg

    try:
        png = cairosvg.svg2png(bytestring=base64.b64decode(project.logo.partition(",")[2]), output_height=EMAIL_LOGO_HEIGHT)
    except Exception as error:  # noqa: BLE001 (CairoSVG raises what its parser and cairo raise)
        line = _line_of(project.config.read_text(encoding="utf-8", errors="replace"), "logo") if project.config else 1
        raise CaseError([Problem(str(project.config or CONFIG), line, 1, (
            f"logo: the SVG cannot be drawn as a PNG for the email ({type(error).__name__}: {error}); "
            "fix the SVG, or use a PNG logo"))]) from None
    return f"data:{LOGO_TYPES['PNG']};base64,{base64.b64encode(png).decode()}"


def image_kind(content: bytes) -> str | None:
    """"SVG", "PNG" or "JPEG" by the bytes (Pillow reads the raster formats), or None."""
    import io
    import xml.etree.ElementTree as ElementTree

    from PIL import Image

    try:
        with Image.open(io.BytesIO(content), formats=("PNG", "JPEG")) as image:
            image.verify()
            return image.format
    except Exception:  # noqa: BLE001 (a broken image raises any of a dozen kinds in Pillow)
        pass
    try:  # expat refuses entity expansion bombs; an SVG is XML whose root is <svg>
        root = ElementTree.fromstring(content)
    except (ElementTree.ParseError, ValueError):
        return None
    return "SVG" if root.tag in ("svg", "{http://www.w3.org/2000/svg}svg") else None


def _problem(path: str, text: str, error: dict) -> Problem:
    key = str(error["loc"][0]) if error["loc"] else ""
    if error["type"] == "extra_forbidden":
        hint = difflib.get_close_matches(key, Settings.model_fields, n=1, cutoff=0.6)
        advice = f"did you mean '{hint[0]}'?" if hint else f"the settings are {', '.join(Settings.model_fields)}"
        message = f"unknown setting '{key}'; {advice}"
    elif error["type"] == "string_type":
        message = f"{key} must be text in quotes, like {key} = \"...\""
    else:
        message = error["msg"].removeprefix("Value error, ")
    return Problem(path, _line_of(text, key), 1, message)


def _line_of(text: str, key: str) -> int:
    """The line that sets `key` (briefgen.toml is flat: one setting per line)."""
    pattern = re.compile(rf"""^\s*(["']?){re.escape(key)}\1\s*=""")
    return next((n for n, line in enumerate(text.splitlines(), start=1) if pattern.match(line)), 1)
