"""Read-only index arrays shared by every server process: written once under the data directory, then
memory-mapped, so the operating system's page cache holds one copy however many workers read them.

A file is named by what it was built from: `<name>-<key>.<checksum>.<ext>`, where `key` is a digest of the
inputs (the texts embedded, the backend) and `checksum` a digest of the file's own bytes. A process that
needs the array for some inputs computes the key and opens the file with that key; a change of the inputs (a
new expert, a new course) gives a new key, so a stale file is never read. The checksum is verified at every
open: a truncated or damaged file (a full disk, a crash of a copy) is deleted and built again, never read.

Writers take an exclusive lock (`fcntl.flock` on `<name>-<key>.lock`) so two workers that need the same new
file build it once, and write it under a temporary name renamed into place (`os.replace`, atomic), so a
reader never sees half a file. When a new file of a name is written, older files of that name beyond the
newest `KEEP` are deleted; a process that still maps one keeps reading it (Linux frees a file's pages only
when its last mapping goes).

`SKILLATLAS_SHARED_INDEXES=0` turns sharing off: every process then builds and keeps its own copies, as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

try:  # POSIX; elsewhere two processes may build the same file at once (still safe: the rename is atomic)
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger("skillatlas.shared")

ENV = "SKILLATLAS_SHARED_INDEXES"
#: Files kept per name: the current one and the one before it (a process may still be on it).
KEEP = 2
_CHUNK = 1 << 22


def enabled() -> bool:
    """Whether indexes are shared through files (the default) or private to each process."""
    return os.environ.get(ENV, "1").strip().lower() not in ("0", "false", "no", "off")


@dataclass(frozen=True, slots=True)
class SharedSpace:
    """Where an index keeps its shared files, and the name they start with (one name per index)."""

    directory: Path
    name: str

    def child(self, suffix: str) -> SharedSpace:
        return SharedSpace(self.directory, f"{self.name}-{suffix}")


def space(data_dir: Path | None, name: str) -> SharedSpace | None:
    """The shared space of an index under `data_dir`, or None when sharing is off or there is no directory."""
    if data_dir is None or not enabled():
        return None
    return SharedSpace(Path(data_dir) / "shared", name)


class Digest:
    """A key over an index's inputs, fed piece by piece."""

    def __init__(self, *parts: str) -> None:
        self._hash = hashlib.blake2b(digest_size=16)
        for part in parts:
            self.text(part)

    def text(self, value: str) -> Digest:
        data = value.encode()
        self._hash.update(len(data).to_bytes(8, "little"))
        self._hash.update(data)
        return self

    def array(self, value: np.ndarray) -> Digest:
        value = np.ascontiguousarray(value)
        self.text(f"{value.dtype.str}{value.shape}")
        self._hash.update(memoryview(value).cast("B"))
        return self

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


# --- files -------------------------------------------------------------------------------------


def _checksum(path: Path) -> str:
    digest = hashlib.blake2b(digest_size=8)
    with open(path, "rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _candidates(where: SharedSpace, key: str, ext: str) -> list[Path]:
    if not where.directory.is_dir():
        return []
    return sorted(where.directory.glob(f"{where.name}-{key}.*.{ext}"))


def _verified(where: SharedSpace, key: str, ext: str) -> Path | None:
    """The file of this key whose bytes match its checksum; damaged ones are deleted."""
    for path in _candidates(where, key, ext):
        checksum = path.name[len(f"{where.name}-{key}.") : -len(f".{ext}")]
        try:
            if _checksum(path) == checksum:
                return path
        except OSError:
            continue
        log.warning("shared index file %s is damaged; building it again", path)
        with contextlib.suppress(OSError):
            path.unlink()
    return None


@contextlib.contextmanager
def _locked(where: SharedSpace, key: str) -> Iterator[None]:
    where.directory.mkdir(parents=True, exist_ok=True)
    lock_path = where.directory / f"{where.name}-{key}.lock"
    with open(lock_path, "a+b") as lock:
        if fcntl is not None:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def _publish(where: SharedSpace, key: str, ext: str, write: Callable[[Path], None]) -> Path:
    """Writes a file under a temporary name, then renames it to its checksummed name (atomic)."""
    temporary = where.directory / f".{where.name}-{key}.{os.getpid()}-{threading.get_ident()}.tmp"
    try:
        write(temporary)
        with open(temporary, "rb+") as file:
            os.fsync(file.fileno())
        final = where.directory / f"{where.name}-{key}.{_checksum(temporary)}.{ext}"
        os.replace(temporary, final)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
    _prune(where, final)
    return final


def _prune(where: SharedSpace, newest: Path) -> None:
    """Deletes the files of this name beyond the newest `KEEP` (and their locks)."""
    files = [p for p in where.directory.glob(f"{where.name}-*.*.*") if not p.name.endswith(".lock")]
    # Only this name's own files: another index's name may start with this one's ("courses" / "courses-ann").
    files = [p for p in files if "-" not in p.name[len(where.name) + 1 :].split(".")[0]]
    files.sort(key=lambda p: (p != newest, -_mtime(p)))
    for old in files[KEEP:]:
        with contextlib.suppress(OSError):
            old.unlink()
        key = old.name[len(where.name) + 1 :].split(".")[0]
        with contextlib.suppress(OSError):
            (where.directory / f"{where.name}-{key}.lock").unlink()


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _shared(
    where: SharedSpace, key: str, ext: str, open_: Callable[[Path], Any], build: Callable[[Path], None]
) -> Any:
    """Opens the verified file of `key`, building it first (once, under the lock) when there is none."""
    path = _verified(where, key, ext)
    if path is None:
        with _locked(where, key):
            path = _verified(where, key, ext)  # another process may have built it while we waited
            if path is None:
                path = _publish(where, key, ext, build)
    return open_(path)


# --- arrays and graphs ---------------------------------------------------------------------------


def shared_array(
    where: SharedSpace | None,
    key: str,
    build: Callable[[], np.ndarray],
    *,
    shape: tuple[int, ...] | None = None,
) -> np.ndarray:
    """The array built by `build()` for the inputs behind `key`, memory-mapped read-only from its shared file
    (built and written first when there is none); `build()` itself when sharing is off. An array expected to
    be empty (`shape` with a zero) is never written: there is nothing to share."""
    if where is None or (shape is not None and 0 in shape):
        return build()
    built: list[np.ndarray] = []

    def write(path: Path) -> None:
        array = np.ascontiguousarray(build())
        if shape is not None and array.shape != shape:
            raise ValueError(f"{where.name}: built an array of shape {array.shape}, expected {shape}")
        built.append(array)
        with open(path, "wb") as file:
            np.save(file, array, allow_pickle=False)

    def open_(path: Path) -> np.ndarray:
        if built and built[0].size == 0:
            return built[0]
        array = np.load(path, mmap_mode="r", allow_pickle=False)
        if shape is not None and array.shape != shape:
            raise ValueError(f"{path}: shape {array.shape}, expected {shape}")
        return np.asarray(
            array
        )  # a plain ndarray over the mapping: np.memmap runs Python code at every index

    try:
        return _shared(where, key, "npy", open_, write)
    except (
        OSError,
        ValueError,
    ) as exc:  # a full disk, a read-only directory: this process keeps its own copy
        log.warning("shared index %s not usable (%s); keeping a private copy", where.name, exc)
        return built[0] if built else build()


def shared_ann(where: SharedSpace, key: str, build: Callable[[], Any]) -> tuple[Any, bool]:
    """A usearch index built by `build()`, opened as a read-only memory-mapped view of its shared file
    (`Index.restore(path, view=True)`); (index, True) when shared, (the built index, False) when the file
    could not be used."""
    from usearch.index import Index

    built: list[Any] = []

    def write(path: Path) -> None:
        index = build()
        built.append(index)
        index.save(str(path))

    def open_(path: Path) -> Any:
        view = Index.restore(str(path), view=True)
        if view is None:
            raise ValueError(f"{path} is not a usearch index")
        return view

    try:
        return _shared(where, key, "usearch", open_, write), True
    except (OSError, ValueError, RuntimeError) as exc:
        log.warning("shared index %s not usable (%s); keeping a private copy", where.name, exc)
        return (built[0] if built else build()), False


class StringColumn(Sequence[str | None]):
    """Strings (or None) as UTF-8 bytes and offsets: a shared file can hold 100,000 of them, where a list holds
    100,000 objects in each process."""

    def __init__(self, data: np.ndarray, offsets: np.ndarray, present: np.ndarray) -> None:
        self.data, self.offsets, self.present = data, offsets, present

    @classmethod
    def of(cls, values: Sequence[str | None]) -> StringColumn:
        encoded = [(v or "").encode() for v in values]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(e) for e in encoded], out=offsets[1:])
        data = np.frombuffer(b"".join(encoded), dtype=np.uint8).copy()
        return cls(data, offsets, np.array([v is not None for v in values], dtype=bool))

    def __len__(self) -> int:
        return len(self.present)

    def __getitem__(self, i: int) -> str | None:  # type: ignore[override]
        if not self.present[i]:
            return None
        return bytes(self.data[self.offsets[i] : self.offsets[i + 1]]).decode()


# --- bundles: several arrays and their small metadata in one file -----------------------------------------

_BUNDLE_MAGIC = b"SKILLATLAS-BUNDLE-1\n"
_ALIGN = 64


def write_bundle(path: Path, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
    """One file: a magic line, the length of a JSON header, the header (each array's dtype, shape and offset,
    and `meta`), then each array's bytes at an aligned offset, so `read_bundle` can memory-map every one."""
    layout: dict[str, Any] = {}
    offset = 0
    contiguous = {name: np.ascontiguousarray(value) for name, value in arrays.items()}
    for name, value in contiguous.items():
        if value.dtype.hasobject:
            raise ValueError(f"bundle array {name}: object arrays cannot be shared")
        layout[name] = [value.dtype.str, list(value.shape), offset]
        offset += -(-value.nbytes // _ALIGN) * _ALIGN
    header = json.dumps({"arrays": layout, "meta": meta}, separators=(",", ":")).encode()
    start = -(-(len(_BUNDLE_MAGIC) + 8 + len(header)) // _ALIGN) * _ALIGN
    with open(path, "wb") as file:
        file.write(_BUNDLE_MAGIC + len(header).to_bytes(8, "little") + header)
        file.write(b"\0" * (start - file.tell()))
        for name, value in contiguous.items():
            if value.nbytes:
                file.seek(start + layout[name][2])
                file.write(memoryview(value.reshape(-1)).cast("B"))
        file.truncate(start + offset)


def read_bundle(path: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The arrays of a bundle, memory-mapped read-only, and its metadata."""
    with open(path, "rb") as file:
        if file.read(len(_BUNDLE_MAGIC)) != _BUNDLE_MAGIC:
            raise ValueError(f"{path} is not a bundle")
        size = int.from_bytes(file.read(8), "little")
        header = json.loads(file.read(size))
    start = -(-(len(_BUNDLE_MAGIC) + 8 + size) // _ALIGN) * _ALIGN
    arrays: dict[str, np.ndarray] = {}
    for name, (dtype, shape, offset) in header["arrays"].items():
        count = int(np.prod(shape, dtype=np.int64))
        if count == 0:
            arrays[name] = np.zeros(shape, dtype=dtype)
        else:
            # A plain ndarray over the mapping: slicing a np.memmap runs Python code at every index (a third of
            # a catalogue search's time).
            arrays[name] = np.asarray(
                np.memmap(path, dtype=dtype, mode="r", offset=start + offset, shape=tuple(shape))
            )
    return arrays, header["meta"]


def shared_bundle(
    where: SharedSpace, key: str, build: Callable[[], tuple[dict[str, np.ndarray], dict[str, Any]]]
) -> tuple[dict[str, np.ndarray], dict[str, Any]] | None:
    """The arrays and metadata built by `build()` for the inputs behind `key`, memory-mapped from their shared
    file (built and written first when there is none); None when the file cannot be used (a full disk, a
    read-only directory): the caller then keeps its own copy."""
    try:
        return _shared(where, key, "bundle", read_bundle, lambda path: write_bundle(path, *build()))  # type: ignore[no-any-return]
    except (OSError, ValueError) as exc:
        log.warning("shared index %s not usable (%s); keeping a private copy", where.name, exc)
        return None


def release_freed_memory() -> None:
    """Gives the heap freed by a large build back to the operating system (glibc's `malloc_trim`): a server
    process that read 100,000 experts keeps hundreds of megabytes of freed rows otherwise. A no-op elsewhere."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if not name:
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(name).malloc_trim(0)


def open_array(where: SharedSpace, key: str) -> np.ndarray | None:
    """The verified array file of `key`, memory-mapped, or None when there is none (never builds one)."""
    path = _verified(where, key, "npy")
    if path is None:
        return None
    try:
        return np.asarray(np.load(path, mmap_mode="r", allow_pickle=False))  # see read_bundle
    except (OSError, ValueError):
        return None
