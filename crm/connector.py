"""What a CRM connector does, whichever CRM it talks to."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import httpx

from core.errors import KeshengError
from store.customer_value import PurchaseRow


class CrmError(KeshengError):
    """The CRM refused a call, or answered in a way the connector cannot use."""


# What a connector's call may raise: the CRM's refusal, or the network failing on the way.
CALL_ERRORS = (CrmError, httpx.HTTPError)


@dataclass(frozen=True)
class CaseRecord:
    """A case as a CRM receives it: redacted text only, like every alert."""

    number: int  # kesheng's case id: the CRM record's subject carries it, so a lost answer is found again
    customer: str | None  # the customer's id in this CRM
    status: str  # kesheng's: new | in_review | resolved | dismissed
    severity: str
    category: str
    summary: str

    @property
    def subject(self) -> str:
        return f"kesheng case #{self.number}"


class Connector(Protocol):
    name: str

    def customers(self) -> Iterator[str]:
        """Every customer's id in the CRM."""

    def purchases(self) -> Iterator[PurchaseRow]:
        """Every won deal or order, as a purchase of its customer."""

    def push_case(self, case: CaseRecord, crm_id: str | None) -> str:
        """Create the case (or find the one a lost answer created) or update its status; its CRM id."""
