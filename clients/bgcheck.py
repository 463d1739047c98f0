"""The background-check vendor adapter (a Checkr-like API; in development sandbox/bgcheck/).

Every call has a timeout and raises a typed error; the ID-card number is sent in the body of
`create_candidate` only and never appears in an error message or a log line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests

from config import Settings


class BgcheckError(Exception):
    """The vendor refused or answered something unusable."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class BgcheckTransientError(BgcheckError):
    """Worth retrying: a timeout, a connection error, a 5xx or 429."""


@dataclass(frozen=True)
class VendorReport:
    reference: str
    status: str  # pending | complete | canceled
    result: str | None  # clear | consider
    items: list[dict[str, str]]


class BgcheckClient:
    """One vendor account: base URL, bearer token, timeout."""

    def __init__(self, base_url: str, token: str, *, timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._http = requests.Session()
        self._http.trust_env = False
        self._http.headers["Authorization"] = f"Bearer {token}"

    @classmethod
    def from_settings(cls, settings: Settings) -> BgcheckClient:
        return cls(
            settings.require("BGCHECK_BASE_URL"),
            settings.require("BGCHECK_API_TOKEN"),
            timeout=settings.BGCHECK_TIMEOUT_SECONDS,
        )

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        try:
            response = self._http.request(
                method, self.base_url + path, json=body, timeout=self.timeout
            )
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise BgcheckTransientError(f"{method} {path}: {type(exc).__name__}") from None
        status = response.status_code
        if status >= 500 or status == 429:
            raise BgcheckTransientError(f"{method} {path}: HTTP {status}", status=status)
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if status >= 300 or not isinstance(answer, dict):
            raise BgcheckError(f"{method} {path}: HTTP {status}", status=status)
        return answer

    def create_candidate(
        self,
        *,
        custom_id: str,
        name: str,
        id_number: str,
        previous_employers: list[dict[str, Any]],
    ) -> str:
        """Register the candidate with the vendor; return the vendor's candidate id."""
        body = {
            "custom_id": custom_id,
            "name": name,
            "id_number": id_number,
            "previous_employers": previous_employers,
        }
        return str(self._call("POST", "/v1/candidates", body)["id"])

    def create_report(self, vendor_candidate_id: str, *, package: str) -> VendorReport:
        """Order the check; return the report as created (every item pending)."""
        body = {"candidate_id": vendor_candidate_id, "package": package}
        return _report(self._call("POST", "/v1/reports", body))

    def get_report(self, reference: str) -> VendorReport:
        return _report(self._call("GET", f"/v1/reports/{quote(reference, safe='')}"))

    def cancel_report(self, reference: str) -> VendorReport:
        return _report(self._call("POST", f"/v1/reports/{quote(reference, safe='')}/cancel"))


def _report(answer: dict[str, Any]) -> VendorReport:
    items = [
        {"key": str(i.get("key")), "label": str(i.get("label")), "result": str(i.get("result"))}
        for i in answer.get("items") or []
        if isinstance(i, dict)
    ]
    result = answer.get("result")
    return VendorReport(
        reference=str(answer.get("id")),
        status=str(answer.get("status")),
        result=str(result) if result in ("clear", "consider") else None,
        items=items,
    )
