"""Every `qinglang …` command in README.md's shell blocks runs as written: run in order in a scratch folder laid
out like a checkout (``lexicons/`` and ``../shared`` linked), except the long-running or slow ones (``serve``,
``evaluate``) and those whose shared data is missing, which must at least parse (options and arguments
accepted). The README's matcher evaluation table must match the saved report of ``qinglang evaluate``."""

from __future__ import annotations

import json
import os
import re
import shlex
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from service.cli import cli
from tests.paths import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
#: Commands that only parse here: a server that does not return, a run of many seconds.
PARSE_ONLY = {"serve", "evaluate"}


def shared_dir() -> Path | None:
    for cand in (ROOT.parent / "shared", Path("/work/shared")):
        if (cand / "data").is_dir():
            return cand
    return None


def readme_commands() -> list[tuple[str | None, list[str], str | None]]:
    """(stdin from an ``echo '…' |``, the arguments after ``qinglang``, the ``>`` target) per command line."""
    out = []
    for block in re.findall(r"```bash\n(.*?)```", README, re.S):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            if "qinglang" not in words:
                continue
            stdin = None
            if words[0] == "echo" and "|" in words:
                stdin = words[1] + "\n"
                words = words[words.index("|") + 1:]
            if words[0] == "pip":  # `pip install -e . && qinglang serve`
                words = words[words.index("&&") + 1:]
            target = None
            if ">" in words:
                target = words[words.index(">") + 1]
                words = words[:words.index(">")]
            assert words[0] == "qinglang", line
            out.append((stdin, words[1:], target))
    return out


def parse(args: list[str]) -> click.Context:
    """Parse ``args`` down to the leaf command (raises click.UsageError on a bad option or argument)."""
    cmd: click.Command = cli
    name, parent = "qinglang", None
    while True:
        ctx = cmd.make_context(name, list(args), parent=parent)
        if not isinstance(cmd, click.Group):
            return ctx
        rest = [*getattr(ctx, "_protected_args", []), *ctx.args]
        sub_name, sub, args = cmd.resolve_command(ctx, rest)
        assert sub is not None and sub_name is not None
        cmd, name, parent = sub, sub_name, ctx


def test_the_readme_names_the_commands_people_use() -> None:
    firsts = {tuple(args[:2]) for _, args, _ in readme_commands()}
    assert {("check",), ("scan",)} <= {f[:1] for f in firsts}
    assert ("rumors", "import") in firsts and ("token", "create") in firsts and ("lexicon", "lint") in firsts


def test_every_readme_command_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "checkout"
    work.mkdir()
    (work / "lexicons").symlink_to(ROOT / "lexicons")
    shared = shared_dir()
    if shared is not None:
        (tmp_path / "shared").symlink_to(shared)
    (work / "queries.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in (
            {"id": 1, "text": "澳门赌场开户", "channel": "app"}, {"id": 2, "text": "今天天气不错"})) + "\n",
        encoding="utf-8")
    monkeypatch.chdir(work)
    monkeypatch.delenv("QINGLANG_TOKEN", raising=False)
    ran = []
    for stdin, args, target in readme_commands():
        needs_shared = any("../shared" in a for a in args)
        if args[0] in PARSE_ONLY or (needs_shared and shared is None):
            parse(args)
            continue
        res = CliRunner().invoke(cli, args, input=stdin)
        assert res.exit_code == 0, (args, res.output)
        if target is not None:
            Path(target).write_text(res.stdout, encoding="utf-8")
        ran.append(args[:2])
    assert ["scan", "兼职日洁 tou注"] in ran and ["lexicon", "lint"] in ran
    kept = [json.loads(line) for line in Path("results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert kept[0]["channel"] == "app" and kept[0]["hits"] and kept[1]["action"] == "allow"
    if shared is not None:
        assert ["rumors", "export"] in ran and Path("rumors.jsonl").stat().st_size > 0


def test_the_matcher_evaluation_table_matches_the_saved_report() -> None:
    report = json.loads((ROOT / "bench" / "results" / "eval_matcher.json").read_text(encoding="utf-8"))
    section = README[README.index("### Matcher — `qinglang evaluate`"):]
    section = section[:section.index("\n### ")]
    names = {"spam: gambling": "spam:gambling", "spam: fraud": "spam:fraud",
             "spam: black-market ads": "spam:blackmarket_ad", "spam: benign (false flags)": "spam:benign",
             "real hot-search titles (false flags)": "hot_search_titles",
             "THUCNews titles (false flags)": "thucnews_titles"}
    rows = re.findall(r"^\| ([^|]+?) \| ([\d,]+) \| ([\d.]+) % \|$", section, re.M)
    assert len(rows) == len(names)
    for label, n, rate in rows:
        got = report["sets"][names[label]]
        assert int(n.replace(",", "")) == got["n"], label
        assert f"{got['flag_rate'] * 100:.1f}" == rate, (label, rate, got["flag_rate"])
    evasion = report["evasion"]["per_technique"]
    assert f"{sum(t['n'] for t in evasion.values())} cases" in section
    assert all(t["recall"] == 1.0 for t in evasion.values()) and "recall 100 % for every technique" in section
    nm = report["near_misses"]
    assert f"{nm['false_flags']} of {nm['n']} get a block/review hit" in section


def _results(name: str) -> dict:
    return json.loads((ROOT / "bench" / "results" / name).read_text(encoding="utf-8"))


def test_the_rumour_reload_figures_match_the_saved_runs() -> None:
    """The figures README quotes from bench/results/*.json are the ones those runs wrote (line breaks read as
    spaces)."""
    readme = " ".join(README.split())
    ev = _results("rumors_eval.json")
    test, baseline = ev["learned"]["test"], ev["baseline_threshold"]["test"]
    assert (f"test split: hit@1 {test['hit@1']:.3f} (score threshold alone {baseline['hit@1']:.3f}), benign near-topic "
            f"pinned {test['false_pin_rate'] * 100:.0f} %") in readme
    external = _results("rumors_external.json")  # written by the last --external run
    assert (f"hit@1 **{external['learned']['hit@1']:.3f}** (threshold alone "
            f"{external['baseline_threshold']['hit@1']:.3f})") in readme
    fresh = ev["fresh"]["learned"]["test"]
    assert f"fresh test {ev['semantic']['fresh']['test']['hit@1']:.3f}" in readme
    assert f"held-out test hit@1 0.825 → {fresh['hit@1']:.3f}" in readme
    dev4 = ev["dev4"]["learned"]["test"]
    assert f"hit@1 0.772 → **{dev4['hit@1']:.3f}** (threshold alone {ev['dev4']['baseline_threshold']['test']['hit@1']:.3f})" in readme
    assert f"false pins 1.9 % → **{dev4['false_pin_rate'] * 100:.1f} %**" in readme
    assert f"dev4 test **{ev['semantic']['dev4']['test']['hit@1']:.3f}**" in readme
    assert f"dev set 5 test **{ev['semantic']['dev5']['test']['hit@1']:.3f}**" in readme
    assert f"dev set 6 test **{ev['semantic']['dev6']['test']['hit@1']:.3f}**" in readme
    assert f"0.778 → **{ev['dev6']['learned']['test']['hit@1']:.3f}**" in readme
    hot = ev["hot_search"]
    assert f"{hot['pinned']} of {hot['titles']:,} pinned ({hot['pin_rate'] * 100:.3f} %" in readme
    rumors = _results("rumors.json")
    shared, synthetic = rumors["shared"]["match"]["titles"], rumors["synthetic"]["match"]["titles"]
    assert (f"{rumors['shared']['rumors']:,} shared rumours p50 {shared['p50_us']:.0f} µs / p99 "
            f"{shared['p99_us'] / 1000:.1f} ms") in readme
    assert f"p50 {synthetic['p50_us']:.0f} µs / p99 {synthetic['p99_us'] / 1000:.1f} ms" in readme
    reload = _results("reload.json")
    assert (f"{reload['requests']:,} requests while {len(reload['versions_published'])} versions were published, "
            f"{reload['failed_requests']} failed") in readme
    assert f"p50 {reload['latency_ms']['p50']:.1f} ms, p99 {reload['latency_ms']['p99']:.0f} ms" in readme
    assert f"new versions live in ≤ {reload['reload_lag_s']['max']:.2f} s" in readme


def test_the_independent_set_figures_match_the_saved_aggregates() -> None:
    """README quotes the independently written sets from bench/results/independent_sets.json."""
    readme = " ".join(README.split())
    sets = _results("independent_sets.json")

    def recall(run: dict) -> str:
        v = run["lexicon_or_model_with_context_veto"]["recall"]
        return " / ".join(f"{v[c]['rate'] * 100:.1f}" for c in ("gambling", "fraud", "blackmarket_ad"))

    s3, s4, s5 = sets["spam_set_3"], sets["spam_set_4"], sets["spam_set_5"]
    assert f"catch {recall(s5['after'])} % [{recall(s5['before'])}]" in readme
    assert f"catch {recall(s3['after_round_5'])} % [{recall(s3['after_round_4'])} after" in readme
    assert f"catch {recall(s4['after_round_5'])} % [{recall(s4['after'])}]" in readme
    s6 = sets["spam_set_6"]
    assert f"catch {recall(s6['after'])} % [{recall(s6['before'])} before the round]" in readme
    assert (f"set 5 catch {recall(s5['after_round_6'])} %, set 4 {recall(s4['after_round_6'])} %, "
            f"set 3 {recall(s3['after_round_6'])} %") in readme
    hard = s3["after_round_5"]["lexicon_or_model_with_context_veto"]["false_flags_by_source"]["post/fresh_hard_posts"]
    assert f"hard near-miss posts {hard['k']} of 80" in readme
    r3, r4, r5 = sets["rumour_query_set_3"], sets["rumour_query_set_4"], sets["rumour_query_set_5"]
    assert f"hit@1 {r3['after_round_4']['learned']['hit@1']:.3f} → **{r3['after_round_5']['learned']['hit@1']:.3f}**" in readme
    assert f"→ **{r4['after_round_5']['learned']['hit@1']:.3f}** now" in readme
    assert (f"hit@1 {r5['before']['learned']['hit@1']:.3f} → **{r5['after']['learned']['hit@1']:.3f}**") in readme
    assert f"confirmation {r5['before']['semantic']['hit@1']:.3f} → {r5['after']['semantic']['hit@1']:.3f}" in readme
    r6 = sets["rumour_query_set_6"]
    assert f"hit@1 {r6['before']['learned']['hit@1']:.3f} → **{r6['after']['learned']['hit@1']:.3f}**" in readme
    for name, r in (("set 5", r5), ("set 4", r4), ("set 3", r3)):
        last = r["after"] if "after_round_5" not in r else r["after_round_5"]
        assert (f"{name} {last['learned']['hit@1']:.3f} → **{r['after_round_6']['learned']['hit@1']:.3f}**" in readme
                or f"{name} hit@1 {last['learned']['hit@1']:.3f} → **{r['after_round_6']['learned']['hit@1']:.3f}**"
                in readme), name
    s7, r7 = sets["spam_set_7"], sets["rumour_query_set_7"]
    assert f"catch {recall(s7['after'])} % [{recall(s7['before'])} before the round]" in readme
    assert (f"set 6 catch {recall(s6['after_round_7'])} %, set 5 {recall(s5['after_round_7'])} %, "
            f"set 4 {recall(s4['after_round_7'])} %, set 3 {recall(s3['after_round_7'])} %") in readme
    assert f"hit@1 {r7['before']['learned']['hit@1']:.3f} → **{r7['after']['learned']['hit@1']:.3f}**" in readme
    for name, r in (("set 6", r6), ("set 5", r5), ("set 4", r4), ("set 3", r3)):
        last = r["after_round_6"] if "after_round_6" in r else r["after"]
        assert (f"{name} {last['learned']['hit@1']:.3f} → **{r['after_round_7']['learned']['hit@1']:.3f}**" in readme
                or f"{name} hit@1 {last['learned']['hit@1']:.3f} → **{r['after_round_7']['learned']['hit@1']:.3f}**"
                in readme), name
    s8, r8 = sets["spam_set_8"], sets["rumour_query_set_8"]
    assert f"catch {recall(s8['after'])} % [{recall(s8['before'])} before the round]" in readme
    assert f"hit@1 {r8['before']['learned']['hit@1']:.3f} → **{r8['after']['learned']['hit@1']:.3f}**" in readme
    assert f"semantic confirmation {r8['before']['semantic']['hit@1']:.3f} → {r8['after']['semantic']['hit@1']:.3f}" in readme
    s9, r9 = sets["spam_set_9"], sets["rumour_query_set_9"]
    assert f"catch {recall(s9['after'])} % [{recall(s9['before'])} before the round]" in readme
    assert f"hit@1 {r9['before']['learned']['hit@1']:.3f} → **{r9['after']['learned']['hit@1']:.3f}**" in readme
    assert (f"retrieves for search-box queries) hit@1 {r9['before']['semantic']['hit@1']:.3f} → "
            f"**{r9['after']['semantic']['hit@1']:.3f}**") in readme
    s10, r10 = sets["spam_set_10"], sets["rumour_query_set_10"]
    assert f"catch {recall(s10['after'])} % [{recall(s10['before'])} before the round]" in readme
    assert f"hit@1 {r10['before']['learned']['hit@1']:.3f} → **{r10['after']['learned']['hit@1']:.3f}**" in readme
    assert (f"with the semantic layer on hit@1 {r10['before']['semantic']['hit@1']:.3f} → "
            f"**{r10['after']['semantic']['hit@1']:.3f}**") in readme
    matcher = sets["matcher_evasion_set_2"]
    assert (f"{matcher['after_speed_work']['positives']['recall_same_entry'] * 100:.1f} % are found as the same entry and "
            f"{matcher['after_speed_work']['positives']['recall_any_flag'] * 100:.1f} % flagged") in readme
    assert f"{matcher['after_speed_work']['negatives']['flagged']} of 172 look-alikes" in readme
