"""Store-level validation of drafted changes (plugin/store/validate.py)."""

from __future__ import annotations

import pytest

from plugin.store import LexiconDocument, LexiconStore, ValidationError
from plugin.store.validate import Change, validate_changes


def test_a_bidirectional_control_in_any_field_is_an_error() -> None:
    changes = [Change("gambling:\u202e乐家百", "add", {"term": "\u202e乐家百", "category": "gambling"}),
               Change("gambling:线上赌场", "add", {"term": "线上赌场", "category": "gambling",
                                               "context": {"veto": ["警方\u2066通报"]}}),
               Change("gambling:网络赌盘", "add", {"term": "网络赌盘", "category": "gambling", "note": "ok"})]
    issues = validate_changes(changes, {}, base_version=1, known_categories={"gambling"})
    errors = {i.term_id: i.message for i in issues if i.level == "error"}
    assert set(errors) == {"gambling:\u202e乐家百", "gambling:线上赌场"}
    assert "term: U+202E at position 0" in errors["gambling:\u202e乐家百"]
    assert "context.veto[0]: U+2066 at position 2" in errors["gambling:线上赌场"]


def test_an_import_or_a_publish_of_such_an_entry_is_refused(store: LexiconStore) -> None:
    rep = store.import_files([LexiconDocument("gambling.txt", "\u202e乐家百\n")], author="ed")
    assert not rep.ok and rep.changeset_id is None and store.changesets("draft") == []
    # a draft written around the parser (an older service, a direct add_changes) still cannot go live
    cs = store.create_changeset("ed", "x")
    store.add_changes(cs, [Change("gambling:\u202e乐家百", "add", {"term": "\u202e乐家百", "category": "gambling"})],
                      editor="ed")
    revision = int(store.changeset(cs)["revision"])
    with pytest.raises(ValidationError, match="bidirectional control"):
        store.publish(cs, approver="ann", expected_revision=revision, force=True)
