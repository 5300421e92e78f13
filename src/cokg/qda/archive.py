"""The files of a REFI-QDA project, read into memory and never onto disk.

A `.qdpx` is a ZIP file: its members are read on demand, each one held to limits that a hostile
archive cannot talk its way past.

- at most MAX_MEMBERS members, and their declared sizes together at most EXPANSION times the
  submission size limit (COKG_MAX_SUBMISSION_MB), checked from the ZIP directory before
  anything is decompressed;
- a member name with `..`, a leading slash or a drive letter refuses the whole archive: an
  exporter has no reason to write one, and a reader that extracted it would write outside;
- what is read into memory (the project XML and the plain texts) is at most the submission
  size limit in all; a member over RATIO_FLOOR bytes that unpacks to more than MAX_RATIO times
  its compressed size is a zip bomb; both checked from the directory and again while the bytes
  come out (a directory can lie about sizes).

Unread members (audio, pictures, PDFs) are never decompressed, so their sizes matter only to
the directory check. A bare `.qde` file is served the same way from its folder: names are
looked up inside that folder only, and symbolic links leading out of it are refused.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from pathlib import Path
from types import TracebackType
from typing import Self

from cokg import load
from cokg.errors import InputError

__all__ = [
    "EXPANSION",
    "MAX_MEMBERS",
    "MAX_RATIO",
    "RATIO_FLOOR",
    "Archive",
    "FolderArchive",
    "ZipArchive",
    "unsafe_name",
]

MAX_MEMBERS = 10_000
MAX_RATIO = 100
RATIO_FLOOR = 2**20  # small members may compress well; only large ones are bombs
EXPANSION = 10  # a project may unpack to this many times the submission size limit

_DRIVE = re.compile(r"^[A-Za-z]:")
_CHUNK = 1 << 16


def unsafe_name(name: str) -> str | None:
    """Why a member name (or a path inside a project) may not be used, or None if it may."""
    n = name.replace("\\", "/")
    if "\x00" in n:
        return "has a NUL character"
    if n.startswith("/"):
        return "is an absolute path"
    if _DRIVE.match(n):
        return "starts with a drive letter"
    if ".." in n.split("/"):
        return "climbs out of its folder (..)"
    return None


def _clean(name: str) -> str:
    """A member name as looked up: forward slashes, no `./`, no doubled slashes."""
    n = posixpath.normpath(name.replace("\\", "/"))
    return "" if n == "." else n


def _mb(n: int) -> str:
    return f"{n / 2**20:,.1f} MB"


class Archive:
    """Members by name, read into memory on demand, with one budget for all that is read."""

    file: Path  # named in every message

    def __init__(self, file: Path) -> None:
        self.file = file
        self.budget = load.max_submission_bytes()
        self.read_so_far = 0

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Let go of the file (the ZIP file stays open while members are read)."""

    def error(self, message: str) -> InputError:
        return InputError(message, file=self.file)

    def find(self, name: str) -> str | None:
        """The member called `name` (case-insensitively if nothing matches exactly)."""
        raise NotImplementedError

    def find_basename(self, base: str) -> str | None:
        """The one member called `base` in any folder, preferring a Sources folder."""
        raise NotImplementedError

    def read(self, name: str) -> bytes:
        raise NotImplementedError

    def _spend(self, name: str, size: int) -> None:
        if self.read_so_far + size > self.budget:
            raise self.error(
                f"member {name}: the project's text and XML come to more than the "
                f"{_mb(self.budget)} limit for a submission; raise {load.ENV_MAX_MB} to read it"
            )


class ZipArchive(Archive):
    """A .qdpx file; use as a context manager."""

    def __init__(self, file: Path) -> None:
        super().__init__(file)
        try:
            size = file.stat().st_size
        except OSError as exc:
            raise self.error(f"cannot read: {exc.strerror or exc}") from None
        if size > self.budget:
            raise self.error(
                f"file is {_mb(size)}, over the {_mb(self.budget)} limit for a submission; "
                f"raise {load.ENV_MAX_MB} to read it"
            )
        try:
            self._zip = zipfile.ZipFile(file)
        except zipfile.BadZipFile:
            with file.open("rb") as fh:
                zip_like = fh.read(4) == b"PK\x03\x04"
            if zip_like:
                raise self.error(
                    "corrupt or truncated ZIP archive (no readable directory)"
                ) from None
            raise self.error("not a ZIP archive (a .qdpx project is a ZIP file)") from None
        except (zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
            raise self.error(f"corrupt ZIP archive ({exc.__class__.__name__})") from None
        try:
            self._members = self._directory()
        except InputError:
            self._zip.close()
            raise

    def close(self) -> None:
        self._zip.close()

    def _directory(self) -> dict[str, zipfile.ZipInfo]:
        infos = self._zip.infolist()
        if len(infos) > MAX_MEMBERS:
            raise self.error(
                f"the archive has {len(infos):,} members, more than the {MAX_MEMBERS:,} a "
                "project may have"
            )
        members: dict[str, zipfile.ZipInfo] = {}
        declared = 0
        for info in infos:
            why = unsafe_name(info.filename)
            if why:
                raise self.error(f"member {info.filename!r} {why}: refused")
            if info.is_dir():
                continue
            name = _clean(info.filename)
            if name in members:
                raise self.error(f"member {name} appears twice in the archive")
            members[name] = info
            declared += info.file_size
        if declared > EXPANSION * self.budget:
            raise self.error(
                f"the archive unpacks to {_mb(declared)}, more than {EXPANSION} times the "
                f"{_mb(self.budget)} limit for a submission; raise {load.ENV_MAX_MB} to read it"
            )
        self._folded: dict[str, list[str]] = {}
        for name in members:
            self._folded.setdefault(name.casefold(), []).append(name)
        return members

    def qde_members(self) -> list[str]:
        return sorted(n for n in self._members if n.casefold().endswith(".qde"))

    def find(self, name: str) -> str | None:
        n = _clean(name)
        if n in self._members:
            return n
        folded = self._folded.get(n.casefold(), [])
        return folded[0] if len(folded) == 1 else None

    def find_basename(self, base: str) -> str | None:
        hits = [n for n in self._members if posixpath.basename(n) == base]
        if len(hits) > 1:
            hits = [
                n
                for n in hits
                if posixpath.basename(posixpath.dirname(n)) in ("Sources", "sources")
            ]
        return hits[0] if len(hits) == 1 else None

    def read(self, name: str) -> bytes:
        info = self._members[name]
        if info.flag_bits & 0x1:
            raise self.error(f"member {name} is encrypted; export the project without a password")
        self._check_ratio(name, info.file_size, info.compress_size)
        self._spend(name, info.file_size)
        out = bytearray()
        try:
            with self._zip.open(info) as fh:
                while chunk := fh.read(_CHUNK):
                    out += chunk
                    # the directory said less: a lying header (zipfile stops there; we also do)
                    if len(out) > info.file_size:
                        raise self.error(
                            f"member {name} unpacks to more than the {info.file_size:,} bytes "
                            "its header declares: refused"
                        )
                    self._check_ratio(name, len(out), info.compress_size)
                    self._spend(name, len(out))
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError) as exc:
            detail = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
            raise self.error(f"member {name} is corrupt ({detail})") from None
        except NotImplementedError:
            raise self.error(
                f"member {name} uses a compression method cokg cannot read; save the project "
                "with ordinary (deflate) compression"
            ) from None
        self.read_so_far += len(out)
        return bytes(out)

    def _check_ratio(self, name: str, size: int, compressed: int) -> None:
        if size > RATIO_FLOOR and size > MAX_RATIO * max(compressed, 1):
            raise self.error(
                f"member {name} unpacks to {_mb(size)} from {compressed:,} bytes, more than "
                f"{MAX_RATIO} times its compressed size (a zip bomb?): refused"
            )


class FolderArchive(Archive):
    """The folder of a bare .qde file: names are looked up inside it, never outside."""

    def __init__(self, file: Path) -> None:
        super().__init__(file)
        self.root = file.parent.resolve()

    def _path(self, name: str) -> Path | None:
        """The file `name` inside the folder, each part matched case-insensitively when the
        exact name is missing; None if there is none or it leads outside (a symbolic link)."""
        n = _clean(name)
        if not n or unsafe_name(n):
            return None
        here = self.root
        for part in n.split("/"):
            exact = here / part
            if exact.exists():
                here = exact
                continue
            try:
                matches = [c for c in here.iterdir() if c.name.casefold() == part.casefold()]
            except OSError:
                return None
            if len(matches) != 1:
                return None
            here = matches[0]
        try:
            real = here.resolve(strict=True)
        except OSError:
            return None
        return here if real.is_relative_to(self.root) and real.is_file() else None

    def find(self, name: str) -> str | None:
        p = self._path(name)
        return p.relative_to(self.root).as_posix() if p else None

    def find_basename(self, base: str) -> str | None:
        for candidate in (f"Sources/{base}", base):
            hit = self.find(candidate)
            if hit:
                return hit
        return None

    def read_main(self) -> bytes:
        """The .qde or .qdc file itself (the one place a path from outside is read: the
        user gave it)."""
        return self._read_file(self.file, self.file.name)

    def read(self, name: str) -> bytes:
        p = self._path(name)
        if p is None:
            raise self.error(f"{name}: no such file beside the project")
        return self._read_file(p, name)

    def _read_file(self, p: Path, name: str) -> bytes:
        try:
            size = p.stat().st_size
            self._spend(name, size)
            with p.open("rb") as fh:
                data = fh.read(self.budget - self.read_so_far + 1)  # a file growing meanwhile
        except OSError as exc:
            raise self.error(f"{name}: cannot read ({exc.strerror or exc})") from None
        self._spend(name, len(data))
        self.read_so_far += len(data)
        return data
