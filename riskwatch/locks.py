"""One writer at a time: an exclusive file lock per thing written (a store, a folder).

The lock file lives in the temporary folder, keyed by the target's resolved path, so
no lock file is ever left in the user's folders; the lock is released when the
holder exits, even on kill -9 (the kernel drops a dead process's flock).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def exclusive_lock(target: Path, purpose: str) -> Iterator[None]:
    """Hold an exclusive lock on `target` (which need not exist yet); others wait for it."""
    key = hashlib.sha256(str(Path(target).resolve()).encode()).hexdigest()[:16]
    with open(Path(tempfile.gettempdir()) / f"riskwatch-{purpose}-{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
