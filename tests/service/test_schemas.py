"""service/schemas.py: free-text metadata refuses control characters (422 naming the field, nothing
stored); import file names are unique, bare file names."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import TypeAdapter, ValidationError

from service.schemas import ImportIn, Name, Note, ReviewDecisionRequest, Term, check_line, check_note
from tests.service.editorial_app import make_app as make_admin_app
from tests.service.tokens import authorize, make_tokens

ESC = "\x1b[2J\x1b]0;owned\x07"
GAMBLING = "category: gambling\nentries:\n  - 线上棋牌\n"


@pytest.mark.parametrize("text", ["ann\x1b", "a\x00", "a\tb", "a\nb", "a\rb", "\x85", "\x9b31m", "ann\u202e",
                                  "a\u2066b", "a\u2028b", "a\u200bb", "\ud800"])
def test_a_name_refuses_control_format_and_separator_characters(text) -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(Name).validate_python(text)


@pytest.mark.parametrize("text", ["ann", "审核员 小李", "Zoë O'Neil", "a\u3000b"])
def test_a_name_keeps_ordinary_text(text) -> None:
    assert TypeAdapter(Name).validate_python(text) == text


def test_a_note_keeps_tabs_and_lines_and_reads_crlf_as_lf() -> None:
    assert TypeAdapter(Note).validate_python("第一行\r\n\t第二行\n") == "第一行\n\t第二行\n"
    for bad in ("a\rb", "a\x1bb", "a\x00", "a\u202eb", "a\x9bb"):
        with pytest.raises(ValidationError):
            TypeAdapter(Note).validate_python(bad)


def test_a_term_keeps_zero_width_characters_but_no_controls() -> None:
    assert TypeAdapter(Term).validate_python("赌\u200b场") == "赌\u200b场"
    for bad in ("赌\n场", "赌\u202e场", "赌\x1b场"):
        with pytest.raises(ValidationError):
            TypeAdapter(Term).validate_python(bad)


def test_errors_name_the_character_and_position() -> None:
    with pytest.raises(ValueError, match=r"control character U\+001B at position 3"):
        check_line("ann\x1b")
    with pytest.raises(ValueError, match=r"bidirectional control character U\+202E at position 1"):
        check_note("a\u202e")


@pytest.mark.parametrize("body, field", [
    ({"decision": "approve", "note": "ok\u202e"}, "note"),
    ({"decision": "approve", "note": "ok" + ESC}, "note"),
])
def test_review_decisions_refuse_control_characters(make_app, body, field) -> None:
    with TestClient(make_app()) as client:
        authorize(client)
        r = client.post("/v1/reviews/any/decision", json=body)
        assert r.status_code == 422 and [d["field"] for d in r.json()["errors"]] == [field], r.text
    with pytest.raises(ValidationError):
        ReviewDecisionRequest.model_validate(body)


# ---- the admin API ----------------------------------------------------------------------------------------


@pytest.fixture
def admin(db_path: Path):
    app = make_admin_app(db_path)
    tokens = make_tokens(db_path)
    with TestClient(app) as client:
        client.headers["Authorization"] = f"Bearer {tokens['adm']}"
        yield app.state.guard.lexicon_store, client


def _add(entry: dict) -> dict:
    return {"op": "add", "entry": {"term": "线上棋牌", "category": "gambling", **entry}}


@pytest.mark.parametrize("path, body, loc", [
    ("/changesets", {"note": "棋牌" + ESC}, ["body", "note"]),
    ("/changesets/{cs}/changes", _add({"note": "x" + ESC}), ["body", "entry", "note"]),
    ("/changesets/{cs}/changes", _add({"clause": "\x00"}), ["body", "entry", "clause"]),
    ("/changesets/{cs}/changes", _add({"variants": ["ok", "线上\x1b棋牌"]}), ["body", "entry", "variants"]),
    ("/changesets/{cs}/changes", _add({"term": "线上\x1b[8m棋牌"}), ["body", "entry", "term"]),
    ("/changesets/{cs}/changes", _add({"category": "gambling\n"}), ["body", "entry", "category"]),
    ("/changesets/{cs}/changes", {"op": "remove", "term_id": "gambling:百家乐\x1b"}, ["body", "term_id"]),
    ("/changesets/{cs}/publish", {"expected_revision": 0, "note": "v2\u202e"}, ["body", "note"]),
    ("/rollback", {"to_version": 1, "note": "oops\x07"}, ["body", "note"]),
    ("/rollback", {"to_version": 1, "requested_by": "ed\x1b"}, ["body", "requested_by"]),
    ("/import", {"files": [{"name": "gambling.yaml", "content": GAMBLING}], "note": ESC}, ["body", "note"]),
    ("/import", {"files": [{"name": "gambling.yaml", "content": GAMBLING + "  - a\x1bb\n"}]},
     ["body", "files", 0, "content"]),
])
def test_admin_requests_refuse_control_characters_and_store_nothing(admin, path, body, loc) -> None:
    store, client = admin
    cs = store.create_changeset("ed", "")
    before = (store.changeset(cs)["revision"], len(store.changesets("all")), store.live_version())
    r = client.post("/v1/admin" + path.format(cs=cs), json=body)
    assert r.status_code == 422, r.text
    assert [d["loc"][:len(loc)] for d in r.json()["errors"]] == [loc], r.text
    assert (store.changeset(cs)["revision"], len(store.changesets("all")), store.live_version()) == before
    assert store.changeset(cs)["changes"] == []


def test_entry_fields_may_span_lines(admin) -> None:
    store, client = admin
    cs = store.create_changeset("ed", "")
    r = client.post(f"/v1/admin/changesets/{cs}/changes", json=_add({"note": "第一行\n\t第二行", "action": "block"}))
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("names", [
    ["gambling.yaml", "gambling.yaml"],
    ["gambling.yaml", "GAMBLING.yaml"],
])
def test_import_refuses_two_files_of_the_same_name(admin, names) -> None:
    store, client = admin
    files = [{"name": n, "content": GAMBLING} for n in names]
    r = client.post("/v1/admin/import", json={"files": files})
    assert r.status_code == 422, r.text
    [err] = r.json()["errors"]
    assert err["loc"] == ["body", "files", 1, "name"] and "files[0]" in err["msg"]
    assert store.changesets("all") == []


@pytest.mark.parametrize("name", ["", "../gambling.yaml", "a/gambling.yaml", "a\\gambling.yaml", "..yaml",
                                  "a..yaml", ".gambling.yaml", "gambling.yaml\n", "gambling.json", "gambling.YAML", "赌博.yaml",
                                  "/etc/passwd.txt", "x" * 90 + ".yaml"])
def test_import_refuses_file_names_that_are_not_bare_names(admin, name) -> None:
    store, client = admin
    r = client.post("/v1/admin/import", json={"files": [{"name": name, "content": GAMBLING}]})
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["loc"] == ["body", "files", 0, "name"]
    assert store.changesets("all") == []


def test_import_of_distinct_bare_names_still_works(admin) -> None:
    store, client = admin
    files = [{"name": "gambling.yaml", "content": GAMBLING},
             {"name": "more_gambling-2.yml", "content": "category: gambling\nentries:\n  - 网上棋牌\n"}]
    r = client.post("/v1/admin/import", json={"files": files, "dry_run": True})
    assert r.status_code == 200 and r.json()["counts"]["add"] == 2, r.text
    with pytest.raises(ValidationError):
        ImportIn.model_validate({"files": files + [files[0]]})
