"""A full disk or a refused write, told in one Chinese line: which path, and why.

Python reports `OSError: [Errno 28] No space left on device` with a traceback, and often
without the path: a write that fails after `open()` succeeded carries no file name. The
build's own writes wrap themselves in `naming(path)`, so the error carries the path; the
engines (the MkDocs hook, `classroom pages`) turn any OSError into `message(...)`. The site
itself is written into a staging folder that is only swapped in when complete, so the
previous site is never touched (second_classroom.output.AtomicOutput).
"""

from __future__ import annotations

import contextlib
import errno
from collections.abc import Iterator
from pathlib import Path

CAUSES = {
    errno.ENOSPC: "磁盘空间已满",
    errno.EDQUOT: "超出了磁盘配额",
    errno.EACCES: "没有访问权限",
    errno.EPERM: "操作不被允许（权限不足）",
    errno.EROFS: "所在的文件系统是只读的",
    errno.ENOENT: "路径不存在",
    errno.ENOTDIR: "路径中有一段不是文件夹",
    errno.EISDIR: "目标是一个文件夹",
    errno.EIO: "磁盘读写出错",
    errno.EMFILE: "打开的文件过多",
    errno.ENAMETOOLONG: "文件名过长",
}


@contextlib.contextmanager
def naming(path: Path | str) -> Iterator[None]:
    """Give an OSError raised inside the block the file name `path` when it has none."""
    try:
        yield
    except OSError as exc:
        if exc.filename is None:
            exc.filename = str(path)
        raise


def find(error: BaseException | None) -> OSError | None:
    """Return the OSError that `error` is or was raised from (its cause or context)."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, OSError):
            return error
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None


def message(exc: OSError, where: Path | str | None = None) -> str:
    """Return one Chinese line: the path, the cause, and that the build stopped with the
    previous site unchanged. `where` names the output folder when the error has no path."""
    path = exc.filename2 if exc.errno == errno.ENOSPC and exc.filename2 else exc.filename
    if path is None:
        path = f"{where}（写入其中的文件时）" if where is not None else "（路径未知）"
    cause = CAUSES.get(exc.errno or 0, "")
    detail = exc.strerror or str(exc)
    reason = f"{cause}（{detail}）" if cause else detail
    return f"构建失败：{path}：{reason}。构建已停止，原有站点保持不变。"
