"""The service against its OpenAPI document (schemathesis), a real server's logs, and a bounded
load run on loopback. Slow: ``pytest -m slow``."""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
httpx = pytest.importorskip("httpx")

import riskrules
from riskrules.record.values import id_check_digit

sys.path.insert(0, str(Path(__file__).resolve().parent / "browser"))
from live_service import running_service

pytestmark = pytest.mark.slow

AS_OF = "2022-07-31"
_FIRST17 = "23012819580125003"
VALID_ID = _FIRST17 + id_check_digit(_FIRST17)


def _examples() -> list[dict[str, Any]]:
    return [json.loads(riskrules.load_example(n).model_dump_json(exclude_none=True)) for n in riskrules.example_names()]


def test_the_service_conforms_to_its_openapi_document(pack: riskrules.RulePack) -> None:
    """Every operation, with data generated from the document (valid and invalid): no server
    error, only documented status codes and content types, responses that match their schemas.

    Two checks are left out where the behaviour is by design: a schema-valid record may still
    be refused (422) for what JSON Schema cannot say (an identity number's check digit, a date
    after the as-of date, identification before the clue); and a batch reports a bad record in
    its result rather than failing the batch."""
    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis.errors import Unsatisfiable
    from schemathesis.checks import negative_data_rejection, positive_data_acceptance

    from riskrules.service import create_app

    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(pack))
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        excluded = [positive_data_acceptance]
        if operation.path.endswith("/assess-batch"):
            excluded.append(negative_data_rejection)
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            try:
                _conformance(operation, mode, excluded)()
            except Unsatisfiable:  # an operation with no input has no invalid input
                assert mode is schemathesis.GenerationMode.NEGATIVE
    assert operations == 8


def _conformance(operation: Any, mode: Any, excluded: list[Any]) -> Any:
    from hypothesis import HealthCheck, given, settings

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def check(case: Any) -> None:
        case.call_and_validate(excluded_checks=excluded)

    return check


def test_a_real_server_logs_no_identity_number(tmp_path: Path) -> None:
    record = _examples()[0]
    record["members"][0] = {**record["members"][0], "id_number": VALID_ID, "birth_date": "1958-01-25"}
    bad = json.loads(json.dumps(record))
    bad["members"][0]["id_number"] = VALID_ID[:-1] + ("0" if VALID_ID[-1] != "0" else "1")
    with running_service(tmp_path, "--log-level", "debug") as service:
        with httpx.Client(base_url=service.url, timeout=30) as c:
            texts = []
            for body in ({"record": record, "as_of": AS_OF}, {"record": bad, "as_of": AS_OF},
                         {"record": {**record, "household_id": VALID_ID}, "as_of": AS_OF}):
                for path in ("/v1/assess", "/v1/validate", "/v1/next-questions"):
                    r = c.post(path, json=body)
                    assert r.status_code in (200, 422)
                    texts.append(r.text)
            texts.append(c.get(f"/v1/rules/{VALID_ID}?q={VALID_ID}").text)
            texts.append(c.get(f"/v1/schema?form={VALID_ID}").text)
        log = service.log()
    assert "POST /v1/assess 200" in log and "GET /v1/rules/" in log
    for text in (*texts, log):
        assert VALID_ID not in text and _FIRST17 not in text


def test_a_request_offering_an_http2_upgrade_keeps_its_body(tmp_path: Path) -> None:
    """Java's HttpClient offers "Upgrade: h2c" on plain HTTP by default; the body must arrive."""
    import http.client

    body = json.dumps({"record": _examples()[0], "as_of": AS_OF})
    with running_service(tmp_path) as service:
        host, port = service.url.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        conn.request("POST", "/v1/assess", body=body, headers={
            "Content-Type": "application/json", "Connection": "Upgrade, HTTP2-Settings", "Upgrade": "h2c",
            "HTTP2-Settings": "AAEAAEAAAAIAAAABAAMAAABkAAQBAAAAAAUAAEAA"})
        response = conn.getresponse()
        text = response.read().decode()
        conn.close()
    assert response.status == 200, text
    assert json.loads(text)["household_id"] == _examples()[0]["household_id"]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _keep_alive_client(host: str, port: int, requests: list[bytes], latencies: list[float], errors: list[str]) -> None:
    """One HTTP/1.1 keep-alive connection sending ``requests`` one after another: a lean client,
    so that on a 2-core machine the measure is the server's, not an HTTP library's."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for request in requests:
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:"))
            body = await reader.readexactly(length)
            latencies.append(time.perf_counter() - start)
            if status != 200 or not body.startswith(b'{"household_id"'):
                errors.append(f"{status} {body[:200]!r}")
    finally:
        writer.close()


def test_a_bounded_load_run_on_loopback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """2,000 assessments of the bundled examples, 16 at a time on keep-alive connections, against
    one worker on 127.0.0.1: no error; p50 and p99 printed."""
    total, concurrency = 2000, 16
    bodies = [json.dumps({"record": r, "as_of": AS_OF}).encode() for r in _examples()]
    with running_service(tmp_path) as service:
        host, port = service.url.removeprefix("http://").split(":")
        raw = [b"POST /v1/assess HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
               % (host.encode(), len(b), b) for b in bodies]
        plan = [[raw[(c * (total // concurrency) + i) % len(raw)] for i in range(total // concurrency)] for c in range(concurrency)]
        latencies: list[float] = []
        errors: list[str] = []

        async def run() -> float:
            began = time.perf_counter()
            await asyncio.wait_for(asyncio.gather(*(_keep_alive_client(host, int(port), p, latencies, errors) for p in plan)),
                                   timeout=300)
            return time.perf_counter() - began

        elapsed = asyncio.run(run())
    log = service.log()  # the server has stopped: every line is written
    assert errors == []
    assert len(latencies) == total
    assert log.count("POST /v1/assess 200") == total
    p50, p99 = _percentile(latencies, 0.50) * 1000, _percentile(latencies, 0.99) * 1000
    report = {"requests": total, "concurrency": concurrency, "errors": len(errors), "seconds": round(elapsed, 2),
              "per_second": round(total / elapsed, 1), "p50_ms": round(p50, 1), "p99_ms": round(p99, 1),
              "mean_ms": round(statistics.fmean(latencies) * 1000, 1)}
    with capsys.disabled():
        print(f"\nload run: {json.dumps(report)}")
    assert p99 < 5000
