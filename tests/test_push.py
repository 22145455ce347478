"""`newsgraph push` into a real Oxigraph server on loopback, started and stopped by the test."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import graph
from graph.cli import app
from graph.push import PushError, push
from graph.server import free_port

GRAPH = "https://w3id.org/newsgraph/id/graph/test"


@pytest.fixture
def oxigraph(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    program = Path(sys.executable).parent / "oxigraph"
    proc = subprocess.Popen(
        [str(program), "serve", "--location", str(tmp_path / "db"), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        import socket

        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail("oxigraph did not start")
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/store"
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@pytest.fixture(scope="module")
def seeds_out(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> Path:
    out = tmp_path_factory.mktemp("push-out")
    graph.write_outputs(graph.build([seeds_dir]), out)
    return out


def nt_count(out: Path) -> int:
    from graph.push import ntriples_lines

    return len(ntriples_lines(out))


def test_push_puts_every_triple_into_the_named_graph(oxigraph: str, seeds_out: Path) -> None:
    seen: list[tuple[str, int, int]] = []
    result = push(seeds_out, oxigraph, GRAPH, chunk=50, progress=lambda *a: seen.append(a))
    expected = nt_count(seeds_out)
    assert result.sent == result.stored == expected > 100
    assert result.requests == -(-expected // 50)
    assert seen[-1] == ("push", expected, expected)
    again = push(seeds_out, oxigraph, GRAPH, chunk=50)  # replaces, does not duplicate
    assert again.stored == expected


def test_cli_push_says_how_many_arrived(oxigraph: str, seeds_out: Path) -> None:
    result = CliRunner().invoke(app, ["push", "-d", str(seeds_out), "--endpoint", oxigraph, "--graph", GRAPH])
    assert result.exit_code == 0, result.output
    assert f"holds {nt_count(seeds_out):,} triples" in result.stdout


def test_push_to_nothing_says_so(seeds_out: Path) -> None:
    with pytest.raises(PushError, match="cannot reach"):
        push(seeds_out, f"http://127.0.0.1:{free_port()}/store", GRAPH, timeout=5)
