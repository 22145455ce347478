"""The docs cannot drift from the program: the CLI reference is generated from --help,
and every Python example in the README runs.

Regenerate the reference with ``make docs`` (``python -m tests.test_docs``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from graph.cli import app

ROOT = Path(__file__).resolve().parent.parent
CLI_DOC = ROOT / "docs" / "cli.md"


def cli_reference() -> str:
    """The text of docs/cli.md: every command's --help, in the order of ``newsgraph --help``."""
    runner = CliRunner()
    names = list(get_command(app).commands)  # type: ignore[attr-defined]
    parts = [
        "# newsgraph command line\n",
        "Generated from `--help` by `make docs`; a test checks it is current.\n",
    ]
    for args in ([], *([name] for name in names)):
        result = runner.invoke(app, [*args, "--help"], prog_name="newsgraph", terminal_width=100, color=False)
        assert result.exit_code == 0, result.output
        title = " ".join(["newsgraph", *args])
        parts.append(f"## {title}\n\n```\n{result.output.rstrip()}\n```\n")
    return "\n".join(parts)


def test_cli_reference_is_current() -> None:
    assert CLI_DOC.read_text(encoding="utf-8") == cli_reference(), "docs/cli.md is stale: run `make docs`"


def test_readme_names_every_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in get_command(app).commands:  # type: ignore[attr-defined]
        assert f"newsgraph {name}" in readme, name


def _python_blocks() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", readme, flags=re.DOTALL)


@pytest.mark.parametrize("code", _python_blocks(), ids=lambda c: c.splitlines()[1][:40] if "\n" in c else c)
def test_readme_python_examples_run(code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    os.symlink(ROOT / "seeds", tmp_path / "seeds")
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {"__name__": "__readme__"})


if __name__ == "__main__":
    CLI_DOC.parent.mkdir(exist_ok=True)
    CLI_DOC.write_text(cli_reference(), encoding="utf-8")
    print(f"wrote {CLI_DOC}")
