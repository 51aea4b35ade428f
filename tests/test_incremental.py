"""Rebuilds: a build whose inputs did not change leaves the site as it is; after any
sequence of edits the rebuilt site is byte-identical to a cold build of the same data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from conftest import REPO, build_site, site_config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from second_classroom.build import BuildOptions, SiteBuild, write_site, write_site_if_changed
from second_classroom.problems import DataError

OPTIONS = BuildOptions(downloads=False)


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


# --- edits an editor makes ------------------------------------------------------------------

def _sites(data: Path) -> list[Path]:
    return sorted((data / "sites").glob("*.yml"))


def edit_field(data: Path, pick: int) -> None:
    """Change one site's summary."""
    path = _sites(data)[pick % len(_sites(data))]
    text = path.read_text("utf-8")
    line = next(x for x in text.splitlines() if x.startswith("summary:"))
    path.write_text(text.replace(line, f"summary: 修订后的简介（第{pick}次修改）。"), "utf-8")


def add_record(data: Path, pick: int) -> None:
    """Add a site written like an existing one, under a new id and name."""
    source = _sites(data)[pick % len(_sites(data))]
    text = source.read_text("utf-8")
    first = text.splitlines()[0]
    (data / "sites" / f"added-{pick}.yml").write_text(
        text.replace(first, f"name: 新增纪念馆{pick}号", 1), "utf-8")


def delete_record(data: Path, pick: int) -> None:
    """Delete a site (its referrers then fail the check: both builds must agree)."""
    _sites(data)[pick % len(_sites(data))].unlink()


def rename_target(data: Path, pick: int) -> None:
    """Give a person a new id, and every reference to them with it."""
    people = sorted((data / "people").glob("*.yml"))
    old = people[pick % len(people)]
    new_id = f"renamed-{pick}"
    if (data / "people" / f"{new_id}.yml").exists():
        return
    old.rename(data / "people" / f"{new_id}.yml")
    for path in data.rglob("*.yml"):
        text = path.read_text("utf-8")
        if old.stem in text:
            path.write_text(text.replace(old.stem, new_id), "utf-8")


def change_vocabulary(data: Path, pick: int) -> None:
    """Swap the order of two audiences (listings follow the vocabulary's order), or add a
    site kind nobody uses yet."""
    path = data / "vocab.yml"
    vocab = path.read_text("utf-8")
    if pick % 2:
        vocab = vocab.replace("  - 党员干部\n  - 青少年学生\n", "  - 青少年学生\n  - 党员干部\n", 1) \
            if "  - 党员干部\n  - 青少年学生\n" in vocab else \
            vocab.replace("  - 青少年学生\n  - 党员干部\n", "  - 党员干部\n  - 青少年学生\n", 1)
    else:
        vocab = vocab.replace("kinds:\n", f"kinds:\n  - 新类型{pick}\n", 1)
    path.write_text(vocab, "utf-8")


def no_change(data: Path, pick: int) -> None:
    """Save nothing (the next build has nothing to do)."""


EDITS = [edit_field, add_record, delete_record, rename_target, change_vocabulary, no_change]
# One to three of them, each on a record picked by number: the property tests' sequences.
EDIT_STEPS = st.lists(st.tuples(st.sampled_from(EDITS), st.integers(0, 99)), min_size=1,
                      max_size=3)


def _cold(project: Path, out: Path) -> dict[str, bytes] | str:
    """The site a cold build of `project` writes, or the check's first problem."""
    try:
        build = SiteBuild.start(project, OPTIONS)
    except DataError as exc:
        return exc.problems[0].format().replace(str(project), "")
    write_site(build, out)
    return _tree(out)


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=EDIT_STEPS)
def test_rebuilds_after_any_edits_equal_a_cold_build(
        small_tree: Path, tmp_path_factory: pytest.TempPathFactory,
        steps: list[tuple[object, int]]) -> None:
    project = tmp_path_factory.mktemp("project")
    data = project / "site_data"
    shutil.copytree(small_tree, data)
    site = project / "site"
    assert write_site_if_changed(project, OPTIONS, site) is not None  # first: a full build
    for edit, pick in steps:
        edit(data, pick)  # type: ignore[operator]
        try:
            done = write_site_if_changed(project, OPTIONS, site)
        except DataError as exc:
            problem = exc.problems[0].format().replace(str(project), "")
            assert _cold(project, tmp_path_factory.mktemp("cold")) == problem
            continue
        if edit is no_change:
            assert done is None  # nothing to do: the site stays as it is
        incremental = _tree(site)
        assert incremental == _cold(project, tmp_path_factory.mktemp("cold"))


def test_an_unchanged_mkdocs_build_leaves_the_site_and_a_change_rebuilds_it(
        tmp_path: Path) -> None:
    data = tmp_path / "site_data"
    shutil.copytree(REPO / "site_data", data)
    overrides = tmp_path / "overrides"
    shutil.copytree(REPO / "overrides", overrides)
    config = site_config(tmp_path, data, downloads=False)
    loaded = yaml.safe_load(config.read_text("utf-8"))
    loaded["theme"]["custom_dir"] = str(overrides)
    config.write_text(yaml.safe_dump(loaded, allow_unicode=True), "utf-8")
    site = tmp_path / "site"

    def build() -> str:
        done = build_site(config, site, cwd=tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout + done.stderr

    assert "站点已完整写入" in build()
    first, inode = _tree(site), site.stat().st_ino
    log = build()  # nothing changed
    assert "没有变化" in log and "站点已完整写入" not in log
    assert _tree(site) == first and site.stat().st_ino == inode
    assert not [p for p in tmp_path.iterdir() if "unchanged" in p.name]  # throwaway gone

    # A template change rebuilds the site.
    copyright_html = overrides / "partials" / "copyright.html"
    copyright_html.write_text(copyright_html.read_text("utf-8").replace(
        "内容来源均注明出处与核实日期", "内容来源均注明出处与核实日期（模板已改）"), "utf-8")
    assert "站点已完整写入" in build()
    assert "模板已改" in (site / "sites" / "index.html").read_text("utf-8")

    # A data change rebuilds it, and the result is what a cold build writes.
    record = data / "people" / "lei-feng.yml"
    text = record.read_text("utf-8")
    line = next(x for x in text.splitlines() if x.startswith("summary:"))
    record.write_text(text.replace(line, "summary: 修订后的雷锋简介。"), "utf-8")
    assert "站点已完整写入" in build()
    cold = tmp_path / "cold"
    done = build_site(config, cold, cwd=tmp_path)
    assert done.returncode == 0
    assert "修订后的雷锋简介" in (site / "people" / "lei-feng" / "index.html").read_text("utf-8")
    assert _tree(site) == _tree(cold)

    # A site changed by hand (its sw.js no longer the one built) is rebuilt.
    (site / "sw.js").write_text("// tampered", "utf-8")
    assert "站点已完整写入" in build()
    assert _tree(site) == _tree(cold)
