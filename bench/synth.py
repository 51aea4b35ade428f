"""Synthetic site_data trees for benchmarks: N valid records of every kind, deterministic.

    from synth import write_synthetic
    write_synthetic(Path("/tmp/data"), 10_000, seed=1)

About 70% sites, 10% people, 10% relics, 4% readings, 3% outlines, 3% routes and 1% quotations, each
record written the way an editor writes one (block YAML, ~1 KB of Chinese text), with
references between them that all resolve, coordinates spread over China, and a copy of
the project's site_data/vocab.yml. The tree passes `classroom check` without errors (a
few records are drafts that nobody references). Never point it at site_data/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
VOCAB = REPO / "site_data" / "vocab.yml"

SHARES = {"people": 0.10, "relics": 0.10, "readings": 0.04, "outlines": 0.03, "routes": 0.03,
          "quotes": 0.01}
PREFIX = {"sites": "site", "people": "person", "relics": "relic", "readings": "reading",
          "outlines": "outline", "routes": "route", "quotes": "quote", "studyplans": "plan",
          "stories": "story"}
FORMS = ["集中学习", "自学", "研讨交流", "专题党课", "现场教学", "观看专题片"]
VERIFIED = dt.date(2026, 11, 1)  # fixed, so the same seed gives the same bytes

# Approximate capitals of the provincial-level divisions; sites are scattered around them.
CENTRES = {
    "北京市": (39.90, 116.40), "天津市": (39.13, 117.20), "河北省": (38.04, 114.51),
    "山西省": (37.87, 112.55), "内蒙古自治区": (40.84, 111.75), "辽宁省": (41.80, 123.43),
    "吉林省": (43.82, 125.32), "黑龙江省": (45.75, 126.65), "上海市": (31.23, 121.47),
    "江苏省": (32.06, 118.80), "浙江省": (30.27, 120.16), "安徽省": (31.82, 117.23),
    "福建省": (26.07, 119.30), "江西省": (28.68, 115.86), "山东省": (36.65, 117.12),
    "河南省": (34.76, 113.65), "湖北省": (30.59, 114.31), "湖南省": (28.23, 112.94),
    "广东省": (23.13, 113.26), "广西壮族自治区": (22.82, 108.32), "海南省": (20.04, 110.35),
    "重庆市": (29.56, 106.55), "四川省": (30.57, 104.07), "贵州省": (26.65, 106.63),
    "云南省": (25.04, 102.71), "西藏自治区": (29.65, 91.13), "陕西省": (34.34, 108.94),
    "甘肃省": (36.06, 103.83), "青海省": (36.62, 101.78), "宁夏回族自治区": (38.49, 106.23),
    "新疆维吾尔自治区": (43.83, 87.62), "香港特别行政区": (22.32, 114.17),
    "澳门特别行政区": (22.20, 113.54), "台湾省": (25.03, 121.57),
}

SENTENCES = [
    "这里是开展党史学习教育和爱国主义教育的重要场所",
    "旧址保存完好，陈列展示了大量珍贵的历史照片和文献资料",
    "革命先辈在这里召开会议，作出了关系革命前途命运的重大决策",
    "纪念馆通过实物、图片和场景复原，再现了当年艰苦卓绝的斗争历程",
    "一代又一代共产党人在这里留下了坚定信念、不怕牺牲的红色足迹",
    "讲解员结合馆藏文物，讲述英烈舍生取义、为民族解放献身的感人故事",
    "每年有大批党员干部和青少年学生来此参观学习，接受革命传统教育",
    "展陈分为序厅、历史沿革、英烈事迹和新时代传承四个部分",
    "园区内松柏苍翠，纪念碑庄严肃穆，是缅怀革命先烈的重要地点",
    "这一时期的斗争为后来的胜利积累了宝贵经验，奠定了群众基础",
    "当地群众冒着生命危险掩护伤员、运送物资，军民鱼水情深",
    "现场教学可以安排重温入党誓词、聆听红色故事和瞻仰烈士墓等环节",
    "馆内设有多媒体演示厅，运用数字技术让历史场景直观可感",
    "这段历史告诉我们，人民群众是真正的英雄，民心是最大的政治",
    "通过学习这段历史，可以更好地理解中国共产党为什么能、马克思主义为什么行",
    "周边还保存有战壕、哨所和指挥部旧址，适合开展沉浸式体验教学",
    "讲好红色故事，传承红色基因，把红色资源利用好、红色传统发扬好",
    "展品中有书信、日记、枪支、军号和生活用品等，件件凝聚着初心使命",
    "旧址于二十世纪五十年代开始修缮，后经多次扩建形成今天的规模",
    "适合组织青少年开展研学实践，体会革命先辈的理想信念和家国情怀",
    "在田间地头开展送教下乡，用群众听得懂的语言讲清党的光辉历程",
    "这里见证了军民团结、共克时艰的峥嵘岁月，是生动的历史教科书",
]
SURNAMES = "王李张刘陈杨黄赵周吴徐孙朱马胡郭林何高罗郑梁谢宋唐韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺顾毛郝龚邵万覃武钱戴严莫孔向常"
GIVEN = "德明华国建文志刚英秀兰春海山林平东红军民中伟永光荣忠义勇毅诚"
PLACES = "东西南北中新老大小上下前后"
NOUNS = ["会议旧址", "纪念馆", "烈士陵园", "故居", "革命旧址", "纪念园", "战役遗址", "指挥部旧址"]
RELIC_NOUNS = ["军号", "马灯", "书信", "油印传单", "军旗", "望远镜", "手稿", "布鞋", "怀表", "木箱"]
ROLES = ["红军指挥员", "地下党组织负责人", "革命烈士", "农民运动领导人", "抗日英雄", "劳动模范"]


def _text(rng: random.Random, chars: int) -> str:
    """Chinese prose of about `chars` characters, sentences joined with ，/。."""
    parts: list[str] = []
    size = 0
    while size < chars:
        sentence = rng.choice(SENTENCES)
        parts.append(sentence + ("。" if rng.random() < 0.5 else "，"))
        size += len(sentence) + 1
    return "".join(parts).rstrip("，。") + "。"


def _flow(items: list[str]) -> str:
    return "[" + ", ".join(items) + "]"


def _counts(n: int, plans: int = 0, outlines: int | None = None,
            stories: int = 0) -> dict[str, int]:
    counts = {kind: max(1, int(n * share)) for kind, share in SHARES.items()}
    if plans:
        counts["studyplans"] = plans
    if outlines is not None:  # a fixed number instead of a share (the rest are sites)
        counts["outlines"] = outlines
    if stories:
        counts["stories"] = stories
    counts["sites"] = n - sum(counts.values())
    return counts


def _sources(rng: random.Random, i: int) -> str:
    lines = ["sources:"]
    for k in range(rng.randint(1, 2)):
        lines += [f"  - title: {rng.choice(NOUNS)}资料汇编（第{k + 1}辑）",
                  f"    publisher: {rng.choice(PLACES)}{rng.choice(PLACES)}党史研究室",
                  f"    url: https://example.org/records/{i}/{k}.html",
                  f"    accessed: {(VERIFIED - dt.timedelta(days=k)).isoformat()}"]
    verified = VERIFIED - dt.timedelta(days=rng.randint(0, 300))
    lines.append(f"verified: {verified.isoformat()}")
    return "\n".join(lines) + "\n"


def _body(rng: random.Random, chars: int) -> str:
    paragraphs = [_text(rng, chars // 3) for _ in range(3)]
    return "body: |\n" + "\n\n".join("  " + p for p in paragraphs) + "\n"


def write_synthetic(root: Path, n: int, seed: int, lectures: int = 0, tasks: int = 0,
                    plans: int = 0, outlines: int | None = None, stories: int = 0) -> None:
    """Write `n` valid records plus vocab.yml under `root` (created if needed).

    `lectures` and `tasks` of the `n` are 宣讲 and ledger records (written by
    write_local_work); the rest are shared out as the module docstring says. With `plans`,
    that many of the rest are 读书班 (studyplans) instead of sites; a third of the readings
    then list `contents`, and plans assign some of those chapters. With `outlines`, exactly
    that many are 宣讲提纲 (each one's downloads take seconds to export), the rest sites.
    With `stories`, that many of the rest are 经验做法 (stories) naming sites and outlines.
    """
    _write_resources(root, n - lectures - tasks, seed, plans, outlines, stories)
    if lectures or tasks:
        write_local_work(root, lectures, tasks, seed)


def write_local_work(root: Path, lectures: int, tasks: int, seed: int) -> None:
    """Write `lectures` 宣讲 records and `tasks` ledger items of a fictional 示例区 (marked
    sample), using the outlines already under `root`."""
    rng = random.Random(seed + 1)
    vocab = yaml.safe_load(VOCAB.read_text("utf-8"))
    audiences, categories = vocab["audiences"], vocab["task_categories"]
    outlines = sorted(p.stem for p in (root / "outlines").glob("*.yml"))
    towns = [f"示例镇{i + 1}" for i in range(max(1, lectures // 40))]
    units = [f"示例区第{i + 1}局" for i in range(max(1, tasks // 40))]
    forms = ["集中宣讲", "送教下乡", "微宣讲", "线上宣讲"]
    (root / "lectures").mkdir(exist_ok=True)
    (root / "tasks").mkdir(exist_ok=True)
    for i in range(lectures):
        date = VERIFIED + dt.timedelta(days=rng.randint(-500, 200))
        status = "已完成" if date <= VERIFIED else "计划"
        if rng.random() < 0.05:
            status = "已取消"
        town = rng.choice(towns)
        text = (f"title: {rng.choice(SENTENCES)[:16]}（第{i + 1}场）\n"
                f"date: {date.isoformat()}\n"
                f'time: "{rng.randint(8, 20)}:{rng.choice(["00", "30"])}"\n'
                f"region:\n  province: 广西壮族自治区\n  county: 示例区\n"
                f"town: {town}\nvillage: {town}第{rng.randint(1, 30)}村\n"
                f"venue: 村委会会议室\n"
                f"audience: {rng.choice(audiences)}\nform: {rng.choice(forms)}\n"
                f"lecturer: 示例区宣讲团第{rng.randint(1, 20)}分队\n"
                + (f"outline: {rng.choice(outlines)}\n" if outlines else "")
                + f"status: {status}\n"
                + (f"attendance: {rng.randint(10, 400)}\n" if status == "已完成" else "")
                + f"note: {_text(rng, 40)}\nsample: true\n")
        (root / "lectures" / f"lecture-{i:05d}.yml").write_text(text, encoding="utf-8")
    statuses = ["未启动", "推进中", "已完成", "已销号"]
    for i in range(tasks):
        start = VERIFIED - dt.timedelta(days=rng.randint(30, 400))
        deadline = start + dt.timedelta(days=rng.randint(30, 300))
        status = rng.choice(statuses)
        steps = sorted({start + dt.timedelta(days=rng.randint(0, (VERIFIED - start).days))
                        for _ in range(rng.randint(0, 4))})
        progress = "".join(f"  - date: {d.isoformat()}\n    text: {rng.choice(SENTENCES)}\n"
                           for d in steps)
        text = (f"title: 为群众办实事第{i + 1}项：{rng.choice(SENTENCES)[:14]}\n"
                f"unit: {rng.choice(units)}\ncategory: {rng.choice(categories)}\n"
                f"start: {start.isoformat()}\ndeadline: {deadline.isoformat()}\n"
                f"status: {status}\n" + (f"progress:\n{progress}" if progress else ""))
        if status in ("已完成", "已销号"):
            done = min(VERIFIED, start + dt.timedelta(days=rng.randint(10, 200)))
            text += f"completed: {done.isoformat()}\n"
            if status == "已销号":
                text += f"closed: {min(VERIFIED, done + dt.timedelta(days=10)).isoformat()}\n"
            text += f"result: {_text(rng, 60)}\n"
        text += f"beneficiaries: {rng.randint(0, 5000)}\nsample: true\n"
        (root / "tasks" / f"task-{i:05d}.yml").write_text(text, encoding="utf-8")


def _write_resources(root: Path, n: int, seed: int, plans: int = 0,
                     outlines: int | None = None, stories: int = 0) -> None:
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(VOCAB, root / "vocab.yml")
    vocab = yaml.safe_load(VOCAB.read_text("utf-8"))
    bounds = vocab.get("province_bounds", {})
    provinces = [p for group in vocab["provinces"].values() for p in group]
    kinds, themes, periods = vocab["kinds"], vocab["themes"], vocab["periods"]
    audiences, designations = vocab["audiences"], vocab["designations"]

    counts = _counts(n, plans, outlines, stories)
    ids = {kind: [f"{PREFIX[kind]}-{i:05d}" for i in range(count)]
           for kind, count in counts.items()}
    # One site in a hundred is a draft; drafts are never referenced by anything.
    drafts = {sid for i, sid in enumerate(ids["sites"]) if i % 100 == 99}
    sites = [s for s in ids["sites"] if s not in drafts]
    site_province: dict[str, str] = {}
    for kind in ids:
        (root / kind).mkdir(exist_ok=True)

    def pick(kind: str, low: int, high: int) -> list[str]:
        pool = sites if kind == "sites" else ids[kind]
        return rng.sample(pool, min(len(pool), rng.randint(low, high)))

    def facets(with_audiences: bool = True) -> str:
        lines = [f"themes: {_flow(rng.sample(themes, rng.randint(1, 3)))}",
                 f"periods: {_flow(rng.sample(periods, 1))}"]
        if with_audiences:
            lines.append(f"audiences: {_flow(rng.sample(audiences, rng.randint(1, 3)))}")
        return "\n".join(lines) + "\n"

    for i, sid in enumerate(ids["sites"]):
        province = rng.choice(provinces)
        site_province[sid] = province
        lat, lng = CENTRES.get(province, (32.0, 110.0))
        lat, lng = lat + rng.uniform(-1.5, 1.5), lng + rng.uniform(-1.5, 1.5)
        if box := bounds.get(province):  # inside the province's rectangle: no warning
            lat, lng = min(max(lat, box[0]), box[2]), min(max(lng, box[1]), box[3])
        place = rng.choice(PLACES) + rng.choice(PLACES)
        name = f"{place}{rng.choice(NOUNS)}（第{i + 1}号）"
        text = (f"name: {name}\n"
                f"kind: {rng.choice(kinds)}\n"
                f"designations: {_flow(rng.sample(designations, rng.randint(0, 2)))}\n"
                f"region:\n  province: {province}\n  city: {place}市\n  county: {place}区\n"
                f"address: {province}{place}市{place}区红旗路{rng.randint(1, 400)}号\n"
                f"location: {{lat: {lat:.4f}, lng: {lng:.4f}}}\n"
                f'open_hours: "9:00-17:00，周一闭馆"\n'
                f"booking: 团体参观需提前一天电话预约\n"
                f"summary: {_text(rng, 60)}\n"
                + _body(rng, 240) + facets()
                + f"people: {_flow(pick('people', 0, 3))}\n"
                + f"relics: {_flow(pick('relics', 0, 2))}\n"
                + f"readings: {_flow(pick('readings', 1, 2))}\n"
                + _sources(rng, i)
                + ("draft: true\n" if sid in drafts else ""))
        (root / "sites" / f"{sid}.yml").write_text(text, encoding="utf-8")

    for i, pid in enumerate(ids["people"]):
        born = rng.randint(1880, 1930)
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
        text = (f"name: {name}\n"
                f'born: "{born}-{rng.randint(1, 12):02d}"\n'
                f"died: {born + rng.randint(20, 60)}\n"
                f"native_place: {rng.choice(provinces)}\n"
                f"role: {rng.choice(ROLES)}\n"
                f"summary: {_text(rng, 60)}\n"
                + _body(rng, 240)
                + f"sites: {_flow(pick('sites', 1, 3))}\n" + facets(with_audiences=False)
                + _sources(rng, i))
        (root / "people" / f"{pid}.yml").write_text(text, encoding="utf-8")

    for i, rid in enumerate(ids["relics"]):
        text = (f"name: {rng.choice(PLACES)}{rng.choice(RELIC_NOUNS)}\n"
                f"site: {rng.choice(sites)}\n"
                f"era: {rng.randint(1921, 1949)}年\n"
                f"category: 实物\n"
                f"description: |\n  {_text(rng, 280)}\n"
                f"people: {_flow(pick('people', 0, 2))}\n" + facets(with_audiences=False)
                + _sources(rng, i))
        (root / "relics" / f"{rid}.yml").write_text(text, encoding="utf-8")

    for i, bid in enumerate(ids["readings"]):
        kind = rng.choice(["book", "article", "speech"])
        text = (f"title: {rng.choice(PLACES)}{rng.choice(NOUNS)}与红色传统（{i + 1}）\n"
                f"kind: {kind}\n"
                f"author: {rng.choice(SURNAMES)}{rng.choice(GIVEN)}\n"
                f"publisher: 人民出版社\n"
                f"year: {rng.randint(1980, 2025)}\n"
                f"summary: {_text(rng, 80)}\n"
                f"chapters:\n" + "".join(f"  - 第{c + 1}章 {rng.choice(SENTENCES)[:12]}\n"
                                         for c in range(rng.randint(3, 8)))
                + f"audiences: {_flow(rng.sample(audiences, 2))}\n"
                + f"themes: {_flow(rng.sample(themes, 2))}\n"
                + f"url: https://example.org/readings/{i}.html\n"
                + (_contents(i) if plans and i % 3 == 0 else "")
                + _sources(rng, i))
        (root / "readings" / f"{bid}.yml").write_text(text, encoding="utf-8")

    for i, oid in enumerate(ids["outlines"]):
        sections = []
        for s in range(rng.randint(3, 4)):
            points = "".join(f"      - {_text(rng, 40)}\n" for _ in range(rng.randint(2, 4)))
            sections.append(f"  - heading: 第{s + 1}部分 {rng.choice(SENTENCES)[:10]}\n"
                            f"    minutes: {rng.randint(5, 20)}\n"
                            f"    points:\n{points}"
                            f"    sites: {_flow(pick('sites', 0, 2))}\n"
                            f"    readings: {_flow(pick('readings', 0, 1))}\n"
                            f"    people: {_flow(pick('people', 0, 1))}\n"
                            f"    interaction: 提问与讨论：{rng.choice(SENTENCES)}\n")
        visits = "".join(f"  - site: {s}\n    activity: {_text(rng, 30)}\n"
                         for s in pick("sites", 1, 2))
        text = (f"title: 给{rng.choice(audiences)}讲红色故事（第{i + 1}讲）\n"
                f"audience: {rng.choice(audiences)}\n"
                f"duration_minutes: {rng.choice([30, 45, 60, 90])}\n"
                f"themes: {_flow(rng.sample(themes, 2))}\n"
                f"summary: {_text(rng, 60)}\n"
                f"objectives:\n" + "".join(f"  - 目标{k + 1}：{rng.choice(SENTENCES)}\n"
                                           for k in range(3))
                + "sections:\n" + "".join(sections)
                + "discussion:\n" + "".join(f"  - 讨论{k + 1}：{rng.choice(SENTENCES)}？\n"
                                            for k in range(2))
                + "site_visit:\n" + visits
                + f"readings: {_flow(pick('readings', 0, 2))}\n"
                + _sources(rng, i))
        (root / "outlines" / f"{oid}.yml").write_text(text, encoding="utf-8")

    by_province: dict[str, list[str]] = {}
    for sid in sites:
        by_province.setdefault(site_province[sid], []).append(sid)
    for i, tid in enumerate(ids["routes"]):
        near = by_province[site_province[rng.choice(sites)]]
        pool = near if len(near) >= 2 else sites
        stops = rng.sample(pool, min(len(pool), rng.randint(2, 5)))
        days = rng.randint(1, 3)
        stop_lines = "".join(f"  - site: {s}\n    day: {min(days, k // 2 + 1)}\n"
                             f"    note: {_text(rng, 30)}\n" for k, s in enumerate(stops))
        text = (f"name: {rng.choice(PLACES)}{rng.choice(PLACES)}红色线路（{i + 1}）\n"
                f"days: {days}\n"
                f"summary: {_text(rng, 80)}\n"
                f"audiences: {_flow(rng.sample(audiences, 2))}\n"
                f"themes: {_flow(rng.sample(themes, 2))}\n"
                f"stops:\n{stop_lines}" + _sources(rng, i))
        (root / "routes" / f"{tid}.yml").write_text(text, encoding="utf-8")

    # Quotations: synthetic words by a synthetic speaker (never real people's words).
    for i, qid in enumerate(ids["quotes"]):
        text = (f"title: 合成引文（{i + 1}）\n"
                f"text: {_text(rng, 60)}\n"
                f"speaker: 合成作者{i % 7 + 1}\n"
                f"date: \"{1921 + i % 100}-07-01\"\n"
                f"publication:\n  title: {rng.choice(NOUNS)}文集（第{i % 5 + 1}卷）\n"
                f"  publisher: {rng.choice(PLACES)}出版社\n"
                f"themes: {_flow(rng.sample(themes, 1))}\n"
                f"verified: {VERIFIED.isoformat()}\n")
        (root / "quotes" / f"{qid}.yml").write_text(text, encoding="utf-8")

    for i, plan_id in enumerate(ids.get("studyplans", [])):
        (root / "studyplans" / f"{plan_id}.yml").write_text(
            _plan(rng, i, ids, sites, audiences, themes), encoding="utf-8")

    # Stories (only when asked for, taking the place of as many sites): their own stream.
    story_rng = random.Random(seed + 1)
    for i, story_id in enumerate(ids.get("stories", [])):
        place = story_rng.choice(PLACES) + story_rng.choice(PLACES)
        text = (f"title: {place}用好红色资源的合成经验（{i + 1}）\n"
                f"unit: {place}纪念馆\n"
                f"date: {(VERIFIED - dt.timedelta(days=i % 300)).isoformat()}\n"
                f"category: {('特色亮点', '经验做法', '典型案例')[i % 3]}\n"
                f"summary: {_text(story_rng, 60)}\n"
                + _body(story_rng, 240)
                + f"sites: {_flow(story_rng.sample(sites, min(len(sites), 2)))}\n"
                + f"outlines: {_flow(story_rng.sample(ids['outlines'], 1))}\n"
                + f"themes: {_flow(story_rng.sample(themes, 1))}\n"
                + _sources(story_rng, i))
        (root / "stories" / f"{story_id}.yml").write_text(text, encoding="utf-8")


def add_events(root: Path, seed: int) -> int:
    """Give every published synthetic site one or two fully dated events (for 党史上的今天
    and the open data); return how many were written."""
    rng = random.Random(seed)
    count = 0
    for file in sorted((root / "sites").glob("*.yml")):
        text = file.read_text("utf-8")
        if "draft: true" in text:  # drafts stay out of everything; leave them as they are
            continue
        lines = ["events:"]
        for _ in range(rng.randint(1, 2)):
            year, month, day = rng.randint(1921, 1990), rng.randint(1, 12), rng.randint(1, 28)
            lines += [f'  - date: "{year}-{month:02d}-{day:02d}"',
                      f"    text: 合成的大事：第{count + 1}件，用于测量", "    source: 1"]
            count += 1
        file.write_text(text.replace("\nsources:\n", "\n" + "\n".join(lines) + "\nsources:\n",
                                     1), encoding="utf-8")
    return count


def _contents(i: int) -> str:
    return "contents:\n" + "".join(f'  - id: "{c}"\n    title: 第{c}篇（合成{i}）\n'
                                    for c in range(1, 9))


def _plan(rng: random.Random, i: int, ids: dict[str, list[str]], sites: list[str],
          audiences: list[str], themes: list[str]) -> str:
    """Return one synthetic 读书班: 4–8 sessions over up to four days."""
    sessions = []
    for order in range(1, rng.randint(4, 8) + 1):
        form = rng.choice(FORMS)
        lines = [f"  - order: {order}", f"    day: {(order + 1) // 2}",
                 f"    time: {'上午' if order % 2 else '下午'}",
                 f"    title: 第{order}次学习 {rng.choice(SENTENCES)[:14]}",
                 f"    duration: {rng.choice(['90分钟', '2小时', '3小时', '4小时'])}",
                 f"    form: {form}"]
        readings = rng.sample(ids["readings"], min(len(ids["readings"]), rng.randint(0, 3)))
        if readings:
            lines.append("    readings:")
            for rid in readings:
                number = int(rid.rsplit("-", 1)[1])
                if number % 3 == 0 and rng.random() < 0.5:  # it lists contents
                    lines.append(f'      - {{reading: {rid}, chapter: "{rng.randint(1, 8)}"}}')
                else:
                    lines.append(f"      - {rid}")
        if form == "专题党课" and ids["outlines"]:
            lines.append(f"    outline: {rng.choice(ids['outlines'])}")
        if form == "现场教学":
            if rng.random() < 0.5 and ids["routes"]:
                lines.append(f"    route: {rng.choice(ids['routes'])}")
            else:
                lines.append(f"    site: {rng.choice(sites)}")
        if form == "研讨交流":
            lines.append("    questions:")
            lines += [f"      - 研讨{k + 1}：{rng.choice(SENTENCES)}？" for k in range(2)]
        lines.append(f"    reflection: {_text(rng, 30)}")
        sessions.append("\n".join(lines) + "\n")
    return (f"title: {rng.choice(PLACES)}{rng.choice(PLACES)}专题读书班（{i + 1}）\n"
            f"organiser: 示例单位{i + 1}\n"
            f"audience: {rng.choice(audiences)}\n"
            f"sample: true\n"
            f"summary: {_text(rng, 60)}\n"
            "sessions:\n" + "".join(sessions)
            + f"themes: {_flow(rng.sample(themes, 2))}\n"
            + f"verified: {VERIFIED.isoformat()}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description="写出合成数据（基准测试用）")
    parser.add_argument("root", type=Path)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--lectures", type=int, default=0, help="其中宣讲记录的条数")
    parser.add_argument("--tasks", type=int, default=0, help="其中台账事项的条数")
    parser.add_argument("--plans", type=int, default=0, help="其中读书班的条数")
    parser.add_argument("--stories", type=int, default=0, help="其中经验做法的条数")
    parser.add_argument("--events", action="store_true", help="给每处旧址写一两件大事")
    args = parser.parse_args()
    if args.root.resolve() == (REPO / "site_data").resolve():
        parser.error("不能写入 site_data/")
    write_synthetic(args.root, args.n, args.seed, args.lectures, args.tasks, args.plans,
                    stories=args.stories)
    if args.events:
        add_events(args.root, args.seed)
    print(f"已写入 {args.n} 条合成记录到 {args.root}")


if __name__ == "__main__":
    main()
