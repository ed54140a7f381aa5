"""The real server: uvicorn on a loopback port, spoken to over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time

import httpx
import pytest
import uvicorn

from tests.candidates import candidate
from tests.paths import ROOT


@pytest.fixture()
def live_server(make_app, fake_rumors):
    """The app under a real uvicorn server on a free loopback port (pre-bound socket: no race)."""
    app = make_app(rumors=fake_rumors, max_body_bytes=32 * 1024, protect_trending=False)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.time() + 10
    while not server.started:
        assert time.time() < deadline, "server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


def test_real_http_round_trip(live_server, tmp_path):
    with httpx.Client(base_url=live_server, timeout=5) as c:
        assert c.get("/healthz").json()["status"] == "ok"
        q = c.post("/v1/query/check", json={"query": "喝盐水防病毒"}).json()
        assert q["pins"][0]["rumor_id"] == "r1"
        s = c.post("/v1/suggestions/filter", json={"prefix": "澳门", "suggestions": ["澳门赌场", "澳门美食"]}).json()
        assert s["kept"] == ["澳门美食"]
        res = c.post("/v1/trending/review", json={"candidates": [candidate(account={"name": "某市公安局"})]}).json()["results"][0]
        assert res["decision"] == "review"
        d = c.post(f"/v1/reviews/{res['review_id']}/decision", json={"decision": "approve", "note": "ok"})
        assert d.status_code == 401  # the review queue needs a reviewer token
        from plugin.store import TokenStore

        assert c.get("/-/settings").json()["db_path"] == "(admin only)"  # where the data is: admins only
        secret = TokenStore(str(tmp_path / "guard.db")).create("r", "reviewer")[1]
        assert c.get("/-/settings", headers={"Authorization": f"Bearer {secret}"}).status_code == 403
        admin = TokenStore(str(tmp_path / "guard.db")).create("a", "admin")[1]
        shown = c.get("/-/settings", headers={"Authorization": f"Bearer {admin}"}).json()
        assert shown["db_path"] == str(tmp_path / "guard.db")
        d = c.post(f"/v1/reviews/{res['review_id']}/decision", json={"decision": "approve", "note": "ok"},
                   headers={"Authorization": f"Bearer {secret}"})
        assert d.status_code == 200 and d.json()["human"]["reviewer"] == "r"
        assert c.post("/v1/query/check", content=b"{oops", headers={"content-type": "application/json"}).status_code == 400
        big = c.post("/v1/query/check", content=b"x" * 40_000, headers={"content-type": "application/json"})
        assert big.status_code == 413
        assert 'endpoint="/v1/trending/review"' in c.get("/metrics").text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_qinglang_serve_command(tmp_path):
    """`qinglang serve` starts on the bundled lexicons and answers over HTTP."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from service.cli import main; main()", "serve", "--port", str(port),
         "--db", str(tmp_path / "serve.db"), "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.time() + 60
        while True:
            assert proc.poll() is None, proc.stderr.read().decode()
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                if r.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.time() < deadline, "serve did not come up"
            time.sleep(0.1)
        r = httpx.post(f"http://127.0.0.1:{port}/v1/query/check", json={"query": "今天天气"}, timeout=5)
        assert r.status_code == 200 and r.json()["action"] in ("allow", "review", "block")
        assert (tmp_path / "serve.db").exists()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
