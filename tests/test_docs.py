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


def _synopsis() -> dict[str, str]:
    """The README's synopsis block: command → its lines (continuation lines included)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Command line", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    lines: dict[str, str] = {}
    command = ""
    for line in block.splitlines():
        if line.startswith("newsgraph "):
            command = line.split()[1]
        lines[command] = lines.get(command, "") + " " + line.split("#", 1)[0]
    return lines


def test_readme_synopsis_names_every_option() -> None:
    synopsis = _synopsis()
    for name, command in get_command(app).commands.items():  # type: ignore[attr-defined]
        assert name in synopsis, name
        for param in command.params:
            opts = [o for o in param.opts if o.startswith("-")]
            if opts and opts != ["--help"]:
                assert any(o in synopsis[name] for o in opts), f"the README synopsis of {name} lacks {opts[-1]}"


def test_readme_examples_name_the_folder_they_read() -> None:
    """An example without -d silently answers from ./out, whatever was built before it."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    reads = {
        name
        for name, command in get_command(app).commands.items()  # type: ignore[attr-defined]
        if any("--dir" in p.opts for p in command.params)
    }
    synopsis = set(_synopsis().values())
    for block in re.findall(r"```sh\n(.*?)```", readme, flags=re.DOTALL):
        for line in block.splitlines():
            words = line.split()
            if len(words) > 1 and words[0] == "newsgraph" and words[1] in reads and "--list" not in words:
                if any(line in s for s in synopsis):
                    continue
                assert "-d" in words or "--dir" in words, f"README example without -d: {line}"


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


def test_architecture_names_every_package_and_module() -> None:
    """docs/architecture.md cannot drift from the layout: every subpackage and module is named there."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    package = ROOT / "graph"
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package)
        if rel.name.startswith("_"):
            continue
        if len(rel.parts) == 1:
            assert f"graph.{rel.stem}" in text, rel
        else:
            assert f"graph.{rel.parts[0]}" in text and rel.stem in text, rel
