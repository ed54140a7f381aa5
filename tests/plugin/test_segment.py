"""The one segmenter (plugin.segment): one jieba dictionary with the domain words, named word
predicates, a shared cut cache; no other module imports jieba."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys

import pytest

from plugin import Matcher
from plugin.boundary import WordBoundary
from plugin.rumors.analysis import analyze, is_name, is_pair
from plugin.segment import COMMON_FREQ, DOMAIN_WORDS, WORD_FREQ, Segmenter, segmenter
from tests.paths import ROOT

PLUGIN = ROOT / "plugin"


def test_only_the_segmenter_imports_jieba() -> None:
    users = []
    for path in PLUGIN.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(n == "jieba" or n.startswith("jieba.") for n in names):
                users.append(path.relative_to(PLUGIN).as_posix())
    assert sorted(set(users)) == ["segment.py"]


def test_one_process_wide_segmenter() -> None:
    assert segmenter() is segmenter()
    assert isinstance(segmenter(), Segmenter)


@pytest.mark.parametrize("word", DOMAIN_WORDS)
def test_domain_words_are_common_words(word: str) -> None:
    seg = segmenter()
    assert seg.is_common(word) and seg.cut(word) == [word]


def test_boundary_check_and_rumour_analysis_share_the_dictionary() -> None:
    # 方舱医院 is a domain word: one token for the boundary check too, so 医院 inside it is not a
    # word of the text (jieba's own dictionary cuts 方舱 / 医院)
    assert not WordBoundary.shared().check("方舱医院", 2, 4)
    assert WordBoundary.shared().check("方舱医院", 2, 4, containing_ok=True)
    assert "方舱医院" in analyze("方舱医院床位已满").words


@pytest.mark.parametrize("text,known,word,common", [
    ("约基奇", False, False, False),  # not in the dictionary: a name, a coinage, a typo
    ("读博", False, False, False),
    ("七克", True, False, False),  # count 2: a fragment of phrases
    ("打完", True, True, False),  # count 3: a word, but a rare one
    ("可以", True, True, True),
])
def test_word_predicates_are_count_tiers(text: str, known: bool, word: bool, common: bool) -> None:
    seg = segmenter()
    assert (seg.is_known(text), seg.is_word(text), seg.is_common(text)) == (known, word, common)
    f = seg.freq(text)
    assert seg.is_known(text) == (f > 0) and seg.is_word(text) == (f >= WORD_FREQ)
    assert seg.is_common(text) == (f >= COMMON_FREQ)


def test_predicates_used_by_the_matcher_and_the_rumour_analysis() -> None:
    assert WordBoundary.shared().is_word("读书") and not WordBoundary.shared().is_word("七克")
    assert is_pair("打完") and not is_pair("可以")  # a pair: two characters that are not a common word
    assert is_name("约基奇") and not is_name("打完")  # unknown 3+ characters: a name


def test_cut_covers_the_text_and_matches_the_edges() -> None:
    seg = segmenter()
    for text in ("打开挂号页面", "吃大蒜可以杀灭新冠病毒", "abc 12，三号线", ""):
        tokens = seg.cut(text)
        assert "".join(tokens) == text
        edges = seg.edges(text)
        assert edges[0] == 0 and edges[-1] == len(text) and len(edges) == len(tokens) + 1
    long = "吃大蒜可以杀灭新冠病毒。" * 30  # longer texts are cut without the cache
    assert "".join(seg.cut(long)) == long


def test_a_query_is_cut_once_for_the_boundary_check_and_the_rumour_analysis(bundled_matcher: Matcher) -> None:
    seg = segmenter()
    query = "快打开挂号软件"  # the bundled lexicon has 开挂 (软件 nearby); the token 打开 crosses its start
    hits0, misses0 = seg.cache_info()
    assert not [h for h in bundled_matcher.scan(query) if h.term == "开挂"]
    analyze(query)
    hits1, misses1 = seg.cache_info()
    assert misses1 - misses0 == 1  # cut once ...
    assert hits1 - hits0 >= 1  # ... and reused


def test_edges_equal_jieba_cut_on_real_windows() -> None:
    """The boundary check's own route over jieba's dictionary gives jieba's precise-mode tokens."""
    import random

    import jieba

    from plugin.segment import DOMAIN_WORD_FREQ
    from tests.paths import DATA

    seg = segmenter()
    tk = jieba.Tokenizer()  # the reference: jieba's own cut over the same dictionary
    for w in DOMAIN_WORDS:
        tk.add_word(w, freq=DOMAIN_WORD_FREQ)
    texts = [json.loads(line)["text"] for line in (DATA / "evasion_cases.jsonl").open(encoding="utf-8")]
    texts += [json.loads(line)["text"] for line in (DATA / "benign_near_misses.jsonl").open(encoding="utf-8")]
    joined = "".join(texts)
    rnd = random.Random(7)
    windows = [joined[a:a + rnd.randint(1, 24)] for a in (rnd.randrange(len(joined)) for _ in range(1500))]
    windows += texts + ["abc 12 def", "a1b2c3中文x", "\r\n\t 赌博 x", "ＡＢＣ", "你好\x00世界", "", " ", "\ue000中文"]
    for w in windows:
        expected = [0]
        for tok in tk.cut(w, HMM=False):
            expected.append(expected[-1] + len(tok))
        assert seg.edges(w) == tuple(expected), w


def test_search_cut_equals_jiebas() -> None:
    import jieba

    from plugin.segment import DOMAIN_WORD_FREQ
    from tests.paths import DATA

    tk = jieba.Tokenizer()
    for w in DOMAIN_WORDS:
        tk.add_word(w, freq=DOMAIN_WORD_FREQ)
    texts = [json.loads(line)["text"] for line in (DATA / "evasion_cases.jsonl").open(encoding="utf-8")]
    for text in texts + ["中华人民共和国国务院新闻办公室", "核酸检测方舱医院", "", "abc 北京大学生"]:
        assert segmenter().cut_for_search(text) == list(tk.cut_for_search(text, HMM=False)), text


def test_a_process_with_the_snapshot_never_imports_jieba() -> None:
    """The dictionary is the word table's snapshot: cuts, counts and the matcher's first check need no jieba
    (the first process may build the snapshots; the second opens them)."""
    code = (
        "import sys\n"
        "from plugin.matcher import Matcher\n"
        "from plugin.segment import segmenter\n"
        "m = Matcher.from_lexicons([], bundled=True)\n"
        "first = 'jieba' in sys.modules\n"
        "print(first, 'jieba' in sys.modules, segmenter().cut('打开挂号'), m.check('打开挂号').action)\n"
    )
    runs = [subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONPATH": str(ROOT)}).stdout.split()
            for _ in range(2)]
    assert runs[1][:2] == ["False", "False"]
    assert runs[0][2:] == runs[1][2:]
