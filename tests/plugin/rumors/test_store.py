"""Import / export / persistence of the rumour store."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from plugin.errors import RumorError
from plugin.rumors import (
    Refutation,
    Rumor,
    RumorImportError,
    RumorIndex,
    RumorStatus,
    RumorStore,
    export_jsonl,
    import_jsonl,
)
from tests.paths import DATA

HERE = DATA / "rumors"
SMALL = HERE / "rumors_small.jsonl"


def _write(path: Path, rows: list) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows),
                    encoding="utf-8")
    return path


def test_shared_schema_mapping(tmp_path) -> None:
    store = RumorStore(tmp_path / "s.db")
    report = import_jsonl(store, SMALL)
    assert report.stats.inserted == 9
    assert [p.line for p in report.skipped] == [8]  # verdict null + 辟谣: skipped with a reason
    assert "no verdict" in report.skipped[0].message
    status = {r.id: r.status for r in store.iterate()}
    assert status["t001"] is RumorStatus.FALSE  # 假
    assert status["t004"] is RumorStatus.DISPUTED  # 疑
    assert status["t005"] is RumorStatus.TRUE  # 真
    assert status["t006"] is RumorStatus.FALSE  # null + 谣言
    assert status["t007"] is RumorStatus.MISLEADING  # null + 有失实
    r = store.get("t002")
    assert r is not None and r.origin == "tencent_jiaozhen"
    ref = r.refutations[0]
    assert ref.title == "【辟谣】斯洛伐克总理彼得·佩列格里尼感染新冠肺炎"
    assert ref.source == "国际新闻编辑" and ref.published_at == "2020-03-10"
    assert ref.summary.startswith("斯洛伐克政府")


def test_idempotent_reimport(tmp_path) -> None:
    store = RumorStore(tmp_path / "s.db")
    import_jsonl(store, SMALL)
    rev = store.revision()
    before = {r.id: r.to_dict() for r in store.iterate()}
    again = import_jsonl(store, SMALL)
    assert (again.stats.inserted, again.stats.updated, again.stats.unchanged) == (0, 0, 9)
    assert store.revision() == rev
    assert {r.id: r.to_dict() for r in store.iterate()} == before


def test_changed_row_updates_and_keeps_created_at(tmp_path) -> None:
    store = RumorStore(tmp_path / "s.db")
    import_jsonl(store, SMALL)
    created = store.get("t003").created_at
    rows = [json.loads(line) for line in SMALL.open(encoding="utf-8")]
    rows[2]["claim"] = "吃大蒜能杀灭新冠病毒"
    report = import_jsonl(store, _write(tmp_path / "v2.jsonl", rows))
    assert report.stats.updated == 1 and report.stats.unchanged == 8
    r = store.get("t003")
    assert r.claim == "吃大蒜能杀灭新冠病毒" and r.created_at == created


BAD_ROWS = [
    ('{"id": "b1", "claim": "好的", "verdict": "假"', "invalid JSON"),
    ({"id": "b2", "verdict": "假"}, "missing or empty 'claim'"),
    ({"id": "b3", "claim": "有个说法", "verdict": "maybe"}, "bad 'verdict'"),
    ({"id": "b4", "claim": "有个说法", "verdict": "假", "colour": "red"}, "unknown field(s): colour"),
    ({"id": "b5", "claim": "有个说法", "status": "fake"}, "bad 'status'"),
    ({"id": "b6", "claim": "有个说法", "status": "false", "refutations": [{"url": "x"}]}, "title"),
    ("[1, 2]", "expected a JSON object"),
    ({"claim": "有个说法", "status": "false"}, "missing or empty 'id'"),
    ({"id": "ok1", "claim": "第二次出现的编号", "status": "false"}, "duplicate id 'ok1'"),
]


def test_bad_lines_are_reported_with_line_numbers_and_nothing_is_imported(tmp_path) -> None:
    store = RumorStore(tmp_path / "s.db")
    import_jsonl(store, SMALL)
    before = [r.to_dict() for r in store.iterate()]
    rev = store.revision()
    good = {"id": "ok1", "claim": "一条正常的谣言", "status": "false"}
    rows = [good, ""] + [r for r, _ in BAD_ROWS]
    with pytest.raises(RumorImportError) as err:
        import_jsonl(store, _write(tmp_path / "bad.jsonl", rows))
    problems = err.value.problems
    assert [p.line for p in problems] == list(range(3, 3 + len(BAD_ROWS)))
    for p, (_, msg) in zip(problems, BAD_ROWS):
        assert msg in p.message, (p, msg)
    assert "nothing imported" in str(err.value)
    assert store.get("ok1") is None
    assert [r.to_dict() for r in store.iterate()] == before and store.revision() == rev


def test_not_utf8_and_missing_file(tmp_path) -> None:
    store = RumorStore(tmp_path / "s.db")
    p = tmp_path / "latin.jsonl"
    p.write_bytes('{"id": "x", "claim": "caf\xe9", "status": "false"}\n'.encode("latin-1"))
    with pytest.raises(RumorImportError, match="UTF-8"):
        import_jsonl(store, p)
    with pytest.raises(RumorError, match="cannot read"):
        import_jsonl(store, tmp_path / "nope.jsonl")
    assert store.count() == 0


def test_export_round_trip(tmp_path) -> None:
    store = RumorStore(tmp_path / "a.db")
    import_jsonl(store, SMALL)
    store.upsert([Rumor(id="p1", claim="自来水被投毒", status=RumorStatus.FALSE, triggers=("水厂投毒",),
                        refutations=(Refutation("水质正常", "检测合格", "https://e.example", "水务局", "2024-01-02"),),
                        tags=("水",), valid_from="2024-01-01", valid_until="2024-12-31")])
    buf = io.StringIO()
    n = export_jsonl(store.iterate(), buf)
    assert n == 10
    out = tmp_path / "export.jsonl"
    out.write_text(buf.getvalue(), encoding="utf-8")
    other = RumorStore(tmp_path / "b.db")
    report = import_jsonl(other, out)
    assert report.stats.inserted == 10 and not report.skipped
    assert [r.to_dict() for r in other.iterate()] == [r.to_dict() for r in store.iterate()]


def test_persistence_across_restarts(db_target) -> None:
    """On both backends (SQLite, PostgreSQL)."""
    db = db_target
    store = RumorStore(db)
    import_jsonl(store, SMALL)
    store.delete(["t005"])
    store.close()
    reopened = RumorStore(db)
    assert reopened.count() == 8 and reopened.get("t005") is None
    assert reopened.get("t001").claim == "喝 60℃ 的水可以杀死病毒？"
    index = RumorIndex.from_store(reopened)
    assert index.match("喝热水能杀死病毒吗").pins[0].rumor_id == "t001"


def test_two_store_objects_on_one_file(db_target) -> None:
    db = db_target
    a, b = RumorStore(db), RumorStore(db)
    index = RumorIndex.from_store(b)
    import_jsonl(a, SMALL)
    assert index.refresh() is True and len(index) == 9


def test_upsert_rejects_duplicate_ids_atomically(db_target) -> None:
    store = RumorStore(db_target)
    r = Rumor(id="x", claim="一个说法", status=RumorStatus.FALSE)
    with pytest.raises(RumorError, match="duplicate"):
        store.upsert([r, r])
    assert store.count() == 0


def test_project_schema_field_validation() -> None:
    with pytest.raises(ValueError, match="valid_from"):
        Rumor.from_dict({"id": "a", "claim": "c", "status": "false", "valid_from": "yesterday"})
    with pytest.raises(ValueError, match="triggers"):
        Rumor.from_dict({"id": "a", "claim": "c", "status": "false", "triggers": "one"})
    r = Rumor.from_dict({"id": 7, "claim": " c ", "status": "disputed", "triggers": ["甲", "甲", " "]})
    assert r.id == "7" and r.claim == "c" and r.triggers == ("甲",)


def _shared_row(rid: str, claim: str, verdict: str | None = "假", detail: str = "谣言") -> dict:
    return {"id": rid, "source": "t", "claim": claim, "verdict": verdict, "verdict_detail": detail,
            "refutation": "r", "checker": "c", "date": "2022-01-01", "tags": [], "markstyle": "fake", "url": None,
            "src": "t", "orig_id": rid}


def test_leading_bom_is_accepted(tmp_path) -> None:
    path = tmp_path / "bom.jsonl"
    body = "".join(json.dumps(_shared_row(f"b{i}", f"第{i}条说法"), ensure_ascii=False) + "\n" for i in range(2))
    path.write_bytes(b"\xef\xbb\xbf" + body.encode("utf-8"))
    report = import_jsonl(RumorStore(tmp_path / "b.db"), path)
    assert [r.id for r in report.rumors] == ["b0", "b1"]


def test_surrogate_nul_and_overlong_claims_are_per_line_errors(tmp_path) -> None:
    good = json.dumps(_shared_row("ok", "喝热水能杀死病毒"), ensure_ascii=False)
    surrogate = json.dumps(_shared_row("s", "x")).replace('"claim": "x"', '"claim": "坏\\ud800字"')
    nul = json.dumps(_shared_row("n", "有\x00空字符"), ensure_ascii=False)
    long = json.dumps(_shared_row("l", "长" * 5001), ensure_ascii=False)
    nested = json.dumps(_shared_row("t", "标签坏")).replace('"tags": []', '"tags": ["\\udc80"]')
    path = _write(tmp_path / "bad.jsonl", [good, surrogate, nul, long, nested])
    store = RumorStore(tmp_path / "x.db")
    with pytest.raises(RumorImportError) as err:
        import_jsonl(store, path)
    msgs = {p.line: p.message for p in err.value.problems}
    assert set(msgs) == {2, 3, 4, 5}
    assert "surrogate" in msgs[2] and "NUL" in msgs[3] and "too long" in msgs[4] and "surrogate" in msgs[5]
    assert store.count() == 0


def test_partly_untrue_doubt_verdict_is_misleading(tmp_path) -> None:
    rows = [_shared_row("a", "说法一", "疑", "有失实"), _shared_row("b", "说法二", "疑", "部分失实"),
            _shared_row("c", "说法三", "疑", "尚无定论"), _shared_row("d", "说法四", None, "部分失实")]
    store = RumorStore(tmp_path / "m.db")
    import_jsonl(store, _write(tmp_path / "m.jsonl", rows))
    status = {r.id: r.status for r in store.iterate()}
    assert status == {"a": RumorStatus.MISLEADING, "b": RumorStatus.MISLEADING, "c": RumorStatus.DISPUTED,
                      "d": RumorStatus.MISLEADING}


def test_candidates_share_content_tokens_on_both_backends(db_target) -> None:
    store = RumorStore(db_target)
    import_jsonl(store, SMALL)
    rev = store.revision()
    ids = [r.id for r in store.candidates("斯洛伐克总理确诊新冠", limit=5)]
    assert ids and ids[0] == "t002"
    assert store.candidates("", limit=5) == [] and store.candidates("!!!", limit=5) == []
    assert store.delete(["t002"]) == 1 and store.revision() > rev
    assert "t002" not in [r.id for r in store.candidates("斯洛伐克总理确诊新冠", limit=5)]
