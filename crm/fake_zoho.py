"""A local stand-in for the parts of Zoho CRM's REST API (v2) and Zoho Accounts OAuth the connector uses.

`with FakeZoho(accounts=..., deals=...) as zoho:` serves on 127.0.0.1 at `zoho.url`, which is both the
Accounts URL and the API domain its tokens name. Tests steer it with `expire_tokens_after`,
`rate_limit_next` and `lose_next_insert_response`, and read `cases`, `token_requests` and `calls`.

The shapes follow Zoho's documentation:
- "Refresh Access Tokens" (OAuth step 4): POST {accounts}/oauth/v2/token?refresh_token=…&client_id=…
  &client_secret=…&grant_type=refresh_token answers {access_token, expires_in: 3600, api_domain,
  token_type: "Bearer"}. A refused refresh is HTTP 200 with {"error": "invalid_code"} (unknown refresh
  token) or {"error": "invalid_client"} (unknown client), as Zoho Accounts answers (seen in the issue
  threads of Zoho's SDKs); `token_error_status` changes that status.
- "Get Records": {"data": [...], "info": {per_page, count, page, more_records}}; "Status Codes": 204 and
  no body when there is nothing to give (an empty page, a search without a match).
- "Insert Records" / "Update Specific Record": {"data": [{"code": "SUCCESS", "details": {id, Created_Time,
  Created_By, Modified_Time, Modified_By}, "message": "record added" | "record updated", "status":
  "success"}]}, 201 / 200; one error object per refused record (MANDATORY_NOT_FOUND "required field not
  found" with details.api_name, INVALID_DATA "the id given seems to be invalid"), 400 when every record is
  refused, 207 when some are. Codes and messages as in Zoho's OpenAPI description (github.com/zoho/crm-oas,
  record.json).
- "Search Records": GET /crm/v2/{module}/search?criteria=(Field:equals:value); only `equals` and a single
  criterion here; `\\(`, `\\)`, `\\,` in the value are unescaped; matched without regard to case.
- "API Limits" / errors: 401 {"code": "INVALID_TOKEN", "message": "invalid oauth token"}, 429
  {"code": "TOO_MANY_REQUESTS"}, in Zoho's {code, details, message, status: "error"} shape.

An access token stops working after `expire_tokens_after` API calls made with it (counted per token,
calls answered 429 included); the next one is answered 401 INVALID_TOKEN (any unknown or missing token
is too). `rate_limit_next` answers that many API calls (after the token check) 429.
"""

from __future__ import annotations

import itertools
import json
import re
import secrets
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

MODULES = ("Accounts", "Contacts", "Deals", "Cases")
_JSON = "application/json;charset=UTF-8"
_USER = {"name": "kesheng fake", "id": "4150868000000225013"}  # Created_By / Modified_By of what the API writes
_DROP = "drop"  # an answer that is never sent: the connection is closed instead


class _Refused(Exception):
    """A call answered with an error before it does anything."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body


def _error(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "details": details or {}, "message": message, "status": "error"}


Answer = tuple[int, dict[str, Any] | None] | str  # (status, JSON body or None for no body), or _DROP


class FakeZoho:
    """`with FakeZoho() as zoho:` serves on 127.0.0.1, a free port."""

    def __init__(
        self,
        client_id: str = "cid",
        client_secret: str = "csecret",
        refresh_token: str = "rtoken",
        accounts: Any = (),
        deals: Any = (),
        contacts: Any = (),
        per_page_max: int = 200,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.refresh_token = refresh_token
        self.per_page_max = per_page_max
        self._ids = itertools.count(4150868000001000001)  # record ids as Zoho's look: 19 digits
        self.accounts: list[dict[str, Any]] = [self._with_id(a) for a in accounts]
        self.deals: list[dict[str, Any]] = [self._with_id(d) for d in deals]
        self.contacts: list[dict[str, Any]] = [self._with_id(c) for c in contacts]
        self.cases: dict[str, dict[str, Any]] = {}
        self.token_requests = 0
        self.expire_tokens_after: int | None = None
        self.rate_limit_next = 0
        self.lose_next_insert_response = False
        self.token_error_status = 200  # Zoho Accounts refuses a refresh with HTTP 200 and {"error": …}
        self.calls: list[tuple[str, str]] = []
        self._uses: dict[str, int] = {}  # API calls made with each token it issued
        self._stamps: dict[str, str] = {}  # Created_Time of each case
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
                    answer = fake._answer(self.command, self.path, self.headers.get("Authorization"), body)
                except Exception:
                    self._send(500, _error("INTERNAL_ERROR", "Internal server error occurred."))
                    raise  # the server prints the traceback
                if answer == _DROP:
                    self.close_connection = True  # nothing written: the client sees the line drop
                    return
                assert not isinstance(answer, str)
                self._send(*answer)

            def _send(self, status: int, payload: dict[str, Any] | None) -> None:
                self.send_response(status)
                if payload is None:
                    self.end_headers()
                    return
                data = json.dumps(payload, ensure_ascii=False).encode()
                self.send_header("Content-Type", _JSON)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"

    def __enter__(self) -> FakeZoho:
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-zoho", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    # ---- dispatch ----------------------------------------------------------------------------

    def _answer(self, method: str, raw_path: str, authorization: str | None, body: bytes) -> Answer:
        with self._lock:
            self.calls.append((method, raw_path))
            url = urlsplit(raw_path)
            query = parse_qs(url.query, keep_blank_values=True)
            try:
                if url.path == "/oauth/v2/token":
                    return self._token(method, query, body)
                if url.path.startswith("/crm/v2/"):
                    self._admit(authorization)
                    return self._api(method, url.path.removeprefix("/crm/v2/").strip("/").split("/"), query, body)
                raise _Refused(
                    404, _error("INVALID_URL_PATTERN", "Please check if the URL trying to access is a correct one")
                )
            except _Refused as refused:
                return refused.status, refused.body

    def _token(self, method: str, query: dict[str, list[str]], body: bytes) -> Answer:
        if method != "POST":
            return 405, {"error": "invalid_request_method"}
        self.token_requests += 1
        params = {key: values[0] for key, values in query.items()}
        for key, values in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items():
            params.setdefault(key, values[0])  # the form body, when the parameters are sent there
        if params.get("grant_type") != "refresh_token":
            return self.token_error_status, {"error": "unsupported_grant_type"}
        if params.get("client_id") != self.client_id or params.get("client_secret") != self.client_secret:
            return self.token_error_status, {"error": "invalid_client"}
        if params.get("refresh_token") != self.refresh_token:
            return self.token_error_status, {"error": "invalid_code"}
        token = f"1000.{secrets.token_hex(16)}.{secrets.token_hex(16)}"
        self._uses[token] = 0
        return 200, {"access_token": token, "expires_in": 3600, "api_domain": self.url, "token_type": "Bearer"}

    def _admit(self, authorization: str | None) -> None:
        """The token check, then the rate limit; a call that passes the token check uses the token up a little."""
        scheme, _, token = (authorization or "").partition(" ")
        uses = self._uses.get(token.strip()) if scheme == "Zoho-oauthtoken" else None
        if uses is None or (self.expire_tokens_after is not None and uses >= self.expire_tokens_after):
            raise _Refused(401, _error("INVALID_TOKEN", "invalid oauth token"))
        self._uses[token.strip()] = uses + 1
        if self.rate_limit_next > 0:
            self.rate_limit_next -= 1
            raise _Refused(429, _error("TOO_MANY_REQUESTS", "too many requests"))

    def _api(self, method: str, parts: list[str], query: dict[str, list[str]], body: bytes) -> Answer:
        module = parts[0]
        if module not in MODULES:
            raise _Refused(400, _error("INVALID_MODULE", "the module name given seems to be invalid"))
        if len(parts) == 1 and method == "GET":
            return self._page(self._records(module), query)
        if len(parts) == 2 and parts[1] == "search" and method == "GET":
            return self._search(module, query)
        if module != "Cases":
            raise _Refused(400, _error("NOT_SUPPORTED", f"the fake only reads {module}"))
        if len(parts) == 1 and method == "POST":
            answer = self._insert(_data(body))
            if self.lose_next_insert_response:
                self.lose_next_insert_response = False
                return _DROP  # created, but the answer never arrives
            return answer
        if len(parts) == 1 and method == "PUT":
            return self._update(None, _data(body))
        if len(parts) == 2 and method == "PUT":
            return self._update(parts[1], _data(body))
        if len(parts) <= 2:
            raise _Refused(405, _error("INVALID_REQUEST_METHOD", "The http request method type is not a valid one"))
        raise _Refused(404, _error("INVALID_URL_PATTERN", "Please check if the URL trying to access is a correct one"))

    # ---- records -----------------------------------------------------------------------------

    def _records(self, module: str) -> list[dict[str, Any]]:
        if module == "Accounts":
            return self.accounts
        if module == "Deals":
            return self.deals
        if module == "Contacts":
            return self.contacts
        return list(self.cases.values())

    def _page(self, records: list[dict[str, Any]], query: dict[str, list[str]]) -> Answer:
        page = _positive(query, "page", 1)
        per_page = min(_positive(query, "per_page", 200), self.per_page_max)
        chunk = records[(page - 1) * per_page : page * per_page]
        if not chunk:
            return 204, None
        info = {"per_page": per_page, "count": len(chunk), "page": page, "more_records": page * per_page < len(records)}
        return 200, {"data": chunk, "info": info}

    def _search(self, module: str, query: dict[str, list[str]]) -> Answer:
        criteria = (query.get("criteria") or [""])[0]
        if not criteria:
            raise _Refused(
                400,
                _error(
                    "REQUIRED_PARAM_MISSING", "One of the expected parameter is missing", {"param_name": "criteria"}
                ),
            )
        field, value = _criterion(criteria)
        return self._page([r for r in self._records(module) if _matches(r.get(field), value)], query)

    def _insert(self, items: list[Any]) -> Answer:
        results: list[dict[str, Any]] = []
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                results.append(_error("INVALID_DATA", "invalid data", {"json_path": f"$.data[{index}]"}))
                continue
            if _blank(item.get("Subject")):
                results.append(_mandatory("Subject", index))
                continue
            record_id = str(next(self._ids))
            self.cases[record_id] = {**{k: v for k, v in item.items() if k != "id"}, "id": record_id}
            self._stamps[record_id] = _now()
            results.append(self._success(record_id, "record added"))
        return _status(results, 201), {"data": results}

    def _update(self, path_id: str | None, items: list[Any]) -> Answer:
        results: list[dict[str, Any]] = []
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                results.append(_error("INVALID_DATA", "invalid data", {"json_path": f"$.data[{index}]"}))
                continue
            record_id = path_id if path_id is not None else item.get("id")
            if _blank(record_id):
                results.append(_mandatory("id", index))
            elif str(record_id) not in self.cases:
                results.append(_error("INVALID_DATA", "the id given seems to be invalid", {"id": str(record_id)}))
            elif "Subject" in item and _blank(item["Subject"]):
                results.append(_mandatory("Subject", index))
            else:
                self.cases[str(record_id)].update({k: v for k, v in item.items() if k != "id"})
                results.append(self._success(str(record_id), "record updated"))
        return _status(results, 200), {"data": results}

    def _success(self, record_id: str, message: str) -> dict[str, Any]:
        details = {
            "Modified_Time": _now(),
            "Modified_By": dict(_USER),
            "Created_Time": self._stamps.get(record_id, _now()),
            "id": record_id,
            "Created_By": dict(_USER),
        }
        return {"code": "SUCCESS", "details": details, "message": message, "status": "success"}

    def _with_id(self, record: dict[str, Any]) -> dict[str, Any]:
        return {**record, "id": str(record["id"])} if record.get("id") else {**record, "id": str(next(self._ids))}


def _data(body: bytes) -> list[Any]:
    """The `data` list of a write's JSON body."""
    try:
        parsed = json.loads(body or b"null")
    except ValueError as exc:
        raise _Refused(400, _error("INVALID_DATA", "body")) from exc
    items = parsed.get("data") if isinstance(parsed, dict) else None
    if not isinstance(items, list) or not items:
        raise _Refused(
            400, _error("REQUIRED_PARAM_MISSING", "One of the expected parameter is missing", {"param_name": "data"})
        )
    return items


def _criterion(criteria: str) -> tuple[str, str]:
    """(field, value) of `(Field:equals:value)`; the fake knows no other operator and no and/or."""
    text = criteria.strip()
    field, _, rest = text[1:-1].partition(":") if text.startswith("(") and text.endswith(")") else ("", "", "")
    operator, colon, value = rest.partition(":")
    if not field or not colon or re.search(r"[()\s]", field):
        raise _Refused(400, _error("INVALID_QUERY", "invalid query formed", {"reason": "invalid criteria"}))
    if operator != "equals":
        details = {"api_name": field, "operator": operator, "reason": "the fake supports only equals"}
        raise _Refused(400, _error("INVALID_QUERY", "invalid query formed", details))
    return field, re.sub(r"\\(.)", r"\1", value)


def _matches(have: Any, value: str) -> bool:
    candidates = [have.get("id"), have.get("name")] if isinstance(have, dict) else [have]
    wanted = value.casefold()
    for candidate in candidates:
        if isinstance(candidate, bool):
            candidate = "true" if candidate else "false"
        if candidate is not None and str(candidate).casefold() == wanted:
            return True
    return False


def _positive(query: dict[str, list[str]], name: str, default: int) -> int:
    raw = (query.get(name) or [""])[0]
    if raw == "":
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise _Refused(400, _error("INVALID_DATA", "invalid data", {"param_name": name}))
    return int(raw)


def _mandatory(api_name: str, index: int) -> dict[str, Any]:
    return _error(
        "MANDATORY_NOT_FOUND",
        "required field not found",
        {"api_name": api_name, "json_path": f"$.data[{index}].{api_name}"},
    )


def _status(results: list[dict[str, Any]], ok: int) -> int:
    """`ok` when every record was written, 400 when none was, 207 (multi-status) between."""
    written = sum(r["status"] == "success" for r in results)
    return ok if written == len(results) else 400 if written == 0 else 207


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
