"""Preview corpora (plugin/store/preview.py): which lines of a sample file or uploaded corpus become texts."""

from __future__ import annotations

import json

from plugin.store.preview import sample_texts


def test_a_jsonl_text_with_a_lone_surrogate_is_skipped_like_a_malformed_line() -> None:
    lines = ['{"text": "百家乐\\ud800"}', '{"title": "\\udfff"}', '{"text": "抢红包😀"}', "not json"]
    texts = sample_texts(lines, "upload:c.jsonl", jsonl=True)
    assert [t.text for t in texts] == ["抢红包😀"]
    json.dumps([t.text for t in texts], ensure_ascii=False).encode("utf-8")  # storable as a report
