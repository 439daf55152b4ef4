"""The HTTP service, in-process: routes, problem details, limits, the pack's version, privacy."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient

import riskrules
from riskrules.record.values import id_check_digit
from riskrules.service import Settings, create_app, openapi_document

ROOT = Path(__file__).resolve().parents[1]
AS_OF = date(2022, 7, 31)
PROBLEM = "application/problem+json"

# A valid resident identity number (the check digit computed), and one with a wrong check digit.
_FIRST17 = "23012819580125003"
VALID_ID = _FIRST17 + id_check_digit(_FIRST17)
BAD_ID = _FIRST17 + ("0" if id_check_digit(_FIRST17) != "0" else "1")


def _json(record: riskrules.Household) -> dict[str, Any]:
    return json.loads(record.model_dump_json(exclude_none=True))


@pytest.fixture(scope="module")
def client(pack: riskrules.RulePack) -> Iterator[TestClient]:
    with TestClient(create_app(pack)) as c:
        yield c


@pytest.fixture(scope="module")
def example() -> dict[str, Any]:
    return _json(riskrules.load_example("late_identification"))


def _body(record: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"record": record, "as_of": AS_OF.isoformat(), **extra}


def test_health_and_the_pack_version_on_every_response(client: TestClient, pack: riskrules.RulePack) -> None:
    r = client.get("/health")
    assert r.json() == {"status": "ok", "rule_pack": {"name": pack.name, "version": pack.version}, "rules": len(pack.rules)}
    for response in (r, client.get("/v1/rules/nope"), client.post("/v1/assess", content=b"{"), client.get("/nowhere"),
                     client.get("/"), client.post("/v1/assess", json={"record": {}, "as_of": "2022-07-31"})):
        assert response.headers["x-rule-pack-version"] == pack.version, response.request.url
        assert response.headers["x-content-type-options"] == "nosniff"


def test_assess_returns_exactly_the_assessment_bytes(client: TestClient, pack: riskrules.RulePack, example: dict[str, Any]) -> None:
    r = client.post("/v1/assess", json=_body(example))
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    assert r.content == pack.assess(example, AS_OF).model_dump_json().encode()
    r = client.post("/v1/assess", json=_body(example, jurisdiction="46"))
    assert r.content == pack.assess(example, AS_OF, "46").model_dump_json().encode()
    assert r.json()["jurisdiction"] == "46"


def test_a_bad_record_answers_422_with_every_problem(client: TestClient) -> None:
    record = {"household_id": "h1", "region_code": "99", "members": [{"member_id": "m1", "birth_date": "2030-01-01"},
                                                                       {"member_id": "m2", "health": "sick"}]}
    r = client.post("/v1/assess", json=_body(record))
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    body = r.json()
    assert body["type"] == "urn:riskrules:problem:invalid-record" and body["status"] == 422
    assert body["rule_pack"]["version"]
    by_pointer = {p["pointer"]: p for p in body["problems"]}
    assert set(by_pointer) == {"/record/region_code", "/record/members/0/birth_date", "/record/members/1/health"}
    health = by_pointer["/record/members/1/health"]
    assert health["path"] == "members[1].health" and health["code"] == "enum"
    assert "健康" in health["message_zh"] and "must be one of" in health["message_en"]
    assert "评估日期" in by_pointer["/record/members/0/birth_date"]["message_zh"]


def test_as_of_and_jurisdiction_problems_point_at_the_request(client: TestClient, example: dict[str, Any]) -> None:
    r = client.post("/v1/assess", json={"record": example, "as_of": "2022-7-31", "jurisdiction": 23, "extra": 1})
    assert r.status_code == 422
    assert {p["pointer"] for p in r.json()["problems"]} == {"/as_of", "/jurisdiction", "/extra"}
    r = client.post("/v1/assess", json=_body(example, jurisdiction="X1"))
    assert [(p["pointer"], p["code"]) for p in r.json()["problems"]] == [("/jurisdiction", "jurisdiction_format")]
    r = client.post("/v1/assess", json={"as_of": "2022-07-31"})
    assert [p["pointer"] for p in r.json()["problems"]] == ["/record"]
    r = client.post("/v1/assess", json=[1, 2])
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM


def test_a_body_that_is_not_json_answers_400(client: TestClient) -> None:
    r = client.post("/v1/assess", content=b"household=1", headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.headers["content-type"] == PROBLEM
    assert r.json()["type"] == "urn:riskrules:problem:bad-json"


def test_validate_returns_the_record_as_read(client: TestClient, example: dict[str, Any]) -> None:
    record = {**example, "household_type": "一般农户"}
    record["members"] = [{**example["members"][0], "id_number": VALID_ID, "birth_date": "1958-01-25"}, *example["members"][1:]]
    r = client.post("/v1/validate", json=_body(record))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["valid"] is True and body["jurisdiction"] == example["region_code"]
    assert body["record"]["household_type"] == "ordinary"
    assert body["record"]["members"][0]["id_number"] == VALID_ID[:4] + "*" * 10 + VALID_ID[-4:]


def test_next_questions(client: TestClient, pack: riskrules.RulePack) -> None:
    record = {"household_id": "h1", "region_code": "230128", "members": [{"member_id": "m1"}]}
    r = client.post("/v1/next-questions", json=_body(record))
    assert r.status_code == 200
    assert r.content == pack.next_questions(record, AS_OF).model_dump_json().encode()
    assert r.json()["questions"][0]["pointer"] == "/income"


def test_batch(client: TestClient, pack: riskrules.RulePack, example: dict[str, Any]) -> None:
    records = [example, {"household_id": "bad"}, _json(riskrules.load_example("green_channel"))]
    r = client.post("/v1/assess-batch", json={"records": records, "as_of": "2022-07-31"})
    assert r.status_code == 200
    body = r.json()
    assert (body["assessed"], body["rejected"]) == (2, 1)
    assert body["results"][1]["index"] == 1 and {p["pointer"] for p in body["results"][1]["problems"]} == {
        "/records/1/region_code", "/records/1/members"}
    # each assessment is its model_dump_json(), byte for byte
    for i in (0, 2):
        expected = pack.assess(records[i], AS_OF).model_dump_json().encode()
        assert b'{"index":%d,"assessment":%s}' % (i, expected) in r.content
    r = client.post("/v1/assess-batch", json={"records": [], "as_of": "2022-07-31"})
    assert r.status_code == 422
    r = client.post("/v1/assess-batch", json={"records": records, "as_of": "2022-07-31", "jurisdiction": "bad"})
    assert [p["pointer"] for p in r.json()["problems"]] == ["/jurisdiction"]


def test_batch_size_and_body_size_are_bounded(pack: riskrules.RulePack, example: dict[str, Any]) -> None:
    with TestClient(create_app(pack, settings=Settings(max_batch=2, max_body=2000, max_batch_body=4000))) as c:
        r = c.post("/v1/assess-batch", json={"records": [example] * 3, "as_of": "2022-07-31"})
        assert r.status_code in (413, 422) and r.headers["content-type"] == PROBLEM
        r = c.post("/v1/assess-batch", json={"records": [{"household_id": "h"}] * 3, "as_of": "2022-07-31"})
        assert r.status_code == 422 and r.json()["problems"][0]["pointer"] == "/records"
        big = _body({**example, "household_id": "x" * 3000})
        r = c.post("/v1/assess", json=big)
        assert r.status_code == 413 and r.headers["content-type"] == PROBLEM
        assert r.headers["x-rule-pack-version"] == pack.version

        def chunks() -> Iterator[bytes]:  # no content-length: counted as it arrives
            text = json.dumps(big).encode()
            for i in range(0, len(text), 500):
                yield text[i:i + 500]

        r = c.post("/v1/assess", content=chunks(), headers={"content-type": "application/json"})
        assert r.status_code == 413 and r.json()["type"] == "urn:riskrules:problem:too-large"
        assert c.post("/v1/assess", json=_body(example)).status_code == 200


class _Wrapped:
    """The session's pack with one method replaced (loading a second pack takes a second)."""

    def __init__(self, pack: riskrules.RulePack, **methods: Any):
        self._pack = pack
        self.__dict__.update(methods)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pack, name)


def test_a_request_over_the_time_limit_answers_503(pack: riskrules.RulePack, example: dict[str, Any]) -> None:
    slow = _Wrapped(pack, assess=lambda *a, **k: (time.sleep(0.5), pack.assess(*a, **k))[1])
    with TestClient(create_app(slow, settings=Settings(timeout=0.1))) as c:  # type: ignore[arg-type]
        r = c.post("/v1/assess", json=_body(example))
        assert r.status_code == 503 and r.headers["content-type"] == PROBLEM
        assert r.json()["type"] == "urn:riskrules:problem:timeout"


def test_cors_only_for_the_origins_given(client: TestClient, pack: riskrules.RulePack) -> None:
    assert "access-control-allow-origin" not in client.get("/health", headers={"Origin": "https://forms.example"}).headers
    with TestClient(create_app(pack, settings=Settings(cors_origins=("https://forms.example",)))) as c:
        preflight = c.options("/v1/assess", headers={"Origin": "https://forms.example", "Access-Control-Request-Method": "POST",
                                                      "Access-Control-Request-Headers": "content-type"})
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "https://forms.example"
        r = c.get("/health", headers={"Origin": "https://forms.example"})
        assert r.headers["access-control-allow-origin"] == "https://forms.example"
        assert "x-rule-pack-version" in r.headers["access-control-expose-headers"]
        assert "access-control-allow-origin" not in c.get("/health", headers={"Origin": "https://evil.example"}).headers


def test_schema_rules_and_page(client: TestClient, pack: riskrules.RulePack) -> None:
    plain = client.get("/v1/schema").json()
    assert plain == riskrules.household_json_schema()
    form = client.get("/v1/schema", params={"form": "true"}).json()
    assert set(form) == {"schema", "uiSchema", "sections", "labels"}
    assert client.get("/v1/schema", params={"form": "perhaps"}).status_code == 422
    rules = client.get("/v1/rules").json()
    assert len(rules["rules"]) == len(pack.rules)
    assert all(r["citation"]["document"] for r in rules["rules"])
    one = client.get("/v1/rules/deadline.identification_overdue").json()
    assert one["condition"] and one["citation"]["quote"]
    monitoring = client.get("/v1/rules/identification.sudden_severe_difficulty").json()
    assert any(p["name"] == "monitoring_range" and p["values"] for p in monitoring["parameters"])
    missing = client.get("/v1/rules/no.such.rule")
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM
    page = client.get("/")
    assert page.status_code == 200 and "农户信息采集" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/static/../app.py").status_code == 404


def test_openapi_documents_requests_responses_and_problems(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    assert set(doc["paths"]) == {"/v1/assess", "/v1/validate", "/v1/next-questions", "/v1/assess-batch", "/v1/schema",
                                 "/v1/rules", "/v1/rules/{rule_id}", "/health"}
    assess = doc["paths"]["/v1/assess"]["post"]
    assert assess["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/AssessRequest"}
    assert assess["responses"]["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Assessment"}
    assert "application/problem+json" in assess["responses"]["422"]["content"]
    schemas = doc["components"]["schemas"]
    assert schemas["AssessRequest"]["properties"]["record"] == {"$ref": "#/components/schemas/Household",
                                                                 "description": "农户信息采集记录 / the household intake record"}
    assert "explanation_zh" in schemas["Flag"]["properties"]
    assert schemas["BatchRequest"]["properties"]["records"]["maxItems"] == Settings().max_batch
    assert schemas["Health"]["oneOf"][0]["title"] == "健康"  # the record's code table, with its labels


def test_the_committed_openapi_document_is_in_sync(pack: riskrules.RulePack) -> None:
    committed = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    assert committed == json.loads(json.dumps(openapi_document(pack=pack))), \
        "docs/openapi.json is stale: run `riskrules serve --write-openapi docs/openapi.json`"


# ---------------------------------------------------------------------------------------------
# Privacy: an identity number never appears in full in a response, an error or a log line


def _server_log(records: list[logging.LogRecord]) -> str:
    # What the service and its server log (httpx, the test's client, logs its own requests).
    names = ("riskrules", "uvicorn", "fastapi", "starlette")
    return "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in records if r.name.split(".")[0] in names)


def _leaks(text: str) -> bool:
    return VALID_ID in text or BAD_ID in text or _FIRST17 in text


def test_identity_numbers_never_appear_in_responses_or_logs(pack: riskrules.RulePack, example: dict[str, Any],
                                                            caplog: pytest.LogCaptureFixture) -> None:
    good = {**example, "members": [{**example["members"][0], "id_number": VALID_ID, "birth_date": "1958-01-25"}]}
    bad = {**example, "members": [{**example["members"][0], "id_number": BAD_ID}]}
    as_id = {**example, "household_id": VALID_ID}
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    with TestClient(create_app(pack), raise_server_exceptions=False) as c:
        calls = [
            ("post", "/v1/assess", _body(good)), ("post", "/v1/assess", _body(bad)), ("post", "/v1/assess", _body(as_id)),
            ("post", "/v1/validate", _body(good)), ("post", "/v1/validate", _body(bad)),
            ("post", "/v1/next-questions", _body(good)), ("post", "/v1/next-questions", _body(bad)),
            ("post", "/v1/assess-batch", {"records": [good, bad, as_id], "as_of": "2022-07-31"}),
            ("post", "/v1/assess", {"record": good, "as_of": VALID_ID}), ("post", "/v1/assess", _body(good, jurisdiction=VALID_ID)),
            ("post", "/v1/assess", {"record": good, "as_of": "2022-07-31", VALID_ID: 1}),
            ("get", f"/v1/rules/{VALID_ID}", None), ("get", f"/v1/schema?form={VALID_ID}", None), ("get", f"/{VALID_ID}", None),
        ]
        for method, url, body in calls:
            r = c.post(url, json=body) if method == "post" else c.get(url)
            assert r.status_code < 500, (url, r.text)
            seen.append(r.text + json.dumps(dict(r.headers)))
        statuses = [c.post("/v1/assess", json=_body(good)).status_code]
    assert statuses == [200]
    for text in seen:
        assert not _leaks(text), text[:300]
    logged = _server_log(caplog.records)
    assert "/v1/rules/" in logged  # the request lines were logged ...
    assert not _leaks(logged)      # ... masked


def test_an_unexpected_error_is_a_500_without_the_record(pack: riskrules.RulePack, example: dict[str, Any],
                                                        caplog: pytest.LogCaptureFixture) -> None:
    def explode(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError(f"bad thing with {VALID_ID}")

    broken = _Wrapped(pack, assess=explode)
    caplog.set_level(logging.DEBUG)
    with TestClient(create_app(broken), raise_server_exceptions=False) as c:  # type: ignore[arg-type]
        r = c.post("/v1/assess", json=_body(example))
    assert r.status_code == 500 and r.headers["content-type"] == PROBLEM
    assert not _leaks(r.text)
    logged = _server_log(caplog.records)
    assert "RuntimeError" in logged and not _leaks(logged)
