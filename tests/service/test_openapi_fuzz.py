"""Property-based run of the whole HTTP API from its own ``/openapi.json`` (schemathesis): no input a
client can send may produce a server error (5xx). Runs with an admin token so every route is reached,
both with schema-conforming and with schema-violating data, a bounded number of examples per operation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode

from plugin import Matcher
from plugin.store import TokenStore

from tests.fakes import FakeRumors

#: Examples per operation and mode; the API has ~40 operations, so a run is several hundred requests.
EXAMPLES = 8


@pytest.fixture(scope="module")
def fuzz_target(tmp_path_factory: pytest.TempPathFactory, service_matcher: Matcher) -> tuple[Any, str]:
    from service.app import create_app
    from service.config import ServiceConfig

    db = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
    app = create_app(ServiceConfig(db_path=str(db)), matcher=service_matcher,
                     rumors=FakeRumors([{"id": "r1", "key": "喝盐水防病毒", "claim": "喝盐水可以预防病毒感染",
                                          "status": "false"}]))
    secret = TokenStore(str(db)).create("fuzz-admin", "admin")[1]
    return app, secret


def test_openapi_run_has_no_server_error(fuzz_target: tuple[Any, str]) -> None:
    app, secret = fuzz_target
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    calls = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                strategy = operation.as_strategy(generation_mode=mode)
            except Exception:  # an operation with nothing to negate
                continue

            @given(case=strategy)
            @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))
            def run(case: Any) -> None:
                nonlocal calls
                calls += 1
                headers = dict(case.headers or {})
                headers["Authorization"] = f"Bearer {secret}"
                response = case.call(headers=headers)
                if response.status_code >= 500:
                    failures.append(f"{case.method} {case.formatted_path} {mode.value} → {response.status_code}: "
                                    f"{response.text[:300]}")

            try:
                run()
            except Unsatisfiable:  # e.g. no way to violate a parameter-less operation's schema
                continue
    print(f"{calls} calls")
    assert calls > 200
    assert not failures, "\n".join(failures[:20])
