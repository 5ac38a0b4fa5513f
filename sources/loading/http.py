"""Fetch a month of dossiers from a case system's JSON API into a landed JSON lines file.

Dagster-free. :func:`fetch_month` pages through
``GET <base_url>/api/v1/dossiers?month=YYYY-MM&page=N&page_size=M`` (the shape served by
:mod:`sources.sample.procedures_api`) until ``next_page`` is null and writes the records,
one JSON object per line, to ``dest_dir/ho_so_<month>.jsonl``: first to a hidden
temporary file in the same folder, renamed at the end, so the final name never holds a
half-written file. The record count must equal the API's ``total``.

Dossiers are mutable, so every page states when its records were extracted
(``extracted_at``, ISO 8601 with an offset); each record is written with that time as
``thoi_diem_trich_xuat`` (a record that carries its own keeps it), which the loader
uses to keep the latest state of every dossier. A page without it fails the fetch.

- Timeouts on every request; retries with exponential backoff and jitter on 5xx, 429,
  connection errors and timeouts; no retry on other 4xx (401/403/404 raise at once,
  naming the URL and status).
- Bearer token from the ``token`` argument (callers read ``EGOV_PROCEDURES_API_TOKEN``);
  it is never logged. TLS certificates are always verified; redirects are not followed.
- The file name comes from the validated ``month`` argument only, never from anything
  the server sends.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import random
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

log = logging.getLogger(__name__)

TOKEN_ENV = "EGOV_PROCEDURES_API_TOKEN"
DOSSIERS_PATH = "/api/v1/dossiers"
FILE_PREFIX = "ho_so_"
EXTRACTED_AT_FIELD = "thoi_diem_trich_xuat"
MAX_PAGE_SIZE = 1000
MAX_BACKOFF = 30.0  # seconds, the longest single wait between attempts
_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class FetchError(RuntimeError):
    """The month could not be fetched completely; no file was written."""


@dataclass(frozen=True)
class FetchResult:
    """A month fetched and landed."""

    month: str
    pages: int
    records: int
    bytes: int
    path: Path


def landed_name(month: str) -> str:
    """``ho_so_<month>.jsonl`` for a valid ``YYYY-MM`` month; ValueError otherwise."""
    if not isinstance(month, str) or not _MONTH.fullmatch(month):
        raise ValueError(f"month must be YYYY-MM (e.g. 2024-01), got {month!r}")
    return f"{FILE_PREFIX}{month}.jsonl"


def fetch_month(
    base_url: str,
    month: str,
    dest_dir: Path,
    *,
    token: str | None = None,
    page_size: int = 1000,
    timeout: float = 30.0,
    retries: int = 4,
    backoff: float = 0.5,
) -> FetchResult:
    """Fetch every dossier of ``month`` into ``dest_dir/ho_so_<month>.jsonl``.

    ``retries`` is the number of retries after the first attempt of each page;
    ``backoff`` the first wait in seconds (doubled per retry, with jitter). Raises
    :class:`FetchError` (no file left behind) when a page cannot be fetched, the server
    refuses the request or the records do not add up to the API's ``total``.
    """
    name = landed_name(month)
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, got {page_size}")
    if retries < 0 or timeout <= 0 or backoff < 0:
        raise ValueError("retries and backoff must be >= 0 and timeout > 0")
    url = _dossiers_url(base_url, token)
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    target = dest_dir / name
    tmp = dest_dir / f".{name}.{uuid.uuid4().hex}.tmp"
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    started = time.perf_counter()
    pages = records = size = 0
    total: int | None = None
    max_pages = 0
    try:
        with (
            httpx.Client(
                headers=headers,
                timeout=httpx.Timeout(timeout),
                verify=True,
                follow_redirects=False,
            ) as client,
            tmp.open("wb") as out,
        ):
            page: int | None = 1
            while page is not None:
                params = {"month": month, "page": page, "page_size": page_size}
                body = _get_page(client, url, params, retries=retries, backoff=backoff)
                data, page_total, next_page, extracted_at = _check_page(body, url, month, page)
                if total is None:
                    total = page_total
                    max_pages = total // page_size + 2  # guards against a looping server
                elif page_total != total:
                    raise FetchError(
                        f"{url} month {month}: total changed from {total} to {page_total} "
                        f"at page {page}: the data changed while fetching; fetch again"
                    )
                for record in data:
                    record.setdefault(EXTRACTED_AT_FIELD, extracted_at)
                    line = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
                    chunk = line.encode("utf-8") + b"\n"
                    out.write(chunk)
                    size += len(chunk)
                records += len(data)
                pages += 1
                log.debug("%s page %d: %d records (%d/%d)", month, page, len(data), records, total)
                if pages % 50 == 0:
                    log.info("%s: %d of %d records after %d pages", month, records, total, pages)
                if next_page is not None and (next_page != page + 1 or pages >= max_pages):
                    raise FetchError(
                        f"{url} month {month}: next_page {next_page} after page {page} "
                        f"(expected {page + 1} and at most {max_pages} pages)"
                    )
                page = next_page
            out.flush()
            os.fsync(out.fileno())
        if records != total:
            raise FetchError(
                f"{url} month {month}: received {records} records but the API's total is "
                f"{total}: nothing written"
            )
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    log.info(
        "fetched %s: %d records in %d pages, %d bytes, to %s in %.1f s",
        month, records, pages, size, target, time.perf_counter() - started,
    )  # fmt: skip
    return FetchResult(month=month, pages=pages, records=records, bytes=size, path=target)


def _dossiers_url(base_url: str, token: str | None) -> str:
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"base_url must be an http(s) URL, got {base_url!r}")
    if parts.username or parts.password:
        raise ValueError("base_url must not carry credentials; pass the token instead")
    if token and parts.scheme == "http" and parts.hostname not in _LOOPBACK:
        log.warning("sending the API token over plain http to %s: use https", parts.hostname)
    return base_url.rstrip("/") + DOSSIERS_PATH


def _get_page(
    client: httpx.Client, url: str, params: dict, *, retries: int, backoff: float
) -> object:
    """The decoded JSON body of one page, retrying what may pass on its own."""
    shown = f"{url}?month={params['month']}&page={params['page']}"
    for attempt in range(retries + 1):
        problem: str
        wait_hint: float | None = None
        try:
            response = client.get(url, params=params)
        except httpx.TransportError as exc:  # connection errors and timeouts
            problem = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            if "CERTIFICATE_VERIFY_FAILED" in str(exc):  # will not pass by waiting
                raise FetchError(
                    f"{shown}: the server's TLS certificate does not verify ({exc}); "
                    "install its CA (SSL_CERT_FILE) rather than disabling verification"
                ) from None
        else:
            status = response.status_code
            if response.is_success:
                try:
                    return response.json()
                except ValueError as exc:
                    raise FetchError(f"{shown}: answer is not JSON ({exc})") from None
            if status >= 500 or status == 429:
                problem = f"{status} {response.reason_phrase}"
                wait_hint = _retry_after(response)
            else:
                raise FetchError(_refusal(shown, response)) from None
        if attempt == retries:
            raise FetchError(f"{shown}: {problem}; gave up after {retries + 1} attempts")
        delay = min(MAX_BACKOFF, backoff * 2**attempt) * random.uniform(0.5, 1.5)
        if wait_hint is not None:
            delay = max(delay, min(wait_hint, MAX_BACKOFF))
        log.warning("%s: %s; retry %d of %d in %.2f s", shown, problem, attempt + 1, retries, delay)
        time.sleep(delay)
    raise AssertionError("unreachable")


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None


def _refusal(shown: str, response: httpx.Response) -> str:
    """The message for a 4xx (or unexpected 1xx/3xx) answer: status, URL and what to do."""
    status = f"{response.status_code} {response.reason_phrase}"
    if response.status_code in (401, 403):
        return f"{status} from {shown}: set {TOKEN_ENV} (a valid bearer token for the API)"
    detail = ""
    try:
        error = response.json().get("error", {})
        detail = str(error.get("message", ""))[:200] if isinstance(error, dict) else ""
    except (ValueError, AttributeError):
        pass
    if 300 <= response.status_code < 400:
        detail = f"redirect to {response.headers.get('Location', '?')!r} not followed"
    return f"{status} from {shown}" + (f": {detail}" if detail else "")


def _check_page(body: object, url: str, month: str, page: int) -> tuple[list, int, int | None, str]:
    """(records, total, next_page, extracted_at) of a page, after checking its shape."""
    where = f"{url} month {month} page {page}"
    if not isinstance(body, dict):
        raise FetchError(f"{where}: answer is not a JSON object")
    data, total, next_page = body.get("data"), body.get("total"), body.get("next_page")
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise FetchError(f"{where}: 'data' is not a list of records")
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        raise FetchError(f"{where}: 'total' is not a count ({total!r})")
    if next_page is not None and (not isinstance(next_page, int) or isinstance(next_page, bool)):
        raise FetchError(f"{where}: 'next_page' is not a page number ({next_page!r})")
    if body.get("month", month) != month:
        raise FetchError(f"{where}: the answer is for month {body.get('month')!r}")
    extracted_at = body.get("extracted_at")
    if data and not _is_instant(extracted_at):
        raise FetchError(
            f"{where}: 'extracted_at' is not an ISO 8601 time with offset ({extracted_at!r}): "
            "without it the dossiers' states cannot be ordered"
        )
    return data, total, next_page, extracted_at


def _is_instant(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return parsed.tzinfo is not None
