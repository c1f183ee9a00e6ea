"""`briefgen --help` must start fast: heavy libraries are imported only when used."""
import subprocess
import sys

HEAVY = ["weasyprint", "rule_engine", "pydantic", "ruamel", "jinja2", "babel", "markdown"]


def test_help_imports_no_heavy_library():
    script = (
        "import sys\n"
        "from briefgen.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(sorted(name for name in {HEAVY!r} if name in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"
    assert "Example:" in result.stdout
