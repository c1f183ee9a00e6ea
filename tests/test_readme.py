"""The README's examples work when pasted: read from the README itself, the case, the rule
file and briefgen.toml pass `briefgen check` together, the Quickstart's commands run, and
every message the README shows is one briefgen prints."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from conftest import HIRING, run, write
from test_messages import CASE, CONDITION_SLIPS, YAML_SLIPS, condition, problems

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
BLOCKS = [(language, text) for language, text in re.findall(r"^```(\w*)\n(.*?)^```$", README, re.M | re.S)]
MESSAGE = re.compile(r"^\S+:\d+:\d+: .+$")


def blocks(language: str, starting: str = "") -> list[str]:
    return [text for lang, text in BLOCKS if lang == language and text.startswith(starting)]


@pytest.fixture
def readme_project(here):
    """A project made of the README's own examples, pasted as they are."""
    (case,) = blocks("yaml", "---\n")
    (rule_file,) = blocks("yaml", "rules:")
    (config,) = blocks("toml")
    write("cases/readme.md", case)
    write("rules/readme.yaml", rule_file)
    write("briefgen.toml", config)
    write("house/logo.svg", '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>')
    return here


def test_the_readme_s_case_rules_and_config_pass_check(readme_project):
    result = run("check")
    assert result.exit_code == 0, result.output
    assert "cases/readme.md: ok" in result.stdout.splitlines()
    assert "board-wants-a-press-release" in run("rules").stdout  # the README's rule file is the one in force


def test_the_quickstart_commands_run(here):
    (quickstart,) = [text for text in blocks("sh") if "briefgen new" in text]
    commands = [shlex.split(line.split("#")[0]) for line in quickstart.splitlines() if line.startswith("briefgen ")]
    assert [c[1] for c in commands] == ["new", "build", "score"]
    for command in commands:
        result = run(*command[1:])
        assert result.exit_code == 0, (command, result.output)


def readme_messages() -> list[str]:
    """Every line of the README's plain blocks shaped like a problem (path:line:column: message)."""
    return [line for lang, text in BLOCKS if not lang for line in text.splitlines() if MESSAGE.match(line)]


def test_every_message_the_readme_shows_is_one_briefgen_prints(here):
    printed = set()
    for old, new in [slip for slip, _ in YAML_SLIPS]:
        printed.update(problems(CASE.replace(old, new, 1)))
    for text, _ in CONDITION_SLIPS:
        printed.update(problems(condition(text)))
    printed.update(problems(CASE + "meso:\n  offers:\n    - {price: 4200000}\n    - {price: 5200000}\n"))
    write("cases/hiring.md", HIRING)
    write("briefgen.toml", 'theme = "house"\npage_sise = "A4"\n')
    write("house/_questions.html", '<section class="questions">\n  <h2>House questions</h2>\n  <p>{{ brief.case.budget }}</p>\n</section>\n')
    printed.update(run("check").stderr.splitlines())
    write("briefgen.toml", 'theme = "house"\n')
    printed.update(run("preview", "--no-open", "cases/hiring.md").stderr.splitlines())
    write("house/theme.css", '/* house */\n@import url("colours.css");\n')
    printed.update(run("check").stderr.splitlines())
    shown = readme_messages()
    assert len(shown) >= 8
    assert [line for line in shown if line not in printed] == []
