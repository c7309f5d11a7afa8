"""The Open311 GeoReport v2 endpoints under /open311/v2/, each in XML (``.xml``, the spec's
mandatory format) and JSON (``.json``). Thin: read the arguments (blank ones count as
absent), call the service, answer in the format asked for, errors the spec's way."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from minwon.open311 import definitions, intake, keys, reads
from minwon.open311.formats import Open311Error, answer, error_answer, split_format
from minwon.timeutil import utcnow
from minwon.web.deps import SessionDep
from minwon.web.text_route import TextRoute
from minwon.web.throttle import throttle_of

router = APIRouter(route_class=TextRoute, prefix="/open311/v2", tags=["open311"])
SPEC = "http://wiki.open311.org/GeoReport_v2"
FMT = Annotated[str, Path(description="xml | json", max_length=8)]
DOC_EN = " XML is the default format of the spec; answers are UTF-8."


def _param(name: str, description: str, required: bool = False) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "schema": {"type": "string"},
        "description": description,
    }


JURISDICTION = _param(
    "jurisdiction_id", "office code (기관 코드); needed when several offer services"
)
READ_PARAMS = [
    JURISDICTION,
    _param("service_request_id", "ledger numbers, comma separated (overrides the rest)"),
    _param("service_code", "service codes, comma separated"),
    _param("start_date", "W3C date-time; with end_date at most 90 days apart"),
    _param("end_date", "W3C date-time"),
    _param("status", "open, closed or both, comma separated"),
    _param("page", "page number from 1 (extension)"),
    _param("page_size", "1–1000, default 1000 (extension)"),
    _param("extensions", "true: extended_attributes and notes (extension)"),
]


def _args(request: Request) -> dict[str, str]:
    """The query arguments, blank ones dropped (the spec treats them as absent)."""
    return {k: v.strip() for k, v in request.query_params.items() if v.strip()}


def _answer(name: str, root: str, produce: Callable[[], Any]) -> Response:
    """Run ``produce`` and answer its result in the format of ``name`` (``requests.json``)."""
    fmt = name.rpartition(".")[2] if name.endswith((".xml", ".json")) else "xml"
    try:
        split_format(name)
        return answer(fmt, root, produce())
    except Open311Error as exc:
        return error_answer(fmt, exc)


@router.get(
    "/discovery.{fmt}",
    summary="Discovery · 엔드포인트 안내",
    description="Where the GeoReport v2 endpoint is and which formats it speaks. "
    "Open311 엔드포인트 주소와 형식을 알려 줍니다." + DOC_EN,
)
def discovery(fmt: FMT, request: Request, db: SessionDep) -> Response:
    """The discovery document: the endpoint, its formats and the last service change."""
    settings = request.app.state.settings

    def produce() -> dict[str, Any]:
        changed = definitions.changeset(db) or utcnow()
        return {
            "changeset": changed,
            "contact": f"{settings.base_url.rstrip('/')}/ (minwon)",
            "key_service": "API keys are issued by the agency's administrator "
            "(관리자 화면 /admin/open311).",
            "endpoints": [
                {
                    "specification": SPEC,
                    "url": f"{settings.base_url.rstrip('/')}/open311/v2",
                    "changeset": changed,
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        }

    return _answer(f"discovery.{fmt}", "discovery", produce)


@router.get(
    "/services.{fmt}",
    summary="Service list · 서비스 목록",
    description="The services a jurisdiction (office) takes requests for. "
    "기관이 Open311로 받는 민원 서비스 목록입니다." + DOC_EN,
    openapi_extra={"parameters": [JURISDICTION]},
)
def services(fmt: FMT, request: Request, db: SessionDep) -> Response:
    """GET services."""

    def produce() -> list[dict[str, Any]]:
        office = definitions.jurisdiction(db, _args(request).get("jurisdiction_id"))
        return [definitions.service_read(s) for s in definitions.services_of(db, office)]

    return _answer(f"services.{fmt}", "services", produce)


@router.get(
    "/services/{service_code}.{fmt}",
    summary="Service definition · 서비스 정의",
    description="The attributes (questions) of one service, in order. "
    "서비스의 추가 항목(속성)을 순서대로 알려 줍니다." + DOC_EN,
    openapi_extra={"parameters": [JURISDICTION]},
)
def service_definition(
    service_code: Annotated[str, Path(max_length=64)], fmt: FMT, request: Request, db: SessionDep
) -> Response:
    """GET services/{service_code}."""

    def produce() -> dict[str, Any]:
        office = definitions.jurisdiction(db, _args(request).get("jurisdiction_id"))
        return definitions.definition_read(definitions.service_by_code(db, office, service_code))

    return _answer(f"x.{fmt}", "service_definition", produce)


async def posted_pairs(request: Request) -> list[tuple[str, str]]:
    """The POST's arguments: the query string's, then the form's (url-encoded or multipart;
    files are ignored)."""
    pairs = list(request.query_params.multi_items())
    try:
        form = await request.form()
    except Exception:  # a malformed body is answered as a missing argument
        return pairs
    return pairs + [(k, v) for k, v in form.multi_items() if isinstance(v, str)]


@router.post(
    "/requests.{fmt}",
    summary="Create a service request · 민원 신청",
    description="File a request with an `api_key` (403 without a valid one; each key has its "
    "own rate limit). It becomes a voice in the ledger; `service_request_id` is the ledger "
    "number. Arguments as application/x-www-form-urlencoded: service_code, lat/long or "
    "address_string, description, attribute[code], email, first_name, last_name, phone, "
    "media_url. An `Idempotency-Key` header makes a retry safe (same answer, nothing filed "
    "twice). api_key로 민원을 신청하면 민원 대장에 접수되고 접수번호가 "
    "service_request_id로 돌아옵니다." + DOC_EN,
)
def create_request(
    fmt: FMT,
    request: Request,
    db: SessionDep,
    pairs: Annotated[list[tuple[str, str]], Depends(posted_pairs)],
) -> Response:
    """POST requests."""

    def produce() -> list[dict[str, Any]]:
        posted = intake.Posted.read(pairs)
        key = keys.authenticate(db_session=db, raw=posted.fields.get("api_key"))
        if key is None:
            raise Open311Error(403, "a valid api_key is required")
        verdict = keys.take_slot(throttle_of(request).limiter, key)
        if not verdict.allowed:
            raise Open311Error(429, "too many requests for this api_key", verdict.retry_after)
        created = intake.file_request(
            db_session=db,
            key=key,
            posted=posted,
            now=utcnow(),
            idempotency_key=request.headers.get("idempotency-key") or None,
        )
        db.commit()
        return [created]

    response = _answer(f"requests.{fmt}", "service_requests", lambda: _rolled_back(db, produce))
    return response


def _rolled_back(db: Session, produce: Callable[[], Any]) -> Any:
    """``produce``, rolling the transaction back when it refuses (nothing half written)."""
    try:
        return produce()
    except Open311Error:
        db.rollback()
        raise


@router.get(
    "/requests.{fmt}",
    summary="Service requests · 민원 조회",
    description="Requests filed over Open311, newest first: by default the last 90 days and "
    "at most 1,000. Public: the text is masked and no contact data is shown. Open311로 "
    "접수된 민원의 상태·답변(개인정보 가림)을 공개합니다." + DOC_EN,
    openapi_extra={"parameters": READ_PARAMS},
)
def list_requests(fmt: FMT, request: Request, db: SessionDep) -> Response:
    """GET requests."""

    def produce() -> list[dict[str, Any]]:
        args = _args(request)
        office = reads.jurisdiction_filter(db, args.get("jurisdiction_id"))
        return reads.list_requests(db_session=db, args=args, office=office, now=utcnow())

    return _answer(f"requests.{fmt}", "service_requests", produce)


@router.get(
    "/requests/{service_request_id}.{fmt}",
    summary="One service request · 민원 한 건",
    description="One request by its ledger number. 접수번호로 민원 한 건을 봅니다." + DOC_EN,
    openapi_extra={"parameters": [JURISDICTION, READ_PARAMS[-1]]},
)
def get_request(
    service_request_id: Annotated[str, Path(max_length=64)],
    fmt: FMT,
    request: Request,
    db: SessionDep,
) -> Response:
    """GET requests/{service_request_id}."""

    def produce() -> list[dict[str, Any]]:
        found = reads.get_request(
            db_session=db,
            request_id=service_request_id,
            with_extensions=reads.extended(_args(request)),
        )
        return [found]

    return _answer(f"x.{fmt}", "service_requests", produce)


@router.get(
    "/tokens/{token}.{fmt}",
    summary="Request id from a token · 토큰으로 접수번호 찾기",
    description="The ledger number of a request by the token its POST answered. "
    "신청 때 받은 토큰으로 접수번호를 찾습니다." + DOC_EN,
    openapi_extra={"parameters": [JURISDICTION]},
)
def token(
    token: Annotated[str, Path(max_length=64)], fmt: FMT, request: Request, db: SessionDep
) -> Response:
    """GET tokens/{token}."""
    return _answer(
        f"x.{fmt}", "service_requests", lambda: [reads.by_token(db_session=db, token=token)]
    )


@router.get(
    "/servicerequestupdates.{fmt}",
    summary="Request updates (FixMyStreet) · 처리 경과",
    description="FixMyStreet's extension: every public step of the requests (status, time, "
    "the sent answer) in a date range, with `update_id`. 처리 경과와 보낸 답변을 "
    "시간 순으로 알려 줍니다." + DOC_EN,
    openapi_extra={"parameters": [JURISDICTION, *READ_PARAMS[3:5], *READ_PARAMS[6:8]]},
)
def request_updates(fmt: FMT, request: Request, db: SessionDep) -> Response:
    """GET servicerequestupdates."""

    def produce() -> list[dict[str, Any]]:
        args = _args(request)
        office = reads.jurisdiction_filter(db, args.get("jurisdiction_id"))
        return reads.list_updates(db_session=db, args=args, office=office, now=utcnow())

    return _answer(f"servicerequestupdates.{fmt}", "service_request_updates", produce)
