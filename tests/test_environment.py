"""The environment refuses (issue 16): a read-only or full output folder. Each gets one line that
names the file and what to do, exit status 1, no traceback, and nothing half-written: earlier
documents stay as they were and no temporary file is left behind.

Full and read-only disks are real: small tmpfs mounts (the tests run as root, as CI does, for
whom a folder's permission bits do not stop a write). Where mounting is not allowed they skip;
the ENOSPC test by patching runs everywhere.
"""
from __future__ import annotations

import errno
import os
import subprocess
from pathlib import Path

import pytest

from conftest import HIRING, run


@pytest.fixture
def case(here) -> Path:
    (here / "cases" / "hiring.md").write_text(HIRING)
    return Path("cases/hiring.md")


@pytest.fixture
def mount(tmp_path):
    """mount(name, options) -> a fresh tmpfs folder; unmounted after the test."""
    mounted = []

    def make(name: str, options: str) -> Path:
        folder = tmp_path / name
        folder.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True)
        if done.returncode:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
        mounted.append(folder)
        return folder

    yield make
    for folder in mounted:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def assert_one_line_refusal(result, *fragments: str) -> None:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def leftovers(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*.tmp"))


def test_a_read_only_output_folder_is_refused_in_one_line(case, mount):
    output = mount("read-only", "size=1m,ro")
    for command in (("build", str(case), "-o", str(output)), ("offer", str(case), "-o", str(output)),
                    ("preview", "--no-open", str(case), "-o", str(output))):
        result = run(*command, catch=True)
        assert_one_line_refusal(result, f"{output}/hiring", "read-only", "write elsewhere (-o)")
    assert list(output.iterdir()) == []


def test_a_full_disk_leaves_earlier_documents_and_no_temporary_file(case, mount):
    output = mount("full", "size=48k")
    (output / "hiring").mkdir()
    earlier = {name: f"the {name} built yesterday".encode() for name in ("brief.pdf", "offer-sheet.pdf")}
    for name, content in earlier.items():
        (output / "hiring" / name).write_bytes(content)
    for command in (("build", str(case), "-o", str(output), "--force"), ("offer", str(case), "-o", str(output))):
        result = run(*command, catch=True)
        assert_one_line_refusal(result, f"{output}/hiring/", "No space left on device", "free some space")
        assert leftovers(output) == []
        assert {p.name: p.read_bytes() for p in (output / "hiring").iterdir()} == earlier


def test_a_parallel_build_into_a_read_only_folder_stops_with_one_line(here, mount):
    for n in range(3):
        (here / "cases" / f"case-{n}.md").write_text(HIRING)
    output = mount("read-only", "size=1m,ro")
    result = run("build", "-j", "2", "-o", str(output), catch=True)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert [line for line in result.stderr.splitlines() if "cannot write" in line], result.stderr
    assert all("read-only" in line for line in result.stderr.strip().splitlines()), result.stderr


def test_a_write_that_fails_removes_its_temporary_file(case, monkeypatch):
    """ENOSPC where it happens on a real disk: at the write or at fsync, after the temporary file exists."""
    import briefgen.build

    def full(descriptor):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    output = Path("output/hiring")
    output.mkdir(parents=True)
    (output / "offer-sheet.txt").write_text("yesterday's sheet")
    monkeypatch.setattr(briefgen.build.os, "fsync", full)
    result = run("offer", str(case), "--format", "txt", catch=True)
    assert_one_line_refusal(result, "output/hiring/offer-sheet.txt: cannot write it (No space left on device)")
    assert [p.name for p in output.iterdir()] == ["offer-sheet.txt"]
    assert (output / "offer-sheet.txt").read_text() == "yesterday's sheet"
