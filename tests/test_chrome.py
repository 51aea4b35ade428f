"""Record pages spliced into one rendering of Material's page per folder are the same
bytes as the pages MkDocs renders one by one (`splice_records: false`): every file of the
site, sitemap and sw.js included."""

from __future__ import annotations

import html
import html.parser
import re
import shutil
from pathlib import Path

import pytest
from conftest import REPO, build_site, site_config

from second_classroom.chrome import (
    CONTENT,
    DESCRIPTION,
    ID,
    TITLE,
    Chrome,
    ChromeError,
    compact,
    place,
)
from second_classroom.render import PAGE_SIZE

TRICKY = '百色起义纪念馆 </title><script>alert(1)</script> & "引号" \'单引号\''


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def tricky_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample data with a site whose name needs escaping everywhere it is printed."""
    data = tmp_path_factory.mktemp("tricky") / "site_data"
    shutil.copytree(REPO / "site_data", data)
    path = data / "sites" / "baise-qiyi-jinianguan.yml"
    text = path.read_text("utf-8")
    assert text.startswith("name: 百色起义纪念馆\n")
    path.write_text(text.replace("name: 百色起义纪念馆\n",
                                 "name: " + repr(TRICKY).replace("\\'", "''") + "\n", 1),
                    "utf-8")
    # More sites of one province than a listing page holds: its further pages
    # (`province/…/2.md`, written as `province/…/2/index.html`) are spliced too.
    other = (data / "sites" / "balujun-guilin-banshichu.yml").read_text("utf-8")
    name = other.splitlines()[0]
    for n in range(PAGE_SIZE):
        (data / "sites" / f"zz-copy-{n:03d}.yml").write_text(
            other.replace(name, f"{name}（测试副本{n}）", 1), "utf-8")
    return data


def _built(tmp: Path, data: Path, name: str, **options: object) -> Path:
    config = site_config(tmp / name, data, downloads=False, **options)
    done = build_site(config, tmp / name / "site")
    assert done.returncode == 0, done.stdout + done.stderr
    return tmp / name / "site"


def test_spliced_record_pages_are_the_bytes_mkdocs_renders(tricky_data: Path,
                                                           tmp_path: Path) -> None:
    spliced = _tree(_built(tmp_path, tricky_data, "spliced"))
    rendered = _tree(_built(tmp_path, tricky_data, "rendered", splice_records=False))
    page = spliced["sites/baise-qiyi-jinianguan/index.html"].decode("utf-8")
    assert "&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;引号&#34;" in page \
        or "&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;引号&quot;" in page
    assert "<script>alert(1)" not in page
    assert '<link rel="canonical" href="https://second-classroom.example/sites/' \
           'baise-qiyi-jinianguan/">' in page
    assert "<loc>https://second-classroom.example/sites/baise-qiyi-jinianguan/</loc>" in \
        spliced["sitemap.xml"].decode("utf-8")
    assert "province/广西壮族自治区/2/index.html" in spliced
    assert sorted(spliced) == sorted(rendered)
    different = [name for name in spliced if spliced[name] != rendered[name]]
    assert different == []


def test_chrome_puts_each_value_in_its_place() -> None:
    shell = Chrome.parse(f"<title>{TITLE} - 站</title><meta content=\"{DESCRIPTION}\">"
                         f"<link href=\"https://x/sites/{ID}/\"><h2>{TITLE}</h2>{CONTENT}<p>")
    page = shell.fill('a<b>&"', "说明", "site-1", "<h1>正文</h1>")
    assert page == ('<title>a&lt;b&gt;&amp;&quot; - 站</title><meta content="说明">'
                    '<link href="https://x/sites/site-1/"><h2>a&lt;b&gt;&amp;&quot;</h2>'
                    "<h1>正文</h1><p>")
    with pytest.raises(ChromeError):
        Chrome.parse(f"<title>{TITLE}</title>")  # no content placeholder


def _written(tmp: Path, workers: int) -> tuple[dict[str, bytes], int]:
    """Record pages of the sample written by `write_record_pages` into a simple chrome,
    with their compressed copies; also the number of copies the build counted."""
    from second_classroom.build import BuildOptions, SiteBuild

    build = SiteBuild.start(REPO, BuildOptions(downloads=False, search=False))
    site = build.begin(tmp / f"site-{workers}", atomic=False, compress=True)
    shell = f"<html><title>{TITLE}</title><meta content=\"{DESCRIPTION}\">" \
            f"<a href=\"/x/{ID}/\">{CONTENT}</html>"

    def chrome(folder: str, described: bool) -> Chrome:
        return Chrome.parse(shell.replace(DESCRIPTION, DESCRIPTION if described else ""))

    count = build.write_record_pages(site, chrome, lambda page: "unfit " + page.uri,
                                     workers=workers, split_min=0)
    assert count == len(build.records)
    assert build.compressor is not None
    copies = build.compressor.wait().files
    return _tree(site), copies


def test_a_forked_writer_writes_the_same_pages_and_copies(tmp_path: Path) -> None:
    alone, alone_copies = _written(tmp_path, workers=1)
    shared, shared_copies = _written(tmp_path, workers=2)
    assert any(name.endswith("/index.html.br") for name in alone)
    assert shared == alone
    assert shared_copies == alone_copies > 0


@pytest.mark.parametrize("workers", [1, 2])
def test_generated_pages_written_with_the_records_are_write_spliced_pages_s(
        tmp_path: Path, workers: int) -> None:
    """Generated pages outside the navigation handed to `write_record_pages` (written by
    whichever of the two writers takes them) are the files `write_spliced_pages` writes
    after the records, copies and all; one the chrome does not fit is rendered whole."""
    from second_classroom.build import BuildOptions, SiteBuild
    from second_classroom.render import Page

    shell = f"<html><title>{TITLE}</title><meta content=\"{DESCRIPTION}\">" \
            f"<a href=\"/x/{ID}/\">{CONTENT}</html>"

    def chrome(folder: str, described: bool) -> Chrome:
        return Chrome.parse(shell.replace(DESCRIPTION, DESCRIPTION if described else "")
                            .replace("/x/", f"/{folder}/"))

    def written(name: str, together: bool) -> tuple[dict[str, bytes], int]:
        build = SiteBuild.start(REPO, BuildOptions(downloads=False, search=False))
        site = build.begin(tmp_path / name, atomic=False, compress=True)
        pages = [p for p in build.listing_pages() if place(p.uri) is not None]
        pages.append(Page("audience/no-heading/index.md", "无标题", "<p>正文</p>"))
        assert len(pages) > 10
        whole = lambda page: "whole " + page.uri  # noqa: E731
        if together:
            build.write_record_pages(site, chrome, whole, workers=workers, split_min=0,
                                     spliced=pages)
        else:
            build.write_record_pages(site, chrome, whole, workers=1)
            build.write_spliced_pages(site, pages, chrome, whole)
        assert build.compressor is not None
        copies = build.compressor.wait().files
        return _tree(site), copies

    apart, apart_copies = written("apart", together=False)
    together, together_copies = written("together", together=True)
    assert apart["audience/no-heading/index.html"] == b"whole audience/no-heading/index.md"
    assert together == apart
    assert together_copies == apart_copies > 0


def test_shares_hand_each_number_to_one_process_once() -> None:
    """A forked copy and this process taking from the same `_Shares` together take every
    number once; both take some when both are at it."""
    import time

    from second_classroom.build import _Shares
    from second_classroom.forked import ForkedJob

    shares = _Shares(400)

    def slowly() -> list[int]:
        for _ in shares:
            time.sleep(0.001)
        return shares.taken

    theirs = ForkedJob(slowly)
    for _ in shares:
        time.sleep(0.001)
    other = theirs.result()
    assert sorted(shares.taken + other) == list(range(400))
    assert shares.taken and other
    assert list(shares) == []  # all taken: nothing more for anyone


@pytest.mark.parametrize("workers", [1, 2])
def test_posters_written_with_their_pages_are_finish_s(tmp_path: Path, workers: int) -> None:
    """With `posters`, the page writers (this process and the forked one) write each QR
    poster `finish` would write, with the same bytes and digests; `finish` then writes
    none of them."""
    from second_classroom.build import BuildOptions, SiteBuild
    from second_classroom.output import file_digest
    from second_classroom.render import poster_asset, site_assets

    build = SiteBuild.start(REPO, BuildOptions(downloads=False, search=False))
    site = build.begin(tmp_path / "site", atomic=False, compress=False)
    shell = Chrome.parse(f"<title>{TITLE}</title><meta content=\"{DESCRIPTION}\">"
                         f"<a href=\"/x/{ID}/\">{CONTENT}")
    build.write_record_pages(site, lambda *_: shell, lambda page: "unfit " + page.uri,
                             workers=workers, split_min=0, posters=True)
    with_qr = {r.id for r in build.records.values() if r.spec.qr}
    assert with_qr and build.posters_written == with_qr
    for record in build.records.values():
        path = site / record.url / "poster.html"
        if record.id not in with_qr:
            assert not path.exists()
            continue
        expected = poster_asset(record, build.render).content.encode("utf-8")
        assert path.read_bytes() == expected
        assert build.written[str(path)] == file_digest(expected)
    left = [a.uri for a in site_assets(build.catalog, build.render, None,
                                       build.posters_written)]
    assert left and not any(uri.endswith("poster.html") for uri in left)


# A theme's page as its templates leave it: indented, blank lines of template tags, and
# elements whose whitespace counts (a script with "> <" in it, preformatted text, code).
THEMED = """<!doctype html>
<html lang="zh">
  <head>
····
      <title>{title} - 站</title>
      <script>var s = ">\\n    <"; if (a >
        b) {{ go() }}</script>
      <style>
        p  >  a {{ color: red }}
      </style>
  </head>
  <body>
    <nav class="md-tabs">
      <ul>
········
          <li><a href="../">
··············
              首页
············
          </a></li>
          <li><a href="x/">一</a> <a href="y/">二</a>  <b>三</b></li>
      </ul>
    </nav>
    <span class="md-ellipsis">
············
              {title}
············
          </span>
    <article>
      {content}
    </article>
    <pre>  keep <b>x</b>
      <i>this</i>  </pre>
    <p>文字 <code>a
   <i>b</i></code> 后</p>
    <textarea>
  as typed
</textarea>
    <pre><code>
  first</code>
  <b>then</b>
</pre>
  </body>
</html>
""".replace("·", " ")  # ·: a space on an otherwise blank line
CONTENT_HTML = "\n\n<div class=\"sc-record\">\n  <h1>标题</h1>\n    <p>正文</p>\n</div>\n\n"


class _Tokens(html.parser.HTMLParser):
    """A page as a browser reads it, whitespace collapsed as it renders it (one space
    for any run), except in elements whose text counts as written."""

    VERBATIM = {"script", "style", "pre", "textarea", "code", "kbd"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tokens: list[tuple[str, object]] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tokens.append(("start", (tag, attrs)))
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        self.tokens.append(("end", tag))
        if tag in self.open:
            del self.open[len(self.open) - 1 - self.open[::-1].index(tag):]

    def handle_data(self, data: str) -> None:
        if not self.VERBATIM & set(self.open):
            data = re.sub(r"\s+", " ", data)
        if self.tokens and self.tokens[-1][0] == "text":
            data = str(self.tokens.pop()[1]) + data
        self.tokens.append(("text", data))


def _as_read(page: str) -> list[tuple[str, object]]:
    parser = _Tokens()
    parser.feed(page)
    parser.close()
    return parser.tokens


def test_compacting_the_theme_changes_no_text_a_browser_shows() -> None:
    page = THEMED.format(title="百色起义纪念馆", content=CONTENT_HTML)
    small = compact(page, CONTENT_HTML)
    assert _as_read(small) == _as_read(page)
    assert len(small) < len(page) - 200
    assert CONTENT_HTML in small  # the page's own HTML as it was
    for kept in ('<script>var s = ">\\n    <"; if (a >\n        b) { go() }</script>',
                 "<pre>  keep <b>x</b>\n      <i>this</i>  </pre>",
                 "<code>a\n   <i>b</i></code>",
                 "<textarea>\n  as typed\n</textarea>",
                 "<pre><code>\n  first</code>\n  <b>then</b>\n</pre>", "<style>\n        p  >  a"):
        assert kept in small
    assert '<a href="x/">一</a> <a href="y/">二</a>  <b>三</b>' in small  # no line break
    assert "\n  " not in small.replace(CONTENT_HTML, "").split("<script>")[0]
    assert compact(small, CONTENT_HTML) == small  # once is enough


def test_a_compacted_chrome_fills_to_the_compacted_page() -> None:
    shell = Chrome.parse(compact(THEMED.format(title=TITLE, content=CONTENT), CONTENT))
    title = "百色起义纪念馆 <旧址> & “引号”"
    whole = THEMED.format(title=html.escape(title), content=CONTENT_HTML)
    assert shell.fill(title, "", "x", CONTENT_HTML) == compact(whole, CONTENT_HTML)


def test_pages_outside_the_nav_in_folders_of_their_own_are_placed() -> None:
    assert place("province/广西壮族自治区/index.md") == ("province", "广西壮族自治区")
    assert place("province/广西壮族自治区/2.md") == ("province/广西壮族自治区", "2")
    assert place("today/01-01.md") == ("today", "01-01")
    for top in ("index.md", "offline.md", "sites/index.md"):
        assert place(top) is None
