"""Run untrusted work (a user's SPARQL) in a child process that can be stopped and cannot call out.

pyoxigraph evaluates a query in Rust: it cannot be interrupted from Python, it opens sockets where
no Python audit hook sees them (SERVICE, LOAD), a deep enough query overflows its stack, and a
cross product grows until the machine kills something. So each query runs in a forked child:

- no network: a seccomp filter makes `socket()` fail for every family but AF_UNIX (and refuses
  io_uring, which can open sockets on its own). This holds whatever the query says, so it is the
  guard behind `cokg.sparql.screen`, not beside it. Linux on x86-64 and arm64; elsewhere the
  screen is the only guard (`network_guard()` says which).
- memory: RLIMIT_AS caps what the child may add to the address space it inherited;
- time: the parent waits until the deadline, then kills the child;
- harm: the child only reads (a copy-on-write view of the parent's store), and a crash, an abort
  at the memory cap or a kill ends the child alone. The caller gets one QueryError naming what
  happened.

The child imports nothing and touches no lock after the fork: work it runs must be prepared
(imports done) before `run_isolated` is called.
"""

from __future__ import annotations

import contextlib
import ctypes
import faulthandler
import os
import pickle
import platform
import select
import signal
import struct
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from cokg.errors import QueryError

__all__ = [
    "DEFAULT_MEMORY_MB",
    "DEFAULT_TIMEOUT",
    "QueryCrashed",
    "QueryOutOfMemory",
    "QueryTimeout",
    "Worker",
    "deny_network",
    "limit_memory",
    "network_guard",
    "run_isolated",
]

T = TypeVar("T")

DEFAULT_TIMEOUT = float(os.environ.get("COKG_QUERY_TIMEOUT", "60"))  # seconds; 0: none
DEFAULT_MEMORY_MB = int(os.environ.get("COKG_QUERY_MEMORY_MB", "4096"))  # above the caller's


class QueryTimeout(QueryError):
    """The query ran past its time limit and was stopped."""


class QueryOutOfMemory(QueryError):
    """The query reached its memory limit and was stopped."""


class QueryCrashed(QueryError):
    """The query engine crashed on the query; the caller and the store are unharmed."""


# --- the seccomp filter ----------------------------------------------------------------------

# (audit architecture, socket syscall number, io_uring_setup syscall number)
_ARCH = {"x86_64": (0xC000003E, 41, 425), "aarch64": (0xC00000B7, 198, 425)}
_LD_W_ABS, _JEQ_K, _JGE_K, _RET_K = 0x20, 0x15, 0x35, 0x06
_ALLOW = 0x7FFF0000
_EACCES = 0x00050000 | 13  # SECCOMP_RET_ERRNO | EACCES
_X32_BIT = 0x40000000
_AF_UNIX = 1


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def network_guard() -> str | None:
    """The name of the guard that stops this platform's query processes reaching the network,
    or None where none is available (then only the query screen stands)."""
    if sys.platform.startswith("linux") and platform.machine() in _ARCH:
        return "seccomp"
    return None


def deny_network() -> bool:
    """From now on this process (and its children) cannot create network sockets.

    Irreversible. Returns False where the platform offers no such filter.
    """
    if network_guard() is None:
        return False
    audit, nr_socket, nr_uring = _ARCH[platform.machine()]
    program = [
        (_LD_W_ABS, 0, 0, 4),  # seccomp_data.arch
        (_JEQ_K, 1, 0, audit),
        (_RET_K, 0, 0, _EACCES),  # a foreign ABI: refuse everything it asks
        (_LD_W_ABS, 0, 0, 0),  # seccomp_data.nr
        (_JGE_K, 0, 1, _X32_BIT),
        (_RET_K, 0, 0, _EACCES),  # x32 syscalls would bypass the numbers below
        (_JEQ_K, 0, 1, nr_uring),
        (_RET_K, 0, 0, _EACCES),
        (_JEQ_K, 0, 3, nr_socket),
        (_LD_W_ABS, 0, 0, 16),  # args[0]: the address family (low 32 bits)
        (_JEQ_K, 1, 0, _AF_UNIX),
        (_RET_K, 0, 0, _EACCES),
        (_RET_K, 0, 0, _ALLOW),
    ]
    code = ctypes.create_string_buffer(b"".join(struct.pack("HBBI", *i) for i in program))
    prog = _SockFprog(len(program), ctypes.addressof(code))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS, required for an unprivileged filter
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    if libc.prctl(22, 2, ctypes.byref(prog), 0, 0) != 0:  # PR_SET_SECCOMP, SECCOMP_MODE_FILTER
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP) failed")
    return True


def _address_space() -> int:
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def limit_memory(extra_mb: int) -> None:
    """Cap this process's address space at what it uses now plus `extra_mb` megabytes."""
    import resource

    cap = _address_space() + extra_mb * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


# --- running work in a child -----------------------------------------------------------------


def run_isolated(
    work: Callable[[], T],
    *,
    timeout: float | None = DEFAULT_TIMEOUT,
    memory_mb: int | None = DEFAULT_MEMORY_MB,
    network: bool = False,
    what: str = "the query",
) -> T:
    """`work()` in a forked child with no network, at most `memory_mb` more memory and
    `timeout` seconds (None or 0: no limit); its return value comes back pickled. `network`
    leaves the network reachable (for a store the user opened with network access).

    Raises QueryTimeout, QueryOutOfMemory or QueryCrashed; an exception raised by `work` is
    raised here again. Where fork is unavailable, `work` runs in this process, unguarded.
    """
    if not hasattr(os, "fork"):
        return work()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        _child(work, out_w, err_w, memory_mb, network, (out_r, err_r))
    os.close(out_w)
    os.close(err_w)
    try:
        payload, err, status = _collect(pid, out_r, err_r, timeout)
    finally:
        os.close(out_r)
        os.close(err_r)
    if status is None:
        raise QueryTimeout(f"{what} ran longer than the {timeout:g} s time limit and was stopped")
    if payload:
        ok, value = pickle.loads(payload)
        if ok:
            return value
        raise value
    raise _failure(status, err, memory_mb, what)


def _failure(status: int, err: bytes, memory_mb: int | None, what: str) -> QueryError:
    """What a child that ended without an answer ran into, as the error to raise."""
    stderr = err.decode("utf-8", "replace")
    if (
        "memory allocation" in stderr
        or "MemoryError" in stderr
        or (memory_mb and os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL)
        or (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 3)  # MemoryError in the child
    ):
        return QueryOutOfMemory(
            f"{what} needed more than its {memory_mb or 0:,} MB memory limit and was stopped"
        )
    if os.WIFSIGNALED(status):
        name = signal.Signals(os.WTERMSIG(status)).name
        return QueryCrashed(f"the query engine crashed on {what} ({name}); nothing was changed")
    return QueryCrashed(f"{what} stopped without an answer (exit status {os.WEXITSTATUS(status)})")


def _child(
    work: Callable[[], Any],
    out_w: int,
    err_w: int,
    memory_mb: int | None,
    network: bool,
    parent_ends: tuple[int, int],
) -> None:
    code = 0
    try:
        for fd in parent_ends:
            os.close(fd)
        os.dup2(err_w, 2)  # the engine's last words (an allocation failure) go to the parent
        faulthandler.disable()  # a crash here is reported by the parent, not dumped
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        if not network:
            deny_network()
        if memory_mb:
            limit_memory(memory_mb)
        try:
            reply = (True, work())
        except BaseException as exc:  # sent back to the caller, who raises it
            reply = (False, exc)
        try:
            data = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            data = pickle.dumps((False, QueryError(f"the answer could not be sent back: {exc}")))
        view = memoryview(data)
        while view:
            view = view[os.write(out_w, view) :]
    except MemoryError:
        code = 3
    except BaseException:
        code = 4
    finally:
        os._exit(code)


def _collect(
    pid: int, out_r: int, err_r: int, timeout: float | None
) -> tuple[bytes, bytes, int | None]:
    """Read the child's answer until it exits or the deadline passes (then kill it)."""
    deadline = time.monotonic() + timeout if timeout else None
    chunks: list[bytes] = []
    errs: list[bytes] = []
    open_fds = {out_r, err_r}
    while open_fds:
        wait = None if deadline is None else deadline - time.monotonic()
        if wait is not None and wait <= 0:
            _kill(pid)
            return b"", b"", None
        try:
            ready, _, _ = select.select(list(open_fds), [], [], wait)
        except InterruptedError:
            continue
        except KeyboardInterrupt:
            _kill(pid)
            raise
        for fd in ready:
            data = os.read(fd, 1 << 20)
            if not data:
                open_fds.discard(fd)
            elif fd == out_r:
                chunks.append(data)
            elif sum(map(len, errs)) < 65536:
                errs.append(data)
    _, status = os.waitpid(pid, 0)
    return b"".join(chunks), b"".join(errs), status


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


# --- a child that answers many calls -----------------------------------------------------------


class Worker:
    """A forked child that answers many calls of `run(arg)` under the same guards as
    `run_isolated` (no network, a memory cap, a deadline per call): for data that cannot change
    under it, such as a read-only store's snapshot, it saves a fork per query (about 5 ms, and
    more for a large process). The child is started on the first call; a call that runs past
    its deadline, or a crash, ends it, and the next call starts another. One call at a time:
    `try_acquire` says whether this worker is free, else the caller forks for its query.
    """

    def __init__(
        self, run: Callable[[Any], Any], *, memory_mb: int | None, network: bool = False
    ) -> None:
        self._run = run
        self.memory_mb = memory_mb
        self.network = network
        self.pid: int | None = None
        self._fds: tuple[int, int, int] | None = None  # (requests out, answers in, stderr in)
        self._busy = threading.Lock()
        self._err = b""

    def try_acquire(self) -> bool:
        return self._busy.acquire(blocking=False)

    def release(self) -> None:
        self._busy.release()

    def _start(self) -> None:
        req_r, req_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            _serve(self._run, req_r, out_w, err_w, self.memory_mb, self.network,
                   (req_w, out_r, err_r))  # fmt: skip
        for fd in (req_r, out_w, err_w):
            os.close(fd)
        self.pid, self._fds = pid, (req_w, out_r, err_r)

    def stop(self) -> None:
        """End the child (closing its request pipe ends its loop; a kill makes sure)."""
        if self.pid is not None:
            _kill(self.pid)
        if self._fds is not None:
            for fd in self._fds:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self.pid, self._fds = None, None

    def call(self, arg: Any, *, timeout: float | None, what: str = "the query") -> Any:
        """`run(arg)` in the child; raises as `run_isolated` does."""
        if self.pid is not None and _ended(self.pid):  # killed while idle (the OOM killer)
            self.pid = None
            self.stop()
        if self.pid is None:
            self._start()
        assert self._fds is not None and self.pid is not None
        req_w, out_r, err_r = self._fds
        data = pickle.dumps(arg, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            _write_all(req_w, struct.pack(">Q", len(data)) + data)
        except OSError:  # the child is gone: say how it ended
            return self._lost(what)
        deadline = time.monotonic() + timeout if timeout else None
        self._err = b""
        frame = self._read(out_r, err_r, deadline)
        if frame is None:
            self.stop()
            raise QueryTimeout(
                f"{what} ran longer than the {timeout:g} s time limit and was stopped"
            )
        if not frame:
            return self._lost(what)
        ok, value = pickle.loads(frame)
        if ok:
            return value
        raise value

    def _read(self, out_r: int, err_r: int, deadline: float | None) -> bytes | None:
        """One answer frame; b"" when the child ended first, None past the deadline."""
        buf = bytearray()
        need: int | None = None
        while need is None or len(buf) < need + 8:
            wait = None if deadline is None else deadline - time.monotonic()
            if wait is not None and wait <= 0:
                return None
            try:
                ready, _, _ = select.select([out_r, err_r], [], [], wait)
            except InterruptedError:
                continue
            except KeyboardInterrupt:
                self.stop()
                raise
            if err_r in ready:
                said = os.read(err_r, 1 << 16)
                if len(self._err) < 1 << 16:
                    self._err += said  # the engine's last words, if it dies
                if not said and out_r not in ready:
                    return b""  # the child's stderr closed: it ended
            if out_r in ready:
                chunk = os.read(out_r, 1 << 20)
                if not chunk:
                    return b""
                buf += chunk
                if need is None and len(buf) >= 8:
                    need = struct.unpack(">Q", bytes(buf[:8]))[0]
        return bytes(buf[8:])

    def _lost(self, what: str) -> Any:
        pid = self.pid
        err = self._err
        if self._fds is not None:
            with contextlib.suppress(OSError):
                err += os.read(self._fds[2], 1 << 16)
        status = 0
        if pid is not None:
            with contextlib.suppress(ChildProcessError):
                _, status = os.waitpid(pid, 0)
            self.pid = None
        self.stop()
        raise _failure(status, err, self.memory_mb, what)


def _ended(pid: int) -> bool:
    try:
        return os.waitpid(pid, os.WNOHANG) != (0, 0)
    except ChildProcessError:
        return True


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _read_exact(fd: int, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = os.read(fd, n - len(buf))
        if not chunk:
            return b""
        buf += chunk
    return bytes(buf)


def _serve(
    run: Callable[[Any], Any],
    req_r: int,
    out_w: int,
    err_w: int,
    memory_mb: int | None,
    network: bool,
    parent_ends: tuple[int, ...],
) -> None:
    """The worker child's loop: a request frame in, an answer frame out, until EOF."""
    code = 0
    try:
        for fd in parent_ends:
            os.close(fd)
        os.dup2(err_w, 2)
        faulthandler.disable()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        if sys.platform.startswith("linux"):  # end with the parent, even if it is killed
            ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if not network:
            deny_network()
        if memory_mb:
            limit_memory(memory_mb)
        while True:
            head = _read_exact(req_r, 8)
            if not head:
                break
            arg = pickle.loads(_read_exact(req_r, struct.unpack(">Q", head)[0]))
            try:
                reply = (True, run(arg))
            except BaseException as exc:
                reply = (False, exc)
            try:
                data = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as exc:
                msg = f"the answer could not be sent back: {exc}"
                data = pickle.dumps((False, QueryError(msg)))
            _write_all(out_w, struct.pack(">Q", len(data)) + data)
    except MemoryError:
        code = 3
    except BaseException:
        code = 4
    finally:
        os._exit(code)
