"""/v1/admin/import and `qinglang lexicon lint` on malformed lexicon files: 422 / exit 1 with file:line, never a 500."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from plugin.cli import cli
from tests.service.editorial_app import make_app
from tests.service.tokens import make_tokens

#: "Billion laughs" (tests/plugin/test_safe_yaml.py has the same): 9^9 "lol"s once expanded.
BOMB = ('a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
        + "".join(f"{b}: &{b} [{', '.join(['*' + a] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi"))
        + "category: gambling\nentries: *i\n")

_E = "category: gambling\nentries:\n  - term: 线上赌场\n"

#: (file name, content, line, message fragment)
BAD_FILES = [
    ("empty_header.yaml", "category:\nentries:\n  - 线上赌场\n", 1, "header field 'category' has no value"),
    ("date.yaml", _E + "    valid_from: 2025-02-30\n", 3, "valid_from '2025-02-30' is not a date"),
    ("deep.yaml", _E + "    note: " + "[" * 60 + "]" * 60 + "\n", 4, "nesting deeper than 20 levels"),
    ("deep_map.yaml", _E + "    context: " + "{a: " * 40 + "1" + "}" * 40 + "\n", 4, "nesting deeper than 20"),
    ("bomb.yaml", BOMB, 1, "YAML anchors (&a) are not allowed"),
    ("big_number.yaml", "category: gambling\nseverity: " + "9" * 5000 + "\nentries: [线上赌场]\n", 2,
     "number longer than 64"),
    ("inf.yaml", _E + "    severity: .inf\n", 3, "severity must be an integer 1-5, got inf"),
    ("list_for_map.yaml", _E + "    context: [警方]\n", 3, "context must be a mapping"),
    ("map_for_list.yaml", "category: gambling\nentries: {a: 1}\n", 2, "'entries' must be a list"),
    ("unhashable.yaml", "category: gambling\nentries:\n  - {[1]: 2, term: 线上赌场}\n", 3, "unhashable key"),
    ("nul.yaml", "category: gambling\nentries:\n  - 线上\x00赌场\n", 3, "character U+0000 is not allowed"),
    ("nul.txt", "线上\x00赌场\n", 1, "contains control characters"),
    ("big.tsv", "线上赌场\tgambling\tblock\t" + "9" * 5000 + "\n", 1, "severity must be an integer 1-5"),
    ("tag.yaml", "category: gambling\nentries:\n  - !!python/object:os.system {term: x}\n", 3,
     "could not determine a constructor"),
]


@pytest.fixture
def client(db_path: Path):
    app = make_app(db_path)
    token = make_tokens(db_path)["ed"]
    with TestClient(app) as c:  # a server exception would raise here, not become a 500
        c.headers["Authorization"] = f"Bearer {token}"
        yield c


@pytest.mark.parametrize("name, content, line, fragment", BAD_FILES, ids=[f[0] for f in BAD_FILES])
def test_import_of_a_malformed_file_is_422_with_file_and_line(client: TestClient, name: str, content: str,
                                                              line: int, fragment: str) -> None:
    r = client.post("/v1/admin/import", json={"files": [{"name": name, "content": content}]})
    assert r.status_code == 422, r.text
    body = r.json()
    if "\x00" in content:  # refused by the request schema before any file is read
        assert body["errors"][0]["loc"][-1] == "content", body
        assert client.get("/v1/admin/changesets").json()["changesets"] == []
        return
    assert body["ok"] is False and body["changeset_id"] is None
    errors = [i for i in body["issues"] if i["level"] == "error"]
    assert errors[0]["source"] == name and errors[0]["line"] == line, errors
    assert fragment in errors[0]["message"]
    assert body["error"] == "import_refused" and body["detail"].startswith(f"{name}:{line}: ")  # the error shape
    assert client.get("/v1/admin/changesets").json()["changesets"] == []  # nothing half-written


@pytest.mark.parametrize("name, content, line, fragment", BAD_FILES, ids=[f[0] for f in BAD_FILES])
def test_lint_prints_the_same_message_and_exits_1(tmp_path: Path, name: str, content: str, line: int,
                                                  fragment: str) -> None:
    p = tmp_path / name
    p.write_text(content, encoding="utf-8")
    res = CliRunner().invoke(cli, ["lexicon", "lint", str(p)])
    assert res.exit_code == 1 and (res.exception is None or isinstance(res.exception, SystemExit)), res.output
    assert f"{p}:{line}: error: " in res.output and fragment in res.output
    assert "Traceback" not in res.output


def test_lint_of_non_utf8_bytes(tmp_path: Path) -> None:
    p = tmp_path / "gambling.txt"
    p.write_bytes("线上赌场\n".encode() + b"\xc3\x28\n")
    res = CliRunner().invoke(cli, ["lexicon", "lint", str(p)])
    assert res.exit_code == 1 and f"{p}:2: error: file is not valid UTF-8" in res.output


def test_an_imported_change_records_the_uploaded_file_name_as_its_source(client: TestClient) -> None:
    content = "category: gambling\nentries:\n  - term: 线上赌场\n  - term: 网络赌盘\n"
    r = client.post("/v1/admin/import", json={"files": [{"name": "weekly.yaml", "content": content}]})
    assert r.status_code == 200, r.text
    assert [c["source"] for c in r.json()["changes"]] == ["weekly.yaml:3", "weekly.yaml:4"]
    stored = client.get(f"/v1/admin/changesets/{r.json()['changeset_id']}").json()
    assert sorted(c["source"] for c in stored["changes"]) == ["weekly.yaml:3", "weekly.yaml:4"], stored


@pytest.mark.parametrize("name, content, field", [
    ("gambling.txt", "\u202e乐家百\n", "U+202E at position 0"),
    ("weekly.yaml", "category: gambling\nentries:\n  - term: 线上赌场\n    variants: [\u2067线上\u2069赌盘]\n",
     "U+2067 at position 0"),
    ("weekly.tsv", "线上\u200f赌场\tgambling\tblock\n", "U+200F at position 2"),
])
def test_an_imported_entry_with_a_bidirectional_control_is_refused(client: TestClient, name: str, content: str,
                                                                   field: str) -> None:
    """The JSON change route refuses them (schemas.check_term); an uploaded file must not be a way round:
    ``\\u202e乐家百`` is shown as 百家乐 to the approver who reviews the draft."""
    r = client.post("/v1/admin/import", json={"files": [{"name": name, "content": content}]})
    assert r.status_code == 422, r.text
    assert "bidirectional control" in r.json()["detail"] and field in r.json()["detail"], r.json()["detail"]
    assert client.get("/v1/admin/changesets").json()["changesets"] == []  # nothing drafted
