"""A local stand-in for the parts of the 纷享销客 (fxiaoke, ShareCRM) OpenAPI a connector uses.

`with FakeFxiaoke(accounts=[{"_id": ..., "name": ...}]) as fx:` serves on 127.0.0.1 at `fx.url`, which stands
for the cloud domain (https://open.fxiaoke.com). Tests steer it with `expire_tokens_after`, `rate_limit_next`,
`lose_next_create_response`, `credentials_error_code` and `rate_limit_error_code`, and read `records`,
`token_requests` and `calls`.

It speaks the "corpAccessToken" way of calling (the documentation's older, still served parameter passing):
every call is POST + application/json, answered HTTP 200 with an `errorCode` in the body (0 = success; errors
are HTTP 200 too), and a `?thirdTraceId=` query string is accepted and ignored. The shapes follow fxiaoke's
documentation (developer.fxiaoke.com/openapi_v2, www.fxiaoke.com/mob/guide/openapi):
- "Legacy Parameter Passing Method" (start/example/old.html): POST /cgi/corpAccessToken/get/V2 with
  {appId, appSecret, permanentCode} answers {errorCode, errorMessage, corpAccessToken, corpId, expiresIn}; the
  business calls carry {corpAccessToken, corpId, currentOpenUserId, data: {...}} in the body.
- "Query Customer Object List by Criteria" (AccountObj/query-acc) and the deep-paging page: POST
  /cgi/crm/v2/data/query with data.dataObjectApiName and data.search_query_info {limit <= 100, offset a multiple
  of limit and <= 10000, filters [{field_name, field_values: [...], operator}], orders, fieldProjection} answers
  data {dataList, total, offset, limit}; total is 0 when data.find_explicit_total_num is false; an offset over
  10000 is errorCode 10013 "offset out of range 10000".
- "Create ... Object" / "Update ... Object": POST /cgi/crm/v2/data/create and /cgi/crm/v2/data/update with
  data.object_data {dataObjectApiName, ...fields} (update: plus _id) answer {dataId, errorCode: 0, ...}.
- Work Order object, API name CasesObj (help.sharecrm.com "Work Order Object"): subject (Issue, text),
  description, account_id (lookup to AccountObj), priority, resources (source), name (auto number).
- Global return codes (start/guide/codes.html): 20016 corpAccessToken unknown or expired, 20006 wrong appId or
  appSecret, 20015 wrong permanent code, 10001/10002/10012 missing appId/appSecret/permanentCode, 10010 missing
  openUserId, 20012 openUserId not found, 12004 empty POST body, 32000 bad parameter, 30004 per-second
  frequency exceeded (14001 "call limit exceeded" is the other candidate: `rate_limit_error_code`).
  Answers observed from the real gateway without credentials: a call with no corpAccessToken is 20017
  "corpAccessToken为必填项，不能为空" (the table says 20017 = corpId not found), a forged token is 20016 "the
  cropId,cropAccessToken or authorization is error", and forged app credentials are 10006 (set
  `credentials_error_code = 10006` to answer so).

The fake's own choices, where the documentation is silent: which code a wrong field, an unknown record id or
an unsupported filter gets (32000, with the reason in errorMessage); only the EQ and IN operators; `orders` is
accepted and ignored (insertion order); `_id` is always kept under a fieldProjection; only AccountObj (read)
and CasesObj (read, create, update) exist.

A token stops working after `expire_tokens_after` API calls made with it (counted per token, calls answered
with the rate-limit code included); the next one is answered 20016. Asking for a token again hands back the
current one while it still works (the documentation: the same token within 6600 s) and a new one once it does
not. `rate_limit_next` answers that many API calls (after the token check) with the rate-limit code. Token
calls are neither rate limited nor counted against a token.
"""

from __future__ import annotations

import itertools
import json
import secrets
import threading
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

TOKEN_PATH = "/cgi/corpAccessToken/get/V2"
QUERY_PATH = "/cgi/crm/v2/data/query"
CREATE_PATH = "/cgi/crm/v2/data/create"
UPDATE_PATH = "/cgi/crm/v2/data/update"
ACCOUNT_OBJECT = "AccountObj"
CASE_OBJECT = "CasesObj"  # 工单 (work order): has a subject, an account_id lookup and a lifecycle to update

# errorCode values (global return-code table unless marked)
OK = 0
MISSING_APP_ID = 10001
MISSING_APP_SECRET = 10002
MISSING_OPEN_USER_ID = 10010
MISSING_CODE = 10012  # missing permanentCode
OFFSET_OUT_OF_RANGE = 10013  # the deep-paging page's use of 10013
EMPTY_BODY = 12004
CALL_LIMIT_EXCEEDED = 14001
BAD_APP_CREDENTIALS = 20006
UNKNOWN_OPEN_USER_ID = 20012
BAD_PERMANENT_CODE = 20015
TOKEN_INVALID = 20016
TOKEN_MISSING = 20017  # as the gateway answers a call without corpAccessToken
PER_SECOND_LIMIT = 30004
BAD_PARAMETER = 32000

TOKEN_LIFETIME_S = 7200
MAX_LIMIT = 100
MAX_OFFSET = 10000
_JSON = "application/json;charset=UTF-8"
_DROP = "drop"  # an answer that is never sent: the connection is closed instead
_TOKEN_PARAMETERS = (("appId", MISSING_APP_ID), ("appSecret", MISSING_APP_SECRET), ("permanentCode", MISSING_CODE))
_SYSTEM_FIELDS = ("dataObjectApiName", "_id", "name", "object_describe_api_name", "create_time", "created_by")
_TOKEN_INVALID_MESSAGE = "the cropId,cropAccessToken or authorization is error"  # sic, as the gateway spells it

Answer = tuple[int, dict[str, Any]] | str  # (HTTP status, JSON body), or _DROP


class _Refused(Exception):
    """A call answered with a non-zero errorCode."""

    def __init__(self, code: int, message: str, description: str = "", status: int = 200) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message
        self.description = description or message
        self.status = status


class FakeFxiaoke:
    """`with FakeFxiaoke() as fx:` serves on 127.0.0.1, a free port."""

    def __init__(
        self,
        app_id: str = "FSAID_fake",
        app_secret: str = "fake-app-secret",
        permanent_code: str = "FAKEPERMANENTCODE",
        corp_id: str = "FSCID_FAKE",
        open_user_id: str = "FSUID_FAKE1000",
        accounts: Iterable[dict[str, Any]] = (),
    ) -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self.permanent_code = permanent_code
        self.corp_id = corp_id
        self.open_user_id = open_user_id
        self.accounts: list[dict[str, Any]] = []
        for account in accounts:
            if not account.get("_id") or not account.get("name"):
                raise ValueError(f"an account needs an _id and a name: {account!r}")
            self.accounts.append({**account, "_id": str(account["_id"])})
        self.records: dict[str, dict[str, Any]] = {}  # CasesObj records by _id, as the query answers them
        self.token_requests = 0
        self.expire_tokens_after: int | None = None
        self.rate_limit_next = 0
        self.rate_limit_error_code = PER_SECOND_LIMIT
        self.credentials_error_code: int | None = None  # None: the table's 20006 / 20015; e.g. 10006 as observed
        self.lose_next_create_response = False
        self.calls: list[tuple[str, str]] = []
        self._uses: dict[str, int] = {}  # API calls made with each token it issued
        self._token: str | None = None  # the newest token, handed back while it still works
        self._ids = itertools.count(1)
        self._numbers = itertools.count(1)
        self._traces = itertools.count(1)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._serve()

            def do_POST(self) -> None:
                self._serve()

            def do_PUT(self) -> None:
                self._serve()

            def do_PATCH(self) -> None:
                self._serve()

            def do_DELETE(self) -> None:
                self._serve()

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length > 0 else b""
                try:
                    answer = fake._answer(self.command, self.path, body)
                except Exception:
                    self._send(500, {"errorCode": -2, "errorMessage": "system error", "errorDescription": "系统错误"})
                    raise  # the server prints the traceback
                if answer == _DROP:
                    self.close_connection = True  # nothing written: the client sees the line drop
                    return
                assert not isinstance(answer, str)
                self._send(*answer)

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", _JSON)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"

    def __enter__(self) -> FakeFxiaoke:
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-fxiaoke", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    # ---- dispatch ----------------------------------------------------------------------------

    def _answer(self, method: str, raw_path: str, body: bytes) -> Answer:
        with self._lock:
            self.calls.append((method, raw_path))
            path = urlsplit(raw_path).path
            try:
                if path not in (TOKEN_PATH, QUERY_PATH, CREATE_PATH, UPDATE_PATH):
                    raise _Refused(BAD_PARAMETER, f"no such path in the fake: {path}", status=404)
                if method != "POST":
                    raise _Refused(BAD_PARAMETER, f"{method} not allowed, use POST", status=405)
                if path == TOKEN_PATH:
                    self.token_requests += 1
                    return self._ok(self._token_answer(_json_body(body)))
                request = _json_body(body)
                self._admit(request)
                data = request.get("data")
                if not isinstance(data, dict):
                    raise _Refused(BAD_PARAMETER, "data is missing or not an object", "参数错误")
                if path == QUERY_PATH:
                    return self._ok(self._query(data))
                if path == CREATE_PATH:
                    answer = self._ok(self._create(data, request))
                    if self.lose_next_create_response:
                        self.lose_next_create_response = False
                        return _DROP  # created, but the answer never arrives
                    return answer
                return self._ok(self._update(data))
            except _Refused as refused:
                return refused.status, self._error(refused)

    def _ok(self, fields: dict[str, Any]) -> Answer:
        head = {"traceId": self._trace(), "errorCode": OK, "errorMessage": "OK", "errorDescription": "success"}
        return 200, head | fields

    def _error(self, refused: _Refused) -> dict[str, Any]:
        return {
            "traceId": self._trace(),
            "errorCode": refused.code,
            "errorMessage": refused.message,
            "errorDescription": refused.description,
        }

    def _trace(self) -> str:
        return f"E-O.{self.corp_id}.1000-{next(self._traces):016x}"

    # ---- token -------------------------------------------------------------------------------

    def _token_answer(self, request: dict[str, Any]) -> dict[str, Any]:
        for key, code in _TOKEN_PARAMETERS:
            if _blank(request.get(key)):
                raise self._credentials_refused(code, f"the parameter {key} is missing", "缺少参数")
        if request["appId"] != self.app_id or request["appSecret"] != self.app_secret:
            raise self._credentials_refused(BAD_APP_CREDENTIALS, "appId or appSecret is error", "appId或appSecret错误")
        if request["permanentCode"] != self.permanent_code:
            raise self._credentials_refused(BAD_PERMANENT_CODE, "permanentCode is error", "永久授权码错误")
        if self._token is None or not self._usable(self._token):
            self._token = secrets.token_hex(16).upper()
            self._uses[self._token] = 0
        return {"corpAccessToken": self._token, "corpId": self.corp_id, "expiresIn": TOKEN_LIFETIME_S}

    def _credentials_refused(self, code: int, message: str, description: str) -> _Refused:
        if self.credentials_error_code is not None:
            return _Refused(self.credentials_error_code, message, description)
        return _Refused(code, message, description)

    def _usable(self, token: str) -> bool:
        uses = self._uses.get(token)
        return uses is not None and (self.expire_tokens_after is None or uses < self.expire_tokens_after)

    def _admit(self, request: dict[str, Any]) -> None:
        """The token check, then the rate limit, then the operator; a call that passes the token uses it up a little."""
        token = request.get("corpAccessToken")
        if _blank(token):
            raise _Refused(TOKEN_MISSING, "corpAccessToken为必填项，不能为空")
        if request.get("corpId") != self.corp_id or not self._usable(str(token)):
            raise _Refused(TOKEN_INVALID, _TOKEN_INVALID_MESSAGE, "corpAccessToken不存在或者已经过期")
        self._uses[str(token)] += 1
        if self.rate_limit_next > 0:
            self.rate_limit_next -= 1
            raise _Refused(self.rate_limit_error_code, "request frequency over limit", "秒频次超限")
        user = request.get("currentOpenUserId")
        if _blank(user):
            raise _Refused(MISSING_OPEN_USER_ID, "the parameter currentOpenUserId is missing", "缺少参数openUserId")
        if user != self.open_user_id:
            raise _Refused(UNKNOWN_OPEN_USER_ID, f"openUserId {user} not found", "openUserId未找到")

    # ---- objects -----------------------------------------------------------------------------

    def _query(self, data: dict[str, Any]) -> dict[str, Any]:
        api_name = data.get("dataObjectApiName")
        if api_name == ACCOUNT_OBJECT:
            rows = self.accounts
        elif api_name == CASE_OBJECT:
            rows = list(self.records.values())
        else:
            raise _Refused(BAD_PARAMETER, f"the fake has no object {api_name!r}", "参数错误")
        info = data.get("search_query_info")
        if not isinstance(info, dict):
            raise _Refused(BAD_PARAMETER, "data.search_query_info is missing", "参数错误")
        limit = _whole(info.get("limit"), "limit")
        offset = _whole(info.get("offset"), "offset")
        if not 1 <= limit <= MAX_LIMIT:
            raise _Refused(BAD_PARAMETER, f"limit must be between 1 and {MAX_LIMIT}", "参数错误")
        if offset > MAX_OFFSET:
            raise _Refused(OFFSET_OUT_OF_RANGE, "offset out of range 10000", "offset 不能超过10000")
        if offset < 0 or offset % limit:
            raise _Refused(BAD_PARAMETER, "offset must be a non-negative multiple of limit", "参数错误")
        matching = [row for row in rows if _passes(row, _filters(info.get("filters", [])))]
        projection = info.get("fieldProjection")
        page = [_project(row, projection) for row in matching[offset : offset + limit]]
        total = len(matching) if data.get("find_explicit_total_num", True) is not False else 0
        return {"data": {"dataList": page, "total": total, "offset": offset, "limit": limit}}

    def _create(self, data: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
        fields = self._object_data(data)
        if _blank(fields.get("subject")):
            raise _Refused(BAD_PARAMETER, "subject is required", "参数错误：subject 必填")
        self._check_account(fields)
        record_id = f"65fa0000{next(self._ids):016x}"  # 24 hex digits, as fxiaoke's ids look
        now = _now_ms()
        owner = [str(request.get("currentOpenUserId"))]
        number = f"{datetime.now(UTC):%Y%m%d}-{next(self._numbers):06d}"
        self.records[record_id] = {
            **{k: v for k, v in fields.items() if k not in _SYSTEM_FIELDS},
            "_id": record_id,
            "name": number,  # the work order number, an auto number
            "object_describe_api_name": CASE_OBJECT,
            "owner": owner,
            "created_by": owner,
            "create_time": now,
            "last_modified_time": now,
            "life_status": "normal",
            "is_deleted": False,
        }
        return {"dataId": record_id}

    def _update(self, data: dict[str, Any]) -> dict[str, Any]:
        fields = self._object_data(data)
        record_id = fields.get("_id")
        if _blank(record_id):
            raise _Refused(BAD_PARAMETER, "data.object_data._id is required", "参数错误")
        record = self.records.get(str(record_id))
        if record is None:
            raise _Refused(BAD_PARAMETER, f"no {CASE_OBJECT} with _id {record_id}", "数据不存在")
        if "owner" in fields:
            raise _Refused(BAD_PARAMETER, "owner is changed with data/changeOwner, not data/update", "参数错误")
        if "subject" in fields and _blank(fields["subject"]):
            raise _Refused(BAD_PARAMETER, "subject is required", "参数错误：subject 必填")
        self._check_account(fields)
        record.update({k: v for k, v in fields.items() if k not in _SYSTEM_FIELDS})
        record["last_modified_time"] = _now_ms()
        return {"dataId": record["_id"]}

    def _object_data(self, data: dict[str, Any]) -> dict[str, Any]:
        fields = data.get("object_data")
        if not isinstance(fields, dict):
            raise _Refused(BAD_PARAMETER, "data.object_data is missing or not an object", "参数错误")
        api_name = fields.get("dataObjectApiName")
        if api_name != CASE_OBJECT:
            message = f"data.object_data.dataObjectApiName {api_name!r}: the fake writes {CASE_OBJECT} only"
            raise _Refused(BAD_PARAMETER, message, "参数错误")
        return fields

    def _check_account(self, fields: dict[str, Any]) -> None:
        if "account_id" in fields and not any(a["_id"] == fields["account_id"] for a in self.accounts):
            raise _Refused(BAD_PARAMETER, f"account_id {fields['account_id']!r} is not an AccountObj", "参数错误")


def _json_body(body: bytes) -> dict[str, Any]:
    if not body.strip():
        raise _Refused(EMPTY_BODY, "post data is empty", "POST的数据包为空")
    try:
        parsed = json.loads(body)
    except ValueError as exc:
        raise _Refused(BAD_PARAMETER, "the body is not JSON", "参数错误") from exc
    if not isinstance(parsed, dict):
        raise _Refused(BAD_PARAMETER, "the body is not a JSON object", "参数错误")
    return parsed


def _whole(value: Any, name: str) -> int:
    """An int (or a float with no fraction, as some documentation examples send) for limit / offset."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise _Refused(BAD_PARAMETER, f"search_query_info.{name} must be a whole number", "参数错误")
    return int(value)


def _filters(filters: Any) -> list[tuple[str, str, list[str]]]:
    """(field, operator, values) of each filter; all must hold. Only EQ (one value) and IN are known here."""
    if not isinstance(filters, list):
        raise _Refused(BAD_PARAMETER, "search_query_info.filters must be a list", "参数错误")
    parsed: list[tuple[str, str, list[str]]] = []
    for item in filters:
        if not isinstance(item, dict) or _blank(item.get("field_name")):
            raise _Refused(BAD_PARAMETER, "a filter needs field_name, field_values and operator", "参数错误")
        values = item.get("field_values")
        if not isinstance(values, list) or not values:
            raise _Refused(BAD_PARAMETER, "field_values must be a non-empty list", "参数错误")
        operator = item.get("operator")
        if operator not in ("EQ", "IN"):
            raise _Refused(BAD_PARAMETER, f"operator {operator!r}: the fake knows EQ and IN only", "参数错误")
        if operator == "EQ" and len(values) != 1:
            raise _Refused(BAD_PARAMETER, "EQ takes exactly one value in field_values", "参数错误")
        parsed.append((str(item["field_name"]), operator, [_text(v) for v in values]))
    return parsed


def _passes(row: dict[str, Any], filters: list[tuple[str, str, list[str]]]) -> bool:
    for field, _operator, values in filters:
        have = row.get(field)
        candidates = [_text(v) for v in have] if isinstance(have, list) else [] if have is None else [_text(have)]
        if not any(candidate in values for candidate in candidates):
            return False
    return True


def _project(row: dict[str, Any], projection: Any) -> dict[str, Any]:
    if not isinstance(projection, list) or not projection:
        return dict(row)
    return {k: v for k, v in row.items() if k in projection or k == "_id"}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _now_ms() -> int:
    return int(time.time() * 1000)
