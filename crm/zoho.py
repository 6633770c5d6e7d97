"""Zoho CRM (REST API v2): Accounts and won Deals in, complaint cases out as Case records.

OAuth: a self-client's refresh token is exchanged for an access token at
`{accounts_url}/oauth/v2/token` (grant_type=refresh_token); the answer names the API domain. An
access token lasts an hour: a call answered 401 INVALID_TOKEN gets a new token and is tried once
more. A call answered 429 (the API's rate limit) waits and is tried again, doubling the wait.
Records are read page by page (`page`, `per_page`, `info.more_records`; 204 for an empty module).
A case is created once: its Subject carries kesheng's case number, and before a Case is created,
and again when the answer to a create is lost, the CRM is searched for that Subject.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, tzinfo
from datetime import time as day_time
from typing import Any

import httpx

from crm.connector import CaseRecord, CrmError
from store.customer_value import PurchaseRow

# kesheng's status → the Case module's standard Status picklist
STATUS = {"new": "New", "in_review": "Escalated", "resolved": "Closed", "dismissed": "Closed"}
PRIORITY = {"high": "High", "medium": "Medium", "low": "Low"}
WON = "Closed Won"


# Where a customer is kept: companies in Accounts, or people in Contacts (a bank's or a shop's customers);
# the lookup field a Deal and a Case use to point at one.
CUSTOMER_LINKS = {"Accounts": ("Account_Name", "Account_Name"), "Contacts": ("Contact_Name", "Related_To")}


@dataclass(frozen=True)
class ZohoConfig:
    accounts_url: str  # https://accounts.zoho.com.cn, .com, .eu, … (the data centre of the org)
    client_id: str
    client_secret: str
    refresh_token: str
    customers: str = "Accounts"  # or Contacts


class ZohoConnector:
    """Zoho CRM behind the crm.connector interface."""

    name = "zoho"

    def __init__(
        self,
        config: ZohoConfig,
        http: httpx.Client,
        where: tzinfo,
        tries: int = 6,
        wait: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self.http = http
        self.where = where  # a Closing_Date is a date: the day's start there
        self.tries = tries
        self.wait = wait
        self._token: str | None = None
        self._api: str | None = None

    def customers(self) -> Iterator[str]:
        for record in self._records(self.config.customers):
            yield str(record["id"])

    def purchases(self) -> Iterator[PurchaseRow]:
        deal_link, _case_link = CUSTOMER_LINKS[self.config.customers]
        for deal in self._records("Deals"):
            account = deal.get(deal_link) or {}
            if deal.get("Stage") != WON or not account.get("id") or deal.get("Amount") is None:
                continue
            closed = datetime.combine(datetime.fromisoformat(str(deal["Closing_Date"])).date(), day_time())
            yield PurchaseRow(
                str(account["id"]), closed.replace(tzinfo=self.where), float(deal["Amount"]), str(deal["id"])
            )

    def push_case(self, case: CaseRecord, crm_id: str | None) -> str:
        if crm_id is not None:
            self._write("PUT", f"/crm/v2/Cases/{crm_id}", {"Status": STATUS[case.status]})
            return crm_id
        found = self._find_case(case.subject)
        if found is not None:  # an earlier create whose answer was lost
            return found
        fields: dict[str, Any] = {
            "Subject": case.subject,
            "Status": STATUS[case.status],
            "Priority": PRIORITY.get(case.severity, "Medium"),
            "Case_Origin": "Phone",
            "Description": f"[{case.category}] {case.summary}"[:32000],
        }
        if case.customer:
            fields[CUSTOMER_LINKS[self.config.customers][1]] = {"id": case.customer}
        try:
            return self._write("POST", "/crm/v2/Cases", fields)
        except httpx.TransportError:
            found = self._find_case(case.subject)  # it may have been created before the line dropped
            if found is None:
                raise
            return found

    # ---- the API -----------------------------------------------------------------------------

    def _records(self, module: str) -> Iterator[dict[str, Any]]:
        page = 1
        while True:
            response = self._call("GET", f"/crm/v2/{module}", params={"page": page, "per_page": 200})
            if response.status_code == 204:
                return
            body = response.json()
            yield from body.get("data", [])
            if not body.get("info", {}).get("more_records"):
                return
            page += 1

    def _find_case(self, subject: str) -> str | None:
        response = self._call("GET", "/crm/v2/Cases/search", params={"criteria": f"(Subject:equals:{subject})"})
        if response.status_code == 204:
            return None
        data = response.json().get("data") or []
        return str(data[0]["id"]) if data else None

    def _write(self, method: str, path: str, fields: dict[str, Any]) -> str:
        response = self._call(method, path, json={"data": [fields]})
        try:
            result = response.json()["data"][0]
        except (ValueError, KeyError, IndexError) as exc:
            raise CrmError(f"Zoho answered {response.status_code} without a record result") from exc
        if result.get("code") != "SUCCESS":
            raise CrmError(f"Zoho refused the case: {result.get('code')}: {result.get('message')}")
        return str(result["details"]["id"])

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        refreshed = False
        delay = 0.5
        for _attempt in range(self.tries):
            if self._token is None:
                self._refresh()
            assert self._api is not None
            headers = {"Authorization": f"Zoho-oauthtoken {self._token}"}
            response = self.http.request(method, self._api + path, headers=headers, **kwargs)
            if response.status_code == 401 and not refreshed:  # the hour is up: a new token, once
                self._token, refreshed = None, True
                continue
            if response.status_code == 429:
                self.wait(delay)
                delay = min(delay * 2, 30.0)
                continue
            if response.status_code >= 400:
                raise CrmError(f"Zoho {method} {path} answered {response.status_code}: {response.text[:300]}")
            return response
        raise CrmError(f"Zoho {method} {path}: still refused after {self.tries} tries (rate limit or sign-in)")

    def _refresh(self) -> None:
        response = self.http.post(
            self.config.accounts_url.rstrip("/") + "/oauth/v2/token",
            params={
                "refresh_token": self.config.refresh_token,
                "client_id": self.config.client_id,
                "client_secret": self.config.client_secret,
                "grant_type": "refresh_token",
            },
        )
        body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
        if response.status_code != 200 or "access_token" not in body:
            raise CrmError(f"Zoho sign-in refused ({response.status_code}): {body.get('error') or response.text[:200]}")
        self._token = str(body["access_token"])
        self._api = str(body.get("api_domain") or "https://www.zohoapis.com").rstrip("/")
