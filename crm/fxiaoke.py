"""纷享销客 (fxiaoke) OpenAPI: customers (AccountObj) in, complaint cases out as 工单 (CasesObj) records.

Sign-in: the app's id and secret and the company's permanent code give a corp access token
(`/cgi/corpAccessToken/get/V2`, two hours). Every call is a JSON POST carrying the token, the company
id and the acting user's open id, and is answered HTTP 200 with an `errorCode` (0: done). A call
answered 20016 (token invalid or expired) gets a new token and is tried once more; the rate-limit
codes (30004, 14001: 100 calls per 20 s per interface) wait and try again, doubling the wait.
Customers are read by offset (a multiple of the page size, at most 100). A case is created once:
its `subject` carries kesheng's case number, and the CRM is searched for it before a create and
again when the answer to a create is lost. Status is kept in step only where the status field of
the company's CasesObj is configured (`KESHENG_FXIAOKE_STATUS_FIELD`): its name varies by setup.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from crm.connector import CaseRecord, CrmError
from store.customer_value import PurchaseRow

TOKEN_INVALID = 20016
RATE_LIMITED = (30004, 14001)
PAGE = 100


@dataclass(frozen=True)
class FxiaokeConfig:
    url: str  # https://open.fxiaoke.com
    app_id: str
    app_secret: str
    permanent_code: str
    open_user_id: str  # the user the calls act as (currentOpenUserId)
    status_field: str | None = None  # CasesObj's status field, where it is to be kept in step


class FxiaokeConnector:
    """纷享销客 behind the crm.connector interface."""

    name = "fxiaoke"

    def __init__(
        self, config: FxiaokeConfig, http: httpx.Client, tries: int = 6, wait: Callable[[float], None] = time.sleep
    ) -> None:
        self.config = config
        self.http = http
        self.tries = tries
        self.wait = wait
        self._token: str | None = None
        self._corp: str | None = None

    def customers(self) -> Iterator[str]:
        offset = 0
        while True:
            page = self._query("AccountObj", offset)
            for account in page.get("dataList") or []:
                yield str(account["_id"])
            offset += PAGE
            if not page.get("dataList") or offset >= int(page.get("total") or 0):
                return

    def purchases(self) -> Iterator[PurchaseRow]:
        return iter(())  # orders are not read from 纷享销客 yet: import them as CSV (kesheng customers import)

    def push_case(self, case: CaseRecord, crm_id: str | None) -> str:
        if crm_id is not None:
            if self.config.status_field:
                fields = {"_id": crm_id, self.config.status_field: case.status}
                self._call("/cgi/crm/v2/data/update", {"object_data": {"dataObjectApiName": "CasesObj", **fields}})
            return crm_id
        found = self._find_case(case.subject)
        if found is not None:  # an earlier create whose answer was lost
            return found
        record: dict[str, Any] = {
            "dataObjectApiName": "CasesObj",
            "subject": case.subject,
            "description": f"[{case.severity}/{case.category}] {case.summary}"[:2000],
        }
        if case.customer:
            record["account_id"] = case.customer
        try:
            answer = self._call("/cgi/crm/v2/data/create", {"object_data": record}, triggerApprovalFlow=False)
        except httpx.TransportError:
            found = self._find_case(case.subject)  # it may have been created before the line dropped
            if found is None:
                raise
            return found
        return str(answer["dataId"])

    # ---- the API -----------------------------------------------------------------------------

    def _query(self, obj: str, offset: int, filters: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        query = {"limit": PAGE, "offset": offset, "orders": [], "filters": filters or []}
        data = {"dataObjectApiName": obj, "find_explicit_total_num": True, "search_query_info": query}
        answer = self._call("/cgi/crm/v2/data/query", data)
        return dict(answer.get("data") or {})

    def _find_case(self, subject: str) -> str | None:
        found = self._query("CasesObj", 0, [{"field_name": "subject", "field_values": [subject], "operator": "EQ"}])
        rows = found.get("dataList") or []
        return str(rows[0]["_id"]) if rows else None

    def _call(self, path: str, data: dict[str, Any], **extra: Any) -> dict[str, Any]:
        refreshed = False
        delay = 0.5
        for _attempt in range(self.tries):
            if self._token is None:
                self._sign_in()
            body = {
                "corpAccessToken": self._token,
                "corpId": self._corp,
                "currentOpenUserId": self.config.open_user_id,
                **extra,
                "data": data,
            }
            answer = self._post(path, body)
            code = answer.get("errorCode")
            if code == 0:
                return answer
            if code == TOKEN_INVALID and not refreshed:
                self._token, refreshed = None, True
                continue
            if code in RATE_LIMITED:
                self.wait(delay)
                delay = min(delay * 2, 30.0)
                continue
            raise CrmError(f"纷享销客 {path}: {code} {answer.get('errorMessage') or answer.get('errorDescription')}")
        raise CrmError(f"纷享销客 {path}: still refused after {self.tries} tries (rate limit or sign-in)")

    def _sign_in(self) -> None:
        answer = self._post(
            "/cgi/corpAccessToken/get/V2",
            {
                "appId": self.config.app_id,
                "appSecret": self.config.app_secret,
                "permanentCode": self.config.permanent_code,
            },
        )
        if answer.get("errorCode") != 0 or not answer.get("corpAccessToken"):
            raise CrmError(f"纷享销客 sign-in refused: {answer.get('errorCode')} {answer.get('errorMessage')}")
        self._token, self._corp = str(answer["corpAccessToken"]), str(answer["corpId"])

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.http.post(self.config.url.rstrip("/") + path, json=body)
        try:
            answer = response.json()
        except ValueError as exc:
            raise CrmError(f"纷享销客 {path} answered {response.status_code} without JSON") from exc
        if not isinstance(answer, dict):
            raise CrmError(f"纷享销客 {path} answered {response.status_code}: {str(answer)[:200]}")
        return answer
