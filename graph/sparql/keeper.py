"""The engine's keeper: a small separate Python that runs Oxigraph sandboxed and ends it with us.

:class:`graph.sparql.server.Endpoint` starts the keeper (:func:`start_keeper`)
with one end of a socket pair; the keeper starts ``oxigraph serve-read-only``
with a parent-death signal and, on Linux x86-64/arm64, a seccomp filter that
refuses every outgoing connection, UDP and raw sockets and io_uring (so
``SERVICE`` and name lookups fail inside the engine too). It ends the engine
when the link closes: the front closed it, or the front's process died in any
way (SIGKILL included: the kernel closes the link). The keeper's body,
:func:`_keep`, runs apart from the package: standard library only, its source
handed to ``python -I -S`` on standard input.
"""

from __future__ import annotations

import functools
import inspect
import os
import subprocess
import sys
from pathlib import Path
from typing import IO

__all__ = ["start_keeper"]


@functools.cache
def _keeper_source() -> bytes | None:
    """The program that runs :func:`_keep` in an isolated Python (fast: no package import), or None without sources."""
    try:
        source = inspect.getsource(_keep)
    except (OSError, TypeError):  # no source files (a zipped or compiled install)
        return None
    return f"from __future__ import annotations\nimport sys\n{source}\n_keep(sys.argv[1:])\n".encode()


def start_keeper(args: list[str], log: IO[bytes], link: int) -> subprocess.Popen[bytes]:
    """Start :func:`_keep` with ``args``, its source on standard input (so ``ps`` shows a short command).

    In a session of its own: Ctrl+C in a terminal reaches the front only, which then stops the engine.
    """
    env = {k: v for k, v in os.environ.items() if k != "NOTIFY_SOCKET"}  # systemd's readiness is ours to give
    source = _keeper_source()
    if source is None:
        package = str(Path(__file__).resolve().parents[2])
        code = (
            f"import sys; sys.path.insert(0, {package!r}); from graph.sparql.keeper import _keep; _keep(sys.argv[1:])"
        )
        command, stdin = [sys.executable, "-c", code, *args], subprocess.DEVNULL
    else:
        command, stdin = [sys.executable, "-I", "-S", "-", *args], subprocess.PIPE
    process = subprocess.Popen(
        command,
        stdin=stdin,
        stdout=subprocess.DEVNULL,
        stderr=log,
        pass_fds=(link,),
        start_new_session=True,
        env=env,
    )
    if process.stdin is not None:
        with process.stdin:
            process.stdin.write(source or b"")  # a few kB: fits in the pipe, never blocks
    return process


def _keep(argv: list[str]) -> None:
    """The engine's keeper: a single-threaded Python that starts the engine and ends it with us.

    ``argv``: the link's file descriptor, then the engine's command. Runs
    apart from the package (standard library only; see :func:`start_keeper`).
    The engine gets a parent-death signal (SIGKILL when the keeper dies) and,
    on Linux x86-64/arm64, a seccomp filter: ``connect`` and ``io_uring_setup``
    fail with EPERM, and so do sockets other than Unix ones and TCP ones (which
    it needs to listen). The keeper writes one line on the link (``seccomp``,
    ``none REASON`` or ``error REASON``), then ends the engine when the link
    closes (the front closed it, or the front's process died, even by SIGKILL:
    the kernel closes it) or on SIGTERM/SIGHUP/SIGINT, and exits with the
    engine's status when the engine ends by itself.
    """
    import ctypes
    import os
    import platform
    import select
    import signal
    import socket
    import struct
    import subprocess
    import sys

    link = socket.socket(fileno=int(argv[0]))
    command = argv[1:]
    keeper = os.getpid()

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, stop)

    libc = ctypes.CDLL(None, use_errno=True)
    prctl = getattr(libc, "prctl", None)
    if prctl is not None:
        prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    # (audit arch, socket, connect, io_uring_setup) system call numbers
    arches = {"x86_64": (0xC000003E, 41, 42, 425), "aarch64": (0xC00000B7, 198, 203, 425)}
    arch = arches.get(platform.machine()) if sys.platform == "linux" else None
    note = ""
    if prctl is None or arch is None:
        note = f"no seccomp filter for {sys.platform}/{platform.machine()} (Linux on x86_64 or aarch64 only)"
        arch = None
    program = b""
    if arch is not None:
        audit, nr_socket, nr_connect, nr_uring = arch
        ld, jeq, jge, ret, and_ = 0x20, 0x15, 0x35, 0x06, 0x54  # BPF_LD|W|ABS, JMP|JEQ|K, JMP|JGE|K, RET|K, ALU|AND|K
        allow, eperm = 0x7FFF0000, 0x00050000 | 1  # SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO | EPERM
        steps = [
            (ld, 0, 0, 4),  # 0  arch
            (jeq, 1, 0, audit),  # 1
            (ret, 0, 0, eperm),  # 2  another ABI (i386 calls from a 64-bit process)
            (ld, 0, 0, 0),  # 3  system call number
            (jge, 0, 1, 0x40000000),  # 4  x32 calls
            (ret, 0, 0, eperm),  # 5
            (jeq, 0, 1, nr_connect),  # 6
            (ret, 0, 0, eperm),  # 7  no outgoing connection of any kind
            (jeq, 0, 1, nr_uring),  # 8
            (ret, 0, 0, eperm),  # 9  io_uring would connect without a system call
            (jeq, 0, 8, nr_socket),  # 10 other calls -> 19
            (ld, 0, 0, 16),  # 11 domain
            (jeq, 6, 0, 1),  # 12 AF_UNIX -> 19
            (jeq, 1, 0, 2),  # 13 AF_INET -> 15
            (jeq, 0, 3, 10),  # 14 AF_INET6 -> 15, others -> 18
            (ld, 0, 0, 24),  # 15 type
            (and_, 0, 0, 0xF),  # 16 without SOCK_NONBLOCK / SOCK_CLOEXEC
            (jeq, 1, 0, 1),  # 17 SOCK_STREAM -> 19
            (ret, 0, 0, eperm),  # 18 UDP (name lookups), raw sockets, netlink...
            (ret, 0, 0, allow),  # 19
        ]
        program = b"".join(struct.pack("=HBBI", code, jt, jf, k) for code, jt, jf, k in steps)

    class _Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    buffer = ctypes.create_string_buffer(program, max(1, len(program)))
    fprog = _Program(len(program) // 8, ctypes.addressof(buffer))

    def prepare(sandbox: bool) -> None:  # in the engine's process, before exec
        if prctl is None:
            return
        prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        if os.getppid() != keeper:  # the keeper died before that
            os._exit(1)
        if sandbox:
            if prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
                raise OSError(ctypes.get_errno(), "PR_SET_NO_NEW_PRIVS")
            if prctl(22, 2, ctypes.addressof(fprog), 0, 0) != 0:  # PR_SET_SECCOMP, SECCOMP_MODE_FILTER
                raise OSError(ctypes.get_errno(), "PR_SET_SECCOMP")

    def start(sandbox: bool) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, preexec_fn=lambda: prepare(sandbox)
        )

    engine: subprocess.Popen[bytes] | None = None
    code = 0
    try:
        try:
            if arch is not None:
                try:
                    engine = start(True)
                except subprocess.SubprocessError:
                    note = "the kernel refused the seccomp filter"
            if engine is None:
                engine = start(False)
        except OSError as exc:
            link.sendall(f"error {exc}\n".encode())
            code = 127
            return
        link.sendall(b"seccomp\n" if not note else f"none {note}\n".encode())
        while True:
            status = engine.poll()
            if status is not None:
                code = status if status >= 0 else 128 - status
                break
            ready, _, _ = select.select([link], [], [], 0.2)
            if ready:
                try:
                    data = link.recv(64)
                except OSError:
                    data = b""
                if not data:
                    break  # the front closed the link, or its process is gone
    finally:
        if engine is not None and engine.poll() is None:
            engine.terminate()
            try:
                engine.wait(5)
            except subprocess.TimeoutExpired:
                engine.kill()
                engine.wait()
        sys.exit(code)
