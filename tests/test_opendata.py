"""Open data (/data/): every file read back by an outside reader and checked against the
published schemas: jsonschema for the JSON, the `geojson` package for RFC 7946, Python's
csv module and LibreOffice for the CSV."""

from __future__ import annotations

import csv
import gzip
import io
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import geojson
import jsonschema
import openpyxl
import pytest
from conftest import REPO

from second_classroom import opendata
from second_classroom.build import BuildOptions, OptionsError
from second_classroom.catalog import Catalog
from second_classroom.models import KINDS
from second_classroom.opendata import META_KEYS, data_files, write_open_data
from second_classroom.render import RenderOptions
from second_classroom.render.datapage import data_page

SITE_URL = "https://second-classroom.example/"


@pytest.fixture(scope="module")
def data_dir(catalog: Catalog, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample's open data, written as the build writes it."""
    out = tmp_path_factory.mktemp("opendata")
    stats = write_open_data(catalog, out, SITE_URL, "CC BY 4.0")
    assert stats.files > len(catalog.records)
    return out / "data"


def _json(path: Path) -> Any:
    return json.loads(path.read_text("utf-8"))


def _validator(schema: dict[str, Any]) -> jsonschema.protocols.Validator:
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def test_every_record_file_validates_against_its_published_schema(data_dir: Path,
                                                                    catalog: Catalog) -> None:
    checked = 0
    for kind, records in catalog.by_kind.items():
        if not records:
            continue
        validator = _validator(_json(data_dir / "schema" / f"{kind}.schema.json"))
        files = sorted((data_dir / kind).glob("*.json"))
        assert [f.stem for f in files] == sorted(r.id for r in records)
        for file in files:
            errors = [e.message for e in validator.iter_errors(_json(file))]
            assert errors == [], f"{file.name}: {errors}"
            checked += 1
        listing = _json(data_dir / f"{kind}.json")
        list_validator = _validator(_json(data_dir / "schema" / f"{kind}-list.schema.json"))
        assert [e.message for e in list_validator.iter_errors(listing)] == []
        assert listing["count"] == len(records) == len(listing["records"])
    assert checked == len(catalog.records)


def test_the_schemas_can_fail(data_dir: Path) -> None:
    """The published schemas refuse what they should, so a pass above means something."""
    validator = _validator(_json(data_dir / "schema" / "sites.schema.json"))
    record = _json(data_dir / "sites" / "zunyi-huiyi-huizhi.json")
    assert not list(validator.iter_errors(record))
    for broken in ({**record, "name": 5}, {**record, "verified": "2026-13-01"},
                   {**record, "unknown": "x"}, {**record, "people": ["mao-zedong"]},
                   {k: v for k, v in record.items() if k != "summary"}):
        assert list(validator.iter_errors(broken)), broken


def test_no_field_is_named_like_a_record_files_own_keys() -> None:
    for spec in KINDS.values():
        assert not set(META_KEYS) & {f.name for f in spec.fields}, spec.name


def test_references_are_ids_with_page_and_data_urls(data_dir: Path, catalog: Catalog) -> None:
    story = _json(data_dir / "stories" / "longzhou-duoyangshi-ketang.json")
    assert story["page"] == SITE_URL + "stories/longzhou-duoyangshi-ketang/"
    assert story["record_kind"] == "stories"
    assert story["sites"] == [{"id": "longzhou-qiyi-jinianguan",
                               "page": SITE_URL + "sites/longzhou-qiyi-jinianguan/",
                               "data": SITE_URL + "data/sites/longzhou-qiyi-jinianguan.json"}]
    for link in story["sites"] + story["outlines"]:
        assert (data_dir.parent / link["data"].removeprefix(SITE_URL)).is_file()
    site = _json(data_dir / "sites" / "zunyi-huiyi-huizhi.json")
    assert site["events"][0] == {"date": "1935-01-15", "text": site["events"][0]["text"],
                                 "source": 1}
    verified = catalog.records["zunyi-huiyi-huizhi"].data["verified"]
    assert site["verified"] == verified.isoformat()  # dates as ISO text


def test_geojson_is_valid_rfc_7946_with_page_urls(data_dir: Path, catalog: Catalog) -> None:
    text = (data_dir / "sites.geojson").read_text("utf-8")
    collection = geojson.loads(text)
    assert isinstance(collection, geojson.FeatureCollection)
    assert collection.is_valid, collection.errors()
    located = {r.id: r for r in catalog.by_kind["sites"] if "location" in r.data}
    assert len(collection["features"]) == len(located) > 10
    for feature in collection["features"]:
        assert feature.is_valid
        record = located[feature["properties"]["id"]]
        lng, lat = feature["geometry"]["coordinates"]
        assert (lat, lng) == (record.data["location"]["lat"], record.data["location"]["lng"])
        assert feature["properties"]["page"] == SITE_URL + record.url
        assert feature["properties"]["name"] == record.title
        assert 73 < lng < 136 and 3 < lat < 54  # [longitude, latitude], RFC 7946 §3.1.1
    assert "crs" not in json.loads(text)  # RFC 7946 §4: WGS-84 only, no crs member
    # The validator is not a rubber stamp: a position without a latitude is refused.
    bad = json.loads(text)
    bad["features"][0]["geometry"]["coordinates"] = [106.9]
    assert not geojson.loads(json.dumps(bad)).is_valid


def _csv_rows(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel on Chinese Windows reads UTF-8
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_csv_reads_back_with_chinese_intact(data_dir: Path, catalog: Catalog) -> None:
    for kind, records in catalog.by_kind.items():
        if not records:
            continue
        header, *rows = _csv_rows(data_dir / f"{kind}.csv")
        assert header[:2] == ["编号", "页面"]
        assert [r[0] for r in rows] == [r.id for r in records]
        title = header.index(KINDS[kind].field(KINDS[kind].title_field).label)
        assert [r[title] for r in rows] == [r.title for r in records]
    header, *rows = _csv_rows(data_dir / "sites.csv")
    row = dict(zip(header, next(r for r in rows if r[0] == "zunyi-huiyi-huizhi"), strict=True))
    zunyi = catalog.records["zunyi-huiyi-huizhi"].data
    assert row["主题"] == "；".join(zunyi["themes"])  # lists joined with “；”
    assert row["所在地区·省级行政区"] == "贵州省"
    assert row["大事"].startswith("1935-01-15 | ")


def test_libreoffice_reads_the_csv_as_python_does(data_dir: Path, tmp_path: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice is a test dependency: scripts/setup.sh installs libreoffice-calc"
    source = tmp_path / "sites.csv"
    shutil.copy(data_dir / "sites.csv", source)
    outdir = tmp_path / "lo"
    done = subprocess.run(
        [soffice, f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless",
         "--infilter=CSV:44,34,76,1", "--convert-to", "xlsx", "--outdir", str(outdir),
         str(source)], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    sheet = openpyxl.load_workbook(outdir / "sites.xlsx").active
    assert sheet is not None
    office = [["" if c is None else str(c) for c in row] for row in sheet.iter_rows(values_only=True)]
    ours = _csv_rows(data_dir / "sites.csv")
    assert len(office) == len(ours)
    assert office[0] == ours[0]  # the Chinese header, BOM not leaking into 编号
    names = ours[0].index("名称")
    assert [r[names] for r in office] == [r[names] for r in ours]
    bodies = ours[0].index("详细介绍")
    assert [r[bodies].replace("\r\n", "\n") for r in office] == [r[bodies] for r in ours]


def test_output_is_deterministic(catalog: Catalog) -> None:
    first = [(f.uri, f.content) for f in data_files(catalog, SITE_URL, "CC BY 4.0")]
    second = [(f.uri, f.content) for f in data_files(catalog, SITE_URL, "CC BY 4.0")]
    assert first == second
    assert len({uri for uri, _ in first}) == len(first)


def test_a_worker_writes_the_same_files(catalog: Catalog, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A large site writes the open data in a worker process: same bytes as inline."""
    inline = tmp_path / "inline"
    write_open_data(catalog, inline, SITE_URL, "")
    monkeypatch.setattr(opendata, "AHEAD_MIN", 1)
    worker = tmp_path / "worker"
    stats = opendata.open_data_ahead(catalog, worker, SITE_URL, "").result(timeout=120)
    assert stats.files > len(catalog.records)

    def tree(root: Path) -> dict[str, bytes]:
        return {p.relative_to(root).as_posix(): p.read_bytes()
                for p in sorted(root.rglob("*")) if p.is_file()}

    assert tree(worker) == tree(inline)


def test_stats_name_every_file_and_give_the_digests_of_those_written(
        catalog: Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The build takes the folder's names and the written files' digests from the stats
    (neither walking /data/ nor reading it back for sw.js): they must be what is there."""
    from second_classroom.output import file_digest
    from second_classroom.walk import files_under

    monkeypatch.setattr(opendata, "_BIG", 2048)  # some files get their copies here
    record = next(iter(catalog.records.values()))
    kept = opendata.record_data_uri(record.kind, record.id)
    (tmp_path / kept).parent.mkdir(parents=True)
    (tmp_path / kept).write_bytes(b"moved over by a warm build")
    stats = write_open_data(catalog, tmp_path, SITE_URL, "", kept=[kept])
    names, digests = stats.take_files()
    assert not stats.names and not stats.digests  # taken
    on_disk = [f"data/{rel}" for rel in files_under(tmp_path / "data")]
    assert sorted(names) == sorted(on_disk) and len(names) == len(set(names))
    assert any(name.endswith(".gz") for name in names)
    assert digests == {str(tmp_path / rel): file_digest((tmp_path / rel).read_bytes())
                       for rel in on_disk if rel != kept and not rel.endswith((".gz", ".br"))}


def test_index_lists_every_file_and_the_licence(data_dir: Path, catalog: Catalog) -> None:
    index = _json(data_dir / "index.json")
    assert index["licence"] == "CC BY 4.0"
    assert index["coordinates"] == "WGS-84"
    assert {k["kind"]: k["count"] for k in index["kinds"]} == {
        k: len(v) for k, v in catalog.by_kind.items() if v}
    for entry in index["kinds"]:
        for key in ("json", "csv", "schema", "list_schema"):
            assert (data_dir.parent / entry[key].removeprefix(SITE_URL)).is_file()


def test_data_page_says_what_there_is(catalog: Catalog) -> None:
    licence = "知识共享署名 4.0 国际许可协议（CC BY 4.0）"
    page = data_page(catalog, RenderOptions(licence=licence))
    html = page.html
    assert page.uri == "data/index.md"
    assert f"<strong>{licence}</strong>" in html
    for needle in ("WGS-84", "GCJ-02", "2026年", "sites.geojson", "UTF-8", "字段说明",
                   "<code>events[].source</code>", "<code>record_kind</code>"):
        assert needle in html, needle
    for kind, records in catalog.by_kind.items():
        if records:
            assert f'href="../data/{kind}.csv"' in html
            assert f'<th scope="row">{KINDS[kind].label}</th><td>{len(records)}</td>' in html
    unlicensed = data_page(catalog, RenderOptions()).html
    assert "尚未声明内容许可" in unlicensed and "<strong>" + licence not in unlicensed


def test_licence_and_the_switch_are_build_options() -> None:
    options = BuildOptions.from_mapping({"licence": "CC BY 4.0", "open_data": False}, "x")
    assert (options.licence, options.open_data) == ("CC BY 4.0", False)
    with pytest.raises(OptionsError, match="licence"):
        BuildOptions.from_mapping({"licnce": "CC BY 4.0"}, "x")


def test_built_site_has_the_files_precompressed(built_site: Path) -> None:
    data = built_site / "data"
    for name in ("sites.json", "sites.csv", "sites.geojson", "index.json",
                 "schema/sites.schema.json"):
        assert (data / name).is_file(), name
        for suffix in (".gz", ".br"):
            assert (data / (name + suffix)).is_file(), name + suffix
        assert gzip.decompress((data / (name + ".gz")).read_bytes()) == \
            (data / name).read_bytes()
    # The ~2 KB per-record files are left to nginx's on-the-fly gzip (output._NO_COPY).
    assert (data / "sites" / "zunyi-huiyi-huizhi.json").is_file()
    assert not (data / "sites" / "zunyi-huiyi-huizhi.json.gz").exists()
    page = (data / "index.html").read_text("utf-8")
    assert "数据下载" in page and "GCJ-02" in page
    assert (REPO / "deploy" / "nginx.conf").read_text("utf-8").count("application/geo+json") >= 2
