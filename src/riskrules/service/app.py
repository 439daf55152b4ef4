"""The HTTP service (评估服务): riskrules for browser forms and other languages' back ends.

``create_app()`` returns a FastAPI application that holds one compiled rule pack:

=========================== =======================================================================
``POST /v1/assess``          one record -> its assessment (exactly ``Assessment.model_dump_json()``)
``POST /v1/validate``        one record -> the record as riskrules reads it, or its problems
``POST /v1/next-questions``  a partial record -> the questions still to ask, and the flags decided
``POST /v1/assess-batch``    up to ``max_batch`` records -> each one's assessment or problems
``GET  /v1/schema``          the record's JSON Schema; ``?form=true``: the form schema and UI hints
``GET  /v1/rules``           every rule with its citation; ``/v1/rules/{rule_id}`` one, with its
                             condition and parameters
``GET  /health``             liveness, with the pack's name and version
``GET  /``                   the reference intake page
=========================== =======================================================================

A request that cannot be assessed answers with RFC 9457 problem details
(``application/problem+json``) listing every problem with its JSON Pointer and its Chinese and
English message: 400 for a body that is not JSON, 422 for a bad record, as-of date or
jurisdiction, 413 for a body over the limit, 503 past the time limit. Every response carries
the pack's version (``X-Rule-Pack-Version``). Identity numbers never appear in full in a
response or a log line.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import orjson
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from pydantic.json_schema import models_json_schema
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import __version__
from ..assessment import Assessment, RulePackInfo
from ..errors import EngineError, InvalidRecord, Problem, mask_identity
from ..forms.questions import NextQuestions, next_questions, path_parts, pointer_of
from ..forms.schema import form_bundle, tighten_patterns
from ..pack.pack import RulePack, load_rules
from ..pack.parameters import JURISDICTION
from ..record.problems import problems_from_validation_error
from ..schema import household_json_schema, label_enum_definitions
from .logs import install_masking, logger
from .models import (
    AssessRequest,
    BatchEnvelope,
    BatchRequest,
    BatchResult,
    Envelope,
    ParameterInfo,
    ParameterValueInfo,
    ProblemDetails,
    RuleDetail,
    RuleList,
    RuleSummary,
    ServiceHealth,
    Validated,
)

__all__ = ["Settings", "create_app", "openapi_document"]

PROBLEM_JSON = "application/problem+json"


@dataclass(frozen=True)
class Settings:
    """Limits of the service (服务限制)."""

    max_body: int = 1 << 20           # bytes of one request body (a household is a few kB)
    max_batch_body: int = 8 << 20     # bytes of a batch request body
    max_batch: int = 100              # records in one batch
    timeout: float = 10.0             # seconds for one request: reading the body and assessing
    threads: int = 1                  # threads that assess: the engine is serialised per pack, and one
                                      # thread beside the event loop measured best (docs/service.md)
    cors_origins: tuple[str, ...] = ()  # origins of browser forms served elsewhere that may call the API


class _Problem(Exception):
    def __init__(self, status: int, kind: str, title: str, detail: str, problems: list[dict[str, str]] | None = None,
                 headers: Mapping[str, str] | None = None):
        super().__init__(detail)
        self.status, self.kind, self.title, self.detail = status, kind, title, detail
        self.problems = problems or []
        self.headers = dict(headers or {})


# ---------------------------------------------------------------------------------------------
# Problems: paths to JSON Pointers


def _pointer(path: str, prefix: str) -> str:
    """A problem's path to a JSON Pointer into the request body."""
    if path in ("as_of", "jurisdiction"):
        return "/" + path
    if path == "$":
        return prefix
    return prefix + pointer_of(path_parts(path))


def _problem_items(problems: list[Problem], prefix: str) -> list[dict[str, str]]:
    return [{"pointer": _pointer(p.path, prefix), "path": p.path, "code": p.code,
             "message_zh": mask_identity(p.message_zh), "message_en": mask_identity(p.message_en)} for p in problems]


def _envelope_problems(error: ValidationError) -> list[dict[str, str]]:
    out = []
    for p in problems_from_validation_error(error):
        out.append({"pointer": pointer_of(path_parts(p.path)) if p.path != "$" else "",
                    "path": p.path, "code": p.code, "message_zh": p.message_zh, "message_en": p.message_en})
    return out


def _invalid(problems: list[dict[str, str]]) -> _Problem:
    n = len(problems)
    return _Problem(422, "invalid-record", "记录无效 / invalid record",
                    f"记录无效，共 {n} 处问题 / the request cannot be assessed: {n} problem(s)", problems)


# ---------------------------------------------------------------------------------------------
# The guard: body size, the pack's version on every response, one log line per request


class _TooLarge(Exception):
    pass


class _Guard:
    """ASGI middleware: refuses bodies over the limit, stamps the pack's version and security
    headers on every response, and logs one line per request (no body, masked path)."""

    def __init__(self, app: ASGIApp, *, settings: Settings, info: RulePackInfo):
        self.app = app
        self.settings = settings
        self.info = info.model_dump()
        self.headers = [(b"x-rule-pack-name", info.name.encode()), (b"x-rule-pack-version", info.version.encode()),
                        (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        path: str = scope.get("path", "")
        limit = self.settings.max_batch_body if path.endswith("/assess-batch") else self.settings.max_body
        status = 0
        size = 0

        async def stamped(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", []), *self.headers]}
            await send(message)

        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await self._too_large(stamped, limit)
            self._log(scope, 413, start, 0)
            return

        async def counted() -> Message:
            nonlocal size
            message = await receive()
            if message["type"] == "http.request":
                size += len(message.get("body", b""))
                if size > limit:
                    raise _TooLarge()
            return message

        try:
            await self.app(scope, counted, stamped)
        finally:
            self._log(scope, status, start, size)

    async def _too_large(self, send: Send, limit: int) -> None:
        body = orjson.dumps({"type": "urn:riskrules:problem:too-large", "title": "请求过大 / request too large",
                             "status": 413, "detail": f"请求体超过 {limit} 字节 / the request body is over {limit} bytes",
                             "problems": [], "rule_pack": self.info})
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    def _log(scope: Scope, status: int, start: float, size: int) -> None:
        # The path only: never the query string, never a body. The filter masks the path too.
        logger.info("%s %s %d %.1fms %dB", scope.get("method", "-"), scope.get("path", "-"), status,
                    (time.perf_counter() - start) * 1000, size)


# ---------------------------------------------------------------------------------------------
# The application


def _request_body(name: str, description: str) -> dict[str, Any]:
    return {"requestBody": {"required": True, "description": description,
                            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}}}


def _problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    text = {400: "请求体不是 JSON / the body is not JSON", 404: "没有该规则 / no such rule",
            413: "请求体过大 / the body is over the limit",
            422: "记录、评估日期或辖区有误（列出每处问题） / the record, as-of date or jurisdiction is wrong (every problem listed)",
            503: "超过时限 / over the time limit", 500: "内部错误 / internal error"}
    return {c: {"model": ProblemDetails, "description": text[c]} for c in codes}


def create_app(pack: RulePack | None = None, *, rules: str | Path | None = None,
               settings: Settings | None = None) -> FastAPI:
    """The service for ``pack`` (or the pack at ``rules``, or the bundled one)."""
    pack = pack if pack is not None else load_rules(rules)
    settings = settings or Settings()
    info = RulePackInfo(name=pack.name, version=pack.version)
    pool = ThreadPoolExecutor(max_workers=settings.threads, thread_name_prefix="riskrules")
    install_masking()

    app = FastAPI(
        title="riskrules",
        version=__version__,
        summary="防止返贫动态监测和帮扶机制规则评估服务 / rules for preventing return to poverty, as a service",
        description=(__doc__ or "").split("\n\n", 1)[0] + "\n\nSee docs/service.md.",
        docs_url="/docs", redoc_url=None,
    )
    app.add_middleware(_Guard, settings=settings, info=info)
    if settings.cors_origins:  # outermost: a preflight is answered before the guard
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins), allow_methods=["GET", "POST"],
                           allow_headers=["content-type"], expose_headers=["x-rule-pack-name", "x-rule-pack-version"],
                           max_age=600)
    app.state.pack, app.state.settings = pack, settings

    # -- answers computed once
    plain_schema = orjson.dumps(household_json_schema())
    form_schema = orjson.dumps(form_bundle())
    rule_details = {r.id: _rule_detail(pack, r) for r in pack.rules}
    rules_body = RuleList(rule_pack=info, rules=[RuleSummary(**d.model_dump(exclude={"condition", "parameters"}))
                                                 for d in rule_details.values()]).model_dump_json().encode()
    health_body = ServiceHealth(rule_pack=info, rules=len(pack.rules)).model_dump_json().encode()
    static = _static_files()

    # -- helpers

    async def compute(request: Request, fn: Callable[..., Any], *args: Any) -> Any:
        deadline = request.state.deadline
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _timeout(settings)
        try:
            return await asyncio.wait_for(asyncio.get_running_loop().run_in_executor(pool, fn, *args), remaining)
        except asyncio.TimeoutError:
            raise _timeout(settings) from None

    async def read_json(request: Request) -> Any:
        request.state.deadline = time.monotonic() + settings.timeout
        try:
            raw = await asyncio.wait_for(request.body(), settings.timeout)
        except asyncio.TimeoutError:
            raise _timeout(settings) from None
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise _Problem(400, "bad-json", "请求体不是 JSON / the body is not JSON",
                           "请求体应为 JSON 对象 / the request body must be a JSON object") from None

    async def envelope(request: Request) -> Envelope:
        data = await read_json(request)
        try:
            return Envelope.model_validate(data)
        except ValidationError as e:
            raise _invalid(_envelope_problems(e)) from None

    def json_bytes(body: bytes, status: int = 200) -> Response:
        return Response(content=body, status_code=status, media_type="application/json")

    # -- routes

    @app.post("/v1/assess", response_model=Assessment, tags=["assess"],
              summary="评估一户 / assess one household",
              responses=_problem_responses(400, 413, 422, 503),
              openapi_extra=_request_body("AssessRequest", "一户记录及评估日期 / a record and its as-of date"))
    async def assess(request: Request) -> Response:
        """The assessment: flags with explanations and citations, and the rules still undecided
        with the fields to ask for. The body is exactly ``Assessment.model_dump_json()``:
        the same record, date and pack give the same bytes."""
        env = await envelope(request)

        def run() -> bytes:
            return pack.assess(env.record, env.as_of, env.jurisdiction).model_dump_json().encode()

        return json_bytes(await compute(request, run))

    @app.post("/v1/validate", response_model=Validated, tags=["assess"],
              summary="校验一户记录 / validate one record",
              responses=_problem_responses(400, 413, 422, 503),
              openapi_extra=_request_body("AssessRequest", "一户记录及评估日期 / a record and its as-of date"))
    async def validate(request: Request) -> Response:
        """The record as riskrules reads it (codes for Chinese labels, identity numbers masked),
        or 422 with every problem: the check ``/v1/assess`` makes, without assessing."""
        env = await envelope(request)

        def run() -> bytes:
            household = pack.validate(env.record, env.as_of, env.jurisdiction)
            return Validated(household_id=household.household_id, as_of=env.as_of,
                             jurisdiction=env.jurisdiction or household.region_code,
                             record=household.model_dump(mode="json", exclude_none=True),
                             rule_pack=info).model_dump_json().encode()

        return json_bytes(await compute(request, run))

    @app.post("/v1/next-questions", response_model=NextQuestions, tags=["forms"],
              summary="下一步应采集的信息 / what to ask next",
              responses=_problem_responses(400, 413, 422, 503),
              openapi_extra=_request_body("AssessRequest", "部分填写的记录及评估日期 / a partial record and its as-of date"))
    async def questions(request: Request) -> Response:
        """The missing fields as JSON Pointers into the record, with titles and the rules they
        would decide, ranked by how many undecided outcomes each settles; and the flags
        already decided."""
        env = await envelope(request)

        def run() -> bytes:
            return next_questions(pack, env.record, env.as_of, env.jurisdiction).model_dump_json().encode()

        return json_bytes(await compute(request, run))

    @app.post("/v1/assess-batch", response_model=BatchResult, tags=["assess"],
              summary="批量评估 / assess several households",
              responses=_problem_responses(400, 413, 422, 503),
              openapi_extra=_request_body("BatchRequest", f"至多 {settings.max_batch} 户 / at most {settings.max_batch} records"))
    async def assess_batch(request: Request) -> Response:
        """Each record's assessment, or its problems (one bad record does not fail the batch).
        Each assessment is exactly its ``model_dump_json()``."""
        data = await read_json(request)
        try:
            batch = BatchEnvelope.model_validate(data)
        except ValidationError as e:
            raise _invalid(_envelope_problems(e)) from None
        if len(batch.records) > settings.max_batch:
            raise _invalid([{"pointer": "/records", "path": "records", "code": "too_long",
                             "message_zh": f"一次最多评估 {settings.max_batch} 户",
                             "message_en": f"at most {settings.max_batch} records in one batch"}])
        if batch.jurisdiction is not None and not JURISDICTION.match(batch.jurisdiction):
            # The batch's own argument: one problem, not one per record.
            raise _invalid([{"pointer": "/jurisdiction", "path": "jurisdiction", "code": "jurisdiction_format",
                             "message_zh": "辖区应为 CN 或 2、4、6、9、12 位行政区划代码前缀",
                             "message_en": "a jurisdiction is CN or a region-code prefix of 2, 4, 6, 9 or 12 digits"}])

        def run() -> bytes:
            parts = []
            good = 0
            for i, record in enumerate(batch.records):
                try:
                    text = pack.assess(record, batch.as_of, batch.jurisdiction).model_dump_json()
                    parts.append(b'{"index":%d,"assessment":%s}' % (i, text.encode()))
                    good += 1
                except InvalidRecord as e:
                    parts.append(orjson.dumps({"index": i, "problems": _problem_items(e.problems, f"/records/{i}")}))
            head = orjson.dumps({"rule_pack": info.model_dump(), "assessed": good, "rejected": len(parts) - good})
            return head[:-1] + b',"results":[' + b",".join(parts) + b"]}"

        return json_bytes(await compute(request, run))

    @app.get("/v1/schema", tags=["forms"], summary="记录的 JSON Schema / the record's JSON Schema",
             responses={200: {"description": "JSON Schema（form=true：表单结构、UI 提示和分区） / JSON Schema "
                                             "(form=true: {schema, uiSchema, sections})",
                              "content": {"application/json": {"schema": {"type": "object"}}}},
                        **_problem_responses(422)})
    async def schema(form: bool = Query(False, description="表单用结构 / the form-ready schema with UI hints")) -> Response:
        """The JSON Schema of the intake record for validation, or with ``form=true`` the
        form-ready schema, its UI hints and its sections, for a JSON-Schema form library."""
        return json_bytes(form_schema if form else plain_schema)

    @app.get("/v1/rules", response_model=RuleList, tags=["rules"], summary="规则及依据 / the rules and their sources")
    async def rules_list() -> Response:
        return json_bytes(rules_body)

    @app.get("/v1/rules/{rule_id}", response_model=RuleDetail, tags=["rules"],
             summary="一条规则 / one rule", responses=_problem_responses(404, 422))
    async def rule(rule_id: str) -> Response:
        """One rule: its condition, citation, and every parameter it reads with each value's
        jurisdiction, effective date and source."""
        detail = rule_details.get(rule_id)
        if detail is None:
            raise _Problem(404, "not-found", "没有该规则 / no such rule",
                           f"规则包中没有规则 {mask_identity(rule_id)[:80]} / the pack has no rule {mask_identity(rule_id)[:80]}")
        return json_bytes(detail.model_dump_json().encode())

    @app.get("/health", response_model=ServiceHealth, tags=["service"], summary="运行状态 / liveness")
    async def health() -> Response:
        return json_bytes(health_body)

    @app.get("/", include_in_schema=False)
    async def page() -> Response:
        return _static_response(static, "index.html")

    @app.get("/static/{name}", include_in_schema=False)
    async def static_file(name: str) -> Response:
        return _static_response(static, name)

    # -- errors, all as problem details

    def problem(status: int, kind: str, title: str, detail: str, problems: list[dict[str, str]],
                headers: Mapping[str, str] | None = None) -> JSONResponse:
        body = {"type": f"urn:riskrules:problem:{kind}", "title": title, "status": status, "detail": detail,
                "problems": problems, "rule_pack": info.model_dump()}
        return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=dict(headers or {}))

    @app.exception_handler(_Problem)
    async def on_problem(request: Request, e: _Problem) -> JSONResponse:
        return problem(e.status, e.kind, e.title, e.detail, e.problems, e.headers)

    @app.exception_handler(InvalidRecord)
    async def on_invalid(request: Request, e: InvalidRecord) -> JSONResponse:
        p = _invalid(_problem_items(e.problems, "/record"))
        return problem(p.status, p.kind, p.title, p.detail, p.problems)

    @app.exception_handler(_TooLarge)
    async def on_too_large(request: Request, e: _TooLarge) -> JSONResponse:
        limit = settings.max_batch_body if request.url.path.endswith("/assess-batch") else settings.max_body
        return problem(413, "too-large", "请求过大 / request too large",
                       f"请求体超过 {limit} 字节 / the request body is over {limit} bytes", [], {"connection": "close"})

    @app.exception_handler(RequestValidationError)
    async def on_params(request: Request, e: RequestValidationError) -> JSONResponse:
        # A query or path parameter: reported without its value (it could be anything).
        items = []
        for err in e.errors():
            loc = [str(x) for x in err.get("loc", ())]
            items.append({"pointer": "/" + "/".join(loc), "path": ".".join(loc), "code": str(err.get("type", "invalid")),
                          "message_zh": "参数取值无效", "message_en": "invalid parameter value"})
        return problem(422, "invalid-parameter", "参数无效 / invalid parameter",
                       "请求参数无效 / a request parameter is invalid", items)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, e: StarletteHTTPException) -> JSONResponse:
        titles = {404: "未找到 / not found", 405: "方法不允许 / method not allowed"}
        return problem(e.status_code, "http", titles.get(e.status_code, f"HTTP {e.status_code}"),
                       titles.get(e.status_code, f"HTTP {e.status_code}"), [], getattr(e, "headers", None))

    @app.exception_handler(EngineError)
    async def on_engine(request: Request, e: EngineError) -> JSONResponse:
        logger.error("engine error on %s: %s", request.url.path, mask_identity(str(e)))
        return problem(500, "engine", "引擎错误 / engine error", "规则引擎出错 / the rule engine failed", [])

    @app.exception_handler(Exception)
    async def on_error(request: Request, e: Exception) -> JSONResponse:
        logger.error("unhandled %s on %s", type(e).__name__, request.url.path, exc_info=e)
        return problem(500, "internal", "内部错误 / internal error", "服务内部错误 / internal error", [])

    app.openapi = lambda: _openapi(app, settings)  # type: ignore[method-assign]
    return app


def _timeout(settings: Settings) -> _Problem:
    return _Problem(503, "timeout", "超过时限 / over the time limit",
                    f"请求未在 {settings.timeout:g} 秒内完成 / the request took over {settings.timeout:g} s",
                    headers={"retry-after": "1"})


def _rule_detail(pack: RulePack, r: Any) -> RuleDetail:
    params = []
    seen: set[str] = set()
    for ref in r.reads():
        if not ref.is_param:
            continue
        name = ref.name.split(".", 1)[1]
        if name in seen or name not in pack.parameters.decls:
            continue
        seen.add(name)
        decl = pack.parameters.decls[name]
        values = [ParameterValueInfo(jurisdiction=place, effective=v.effective, value=v.display(), local=v.local, source=v.source)
                  for place, vs in sorted(pack.parameters.values.get(name, {}).items()) for v in vs]
        params.append(ParameterInfo(name=name, title_zh=decl.title_zh, title_en=decl.title_en, values=values))
    severity = getattr(r, "severity", None)
    return RuleDetail(rule_id=r.id, kind=r.kind, severity=None if severity is None else str(severity),
                      title_zh=r.title_zh, title_en=r.title_en, risk_type=r.risk_type, concludes=r.concludes,
                      citation=r.source, file=r.file, line=r.line, condition=r.condition_text, parameters=params)


# ---------------------------------------------------------------------------------------------
# The reference page's files


_STATIC_TYPES = {"index.html": "text/html; charset=utf-8", "app.js": "text/javascript; charset=utf-8",
                 "style.css": "text/css; charset=utf-8"}
_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def _static_files() -> dict[str, bytes]:
    folder = resources.files("riskrules.service") / "static"
    return {name: (folder / name).read_bytes() for name in _STATIC_TYPES if (folder / name).is_file()}


def _static_response(files: dict[str, bytes], name: str) -> Response:
    body = files.get(name)
    if body is None:
        raise StarletteHTTPException(404)
    return Response(body, media_type=_STATIC_TYPES[name],
                    headers={"cache-control": "no-cache", "content-security-policy": _CSP})


# ---------------------------------------------------------------------------------------------
# OpenAPI


def _openapi(app: FastAPI, settings: Settings) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    doc = get_openapi(title=app.title, version=app.version, summary=app.summary, description=app.description,
                      routes=app.routes)
    components = doc.setdefault("components", {}).setdefault("schemas", {})
    _, extra = models_json_schema([(AssessRequest, "validation"), (BatchRequest, "validation")],
                                  ref_template="#/components/schemas/{model}")
    defs = tighten_patterns(label_enum_definitions(extra.get("$defs", {})))
    defs["BatchRequest"]["properties"]["records"]["maxItems"] = settings.max_batch
    for name, schema in defs.items():
        if name in components and components[name] != schema:
            raise RuntimeError(f"two OpenAPI components named {name}")
        components[name] = schema
    label_enum_definitions(components)  # the response models' enumerations too: flag kinds, severities
    # Problem details are application/problem+json.
    for item in doc.get("paths", {}).values():
        for op in item.values():
            for code, response in op.get("responses", {}).items():
                content = response.get("content", {})
                if code[0] in "45" and "application/json" in content:
                    response["content"] = {PROBLEM_JSON: content.pop("application/json")}
    doc["info"]["x-rule-pack"] = "every response names its rule pack: header X-Rule-Pack-Version, and rule_pack in bodies"
    app.openapi_schema = doc
    return doc


def openapi_document(settings: Settings | None = None, pack: RulePack | None = None) -> dict[str, Any]:
    """The service's OpenAPI document (the same for every rule pack)."""
    return create_app(pack, settings=settings).openapi()


