"""A full disk or a refused write during a build ends with one Chinese line that names the
path and the cause, with no Python traceback, and the previous site stays as it was.

The real thing where the machine allows it: a tiny tmpfs that fills up (ENOSPC) and a
read-only mount (EROFS) or, for a user who is not root, a folder without write
permission (EACCES); both engines (`mkdocs build` with the hook, `classroom pages`). The
same path with the error injected at the write layer runs everywhere.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO, site_config

from second_classroom import cli, diskerror

sys.path.insert(0, str(REPO / "bench"))

from synth import write_synthetic  # noqa: E402

ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """60 valid records, no outlines (no downloads to export: the build stays quick)."""
    root = tmp_path_factory.mktemp("disk-data") / "site_data"
    write_synthetic(root, 60, seed=2, outlines=0)
    return root


def _old_site(site: Path) -> dict[str, bytes]:
    site.mkdir(parents=True)
    (site / "index.html").write_text("旧站点", encoding="utf-8")
    (site / "sites").mkdir()
    (site / "sites" / "index.html").write_text("旧的红色地标", encoding="utf-8")
    return _tree(site)


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _mount(point: Path, options: str) -> None:
    point.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}); "
                    "test_an_injected_full_disk_* cover the same path")


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 600 KB tmpfs: room for the old site, not for a new one."""
    point = tmp_path / "disk"
    _mount(point, "size=600k")
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], check=False)


@pytest.fixture
def no_write(tmp_path: Path) -> Iterator[Path]:
    """A folder the build may not write in: read-only mount as root, else mode 0555."""
    point = tmp_path / "locked"
    if os.geteuid() == 0:
        _mount(point, "size=1m")
        try:
            yield point
        finally:
            subprocess.run(["umount", "-l", str(point)], check=False)
    else:
        point.mkdir()
        yield point
        point.chmod(0o755)


def _lock(point: Path) -> None:
    """Make `point` unwritable, after the old site was put there."""
    if os.geteuid() == 0:
        subprocess.run(["mount", "-o", "remount,ro", str(point)], check=True)
    else:
        point.chmod(0o555)


def _one_chinese_line(output: str, place: Path, causes: tuple[str, ...]) -> str:
    assert "Traceback" not in output, output[-3000:]
    lines = [line for line in output.splitlines() if line.strip()]
    last = lines[-1]
    assert last.startswith("构建失败："), output[-3000:]
    assert str(place) in last, last
    assert any(cause in last for cause in causes), last
    assert "原有站点保持不变" in last
    return last


def _pages(data: Path, out: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "second_classroom.cli", "pages", str(out),
                           "--data", str(data)], cwd=cwd, env=ENV, capture_output=True,
                          text=True, timeout=600)


def _mkdocs(config: Path, out: Path) -> subprocess.CompletedProcess[str]:
    """Run `mkdocs build`; its log (stderr) and its final message (stdout) in one stream."""
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "-f", str(config),
                           "-d", str(out)], cwd=config.parent, env=ENV, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=600)


FULL = ("磁盘空间已满",)
REFUSED = ("所在的文件系统是只读的", "没有访问权限")


def test_full_disk_stops_classroom_pages_in_one_line(data: Path, small_disk: Path,
                                                     tmp_path: Path) -> None:
    site = small_disk / "site"
    before = _old_site(site)
    done = _pages(data, site, tmp_path)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1, done.stderr  # one line, nothing else
    _one_chinese_line(done.stderr, small_disk, FULL)
    assert _tree(site) == before
    assert sorted(p.name for p in small_disk.iterdir()) == ["site"]  # no staging left


def test_full_disk_stops_mkdocs_build_in_one_line(data: Path, small_disk: Path,
                                                  tmp_path: Path) -> None:
    site = small_disk / "site"
    before = _old_site(site)
    config = site_config(tmp_path / "project", data, downloads=False)
    done = _mkdocs(config, site)
    assert done.returncode == 1
    _one_chinese_line(done.stdout, small_disk, FULL)
    assert _tree(site) == before
    assert sorted(p.name for p in small_disk.iterdir()) == ["site"]


def test_refused_write_stops_both_engines_in_one_line(data: Path, no_write: Path,
                                                      tmp_path: Path) -> None:
    site = no_write / "site"
    before = _old_site(site)
    _lock(no_write)
    done = _pages(data, site, tmp_path)
    assert done.returncode == 1
    _one_chinese_line(done.stderr, no_write, REFUSED)
    config = site_config(tmp_path / "project", data, downloads=False)
    done = _mkdocs(config, site)
    assert done.returncode == 1
    _one_chinese_line(done.stdout, no_write, REFUSED)
    assert _tree(site) == before


def test_an_injected_full_disk_names_the_page_being_written(
        data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Runs anywhere (no mount needed): the disk fills while a record page is written."""
    site = tmp_path / "site"
    before = _old_site(site)
    write_text = Path.write_text

    def full(self: Path, *args: object, **kwargs: object) -> int:
        if self.name == "site-00003.md":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))  # no file name, as write()
        return write_text(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "write_text", full)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["pages", str(site), "--data", str(data)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    line = _one_chinese_line(err, site.parent, FULL)
    assert "sites/site-00003.md" in line
    assert _tree(site) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".site")) == []


def test_the_message_names_the_destination_and_the_cause() -> None:
    error = OSError(errno.ENOSPC, "No space left on device", "/src/a.css", None, "/site/a.css")
    assert diskerror.message(error) == (
        "构建失败：/site/a.css：磁盘空间已满（No space left on device）。构建已停止，原有站点保持不变。")
    nameless = OSError(errno.EACCES, "Permission denied")
    assert diskerror.message(nameless, "site").startswith("构建失败：site（写入其中的文件时）：没有访问权限")
    wrapped = RuntimeError("worker failed")
    wrapped.__cause__ = nameless
    assert diskerror.find(wrapped) is nameless
    assert diskerror.find(RuntimeError("other")) is None


def test_a_full_disk_under_the_cache_is_one_line_too(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The downloads are exported into .cache/ (placed after the pages): a full disk there."""
    data = tmp_path / "site_data"
    write_synthetic(data, 40, seed=5, outlines=1)
    from second_classroom import cachefile

    def full(path: Path, data: bytes) -> None:
        with diskerror.naming(path):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(cachefile, "store", full)
    monkeypatch.chdir(tmp_path)
    site = tmp_path / "site"
    before = _old_site(site)
    assert cli.main(["pages", str(site), "--data", str(data)]) == 1
    _, err = capsys.readouterr()
    line = _one_chinese_line(err, tmp_path / ".cache" / "exports", FULL)
    assert err.count("\n") == 1, err
    assert line.endswith(("pdf：磁盘空间已满（No space left on device）。构建已停止，原有站点保持不变。",
                          "docx：磁盘空间已满（No space left on device）。构建已停止，原有站点保持不变。",
                          "md：磁盘空间已满（No space left on device）。构建已停止，原有站点保持不变。"))
    assert _tree(site) == before
