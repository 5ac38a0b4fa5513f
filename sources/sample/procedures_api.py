"""A small local JSON API over the sample dossier files, shaped like a case system's API.

It serves a folder of ``ho_so_YYYY-MM[_YYYYMMDDTHHMM].csv`` files written by
:mod:`sources.sample.procedures`, so that the HTTP reader of the procedures source can
be developed and tested against a real server. Like a case system, it answers with the
current state of each dossier: the latest row of the dossier (by
``thoi_diem_trich_xuat``) across all the files.

- ``GET /api/v1/months`` -> ``{"data": ["2021-01", ...]}``: the months with a file.
- ``GET /api/v1/dossiers?month=YYYY-MM&page=N&page_size=M`` ->
  ``{"data": [...], "month": "YYYY-MM", "page": N, "page_size": M, "total": T,
  "next_page": N + 1 or null, "extracted_at": "2026-12-05T08:00:00+07:00"}``: the
  dossiers RECEIVED in that month. ``page`` starts at 1 (default 1); ``page_size``
  defaults to 500 and may not exceed 1000. ``extracted_at`` is the time the states of
  the page were extracted (here the newest extraction among the month's dossiers: the
  sample's exports list every change, so every state is still current then). Records
  carry the CSV's field names except ``thoi_diem_trich_xuat`` (see
  :mod:`sources.sample.procedures`); timestamps are ISO 8601 with the ``+07:00`` offset,
  integer fields are JSON numbers, nulls are ``null``. Records are ordered by
  ``ma_ho_so``, so pages are stable. A page past the end has no records.
- Errors are JSON ``{"error": {"status": S, "message": "..."}}``: 400 for bad
  parameters, 401 when the server has a token and the request lacks
  ``Authorization: Bearer <token>``, 404 for an unknown path or month, 405 for
  methods other than GET.

A month is read once with DuckDB (``read_csv`` of every file with explicit column
types, the latest row per dossier) into an Arrow table cached until a file of the folder
changes (names, sizes, modification times); a page is a slice of it, so only one page is
ever turned into Python objects.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from sources.sample.procedures.layout import COLUMNS, FILE_PREFIX, TIMESTAMP_FORMAT

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
DEFAULT_PAGE_SIZE = 500
MAX_PAGE_SIZE = 1000
UTC_OFFSET = "+07:00"  # Asia/Ho_Chi_Minh has no daylight saving time

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_FILE = re.compile(rf"^{FILE_PREFIX}(\d{{4}}-(?:0[1-9]|1[0-2]))(?:_\d{{8}}T\d{{4}})?\.csv$")
_EXTRACTED = "thoi_diem_trich_xuat"
_ISO = f"%Y-%m-%dT%H:%M:%S{UTC_OFFSET}"
_DUCKDB_TYPES = {"text": "VARCHAR", "int": "INTEGER", "timestamp": "TIMESTAMP"}
_READ_OPTIONS = (
    "header = true, delim = ',', quote = '\"', escape = '\"', auto_detect = false, "
    f"timestampformat = '{TIMESTAMP_FORMAT}', "
    "columns = {" + ", ".join(f"'{name}': '{_DUCKDB_TYPES[kind]}'" for name, kind in COLUMNS) + "}"
)
_SELECT = ", ".join(
    f"strftime({name}, '{_ISO}') as {name}" if kind == "timestamp" else name
    for name, kind in COLUMNS
    if name != _EXTRACTED
)
_MONTH_SQL = f"""
    select {_SELECT}, {_EXTRACTED} as _extracted_at
    from read_csv($paths, {_READ_OPTIONS})
    where strftime(ngay_tiep_nhan, '%Y-%m') = $month
    qualify row_number() over (partition by ma_ho_so order by {_EXTRACTED} desc) = 1
    order by ma_ho_so
"""


class ApiError(Exception):
    """A request error, answered as JSON with its HTTP status."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class _Store:
    """The folder of dossier files and the months read from it."""

    folder: Path
    _months: dict[str, tuple[tuple, pa.Table, str | None]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _files(self) -> list[tuple[Path, str]]:
        return sorted(
            (p, m.group(1))
            for p in self.folder.iterdir()
            if p.is_file() and (m := _FILE.match(p.name))
        )

    def months(self) -> list[str]:
        return sorted({month for _, month in self._files()})

    def month(self, month: str) -> tuple[pa.Table, str | None]:
        """The month's dossiers (latest state each) and when they were extracted."""
        files = self._files()
        if month not in {m for _, m in files}:
            raise ApiError(HTTPStatus.NOT_FOUND, f"no dossiers for month {month}")
        signature = tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p, _ in files)
        with self._lock:
            cached = self._months.get(month)
            if cached is not None and cached[0] == signature:
                return cached[1], cached[2]
            con = duckdb.connect(":memory:")
            try:
                paths = [str(p) for p, _ in files]
                table = con.sql(
                    _MONTH_SQL, params={"paths": paths, "month": month}
                ).to_arrow_table()
            except duckdb.Error as exc:
                log.exception("reading month %s from %s failed", month, self.folder)
                raise ApiError(
                    HTTPStatus.INTERNAL_SERVER_ERROR, f"cannot read month {month}: {exc}"
                ) from exc
            finally:
                con.close()
            latest = pc.max(table["_extracted_at"]).as_py() if table.num_rows else None
            extracted_at = latest.strftime(_ISO) if latest else None
            table = table.drop_columns(["_extracted_at"])
            self._months[month] = (signature, table, extracted_at)
            return table, extracted_at

    def page(self, month: str, page: int, page_size: int) -> dict:
        table, extracted_at = self.month(month)
        total = table.num_rows
        data = table.slice((page - 1) * page_size, page_size).to_pylist()
        return {
            "data": data,
            "month": month,
            "page": page,
            "page_size": page_size,
            "total": total,
            "next_page": page + 1 if page * page_size < total else None,
            "extracted_at": extracted_at,
        }


def _int_param(query: dict[str, list[str]], name: str, default: int, low: int, high: int) -> int:
    values = query.get(name)
    if not values:
        return default
    if len(values) > 1:
        raise ApiError(HTTPStatus.BAD_REQUEST, f"parameter {name} given more than once")
    try:
        value = int(values[0])
    except ValueError:
        raise ApiError(HTTPStatus.BAD_REQUEST, f"{name} must be an integer") from None
    if not low <= value <= high:
        raise ApiError(HTTPStatus.BAD_REQUEST, f"{name} must be between {low} and {high}")
    return value


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        try:
            self._check_token()
            body = self._route()
            self._send(HTTPStatus.OK, body)
        except ApiError as exc:
            self._send(exc.status, {"error": {"status": exc.status.value, "message": exc.message}})
        except Exception:
            log.exception("unexpected error serving %s", self.path)
            self._send(
                HTTPStatus.INTERNAL_SERVER_ERROR,
                {"error": {"status": 500, "message": "internal error"}},
            )

    def _method_not_allowed(self) -> None:
        self._send(
            HTTPStatus.METHOD_NOT_ALLOWED,
            {"error": {"status": 405, "message": f"{self.command} is not allowed; use GET"}},
            extra_headers={"Allow": "GET"},
        )

    do_POST = do_PUT = do_DELETE = do_PATCH = _method_not_allowed

    def _check_token(self) -> None:
        token = self.server.token
        if token is None:
            return
        given = self.headers.get("Authorization", "")
        scheme, _, value = given.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            value.strip().encode(), token.encode()
        ):
            raise ApiError(HTTPStatus.UNAUTHORIZED, "missing or invalid bearer token")

    def _route(self) -> dict:
        url = urlsplit(self.path)
        query = parse_qs(url.query, keep_blank_values=True)
        store = self.server.store
        if url.path == f"{API_PREFIX}/months":
            return {"data": store.months()}
        if url.path == f"{API_PREFIX}/dossiers":
            months = query.get("month", [])
            if len(months) != 1 or not _MONTH.match(months[0]):
                raise ApiError(HTTPStatus.BAD_REQUEST, "month is required, as YYYY-MM")
            page = _int_param(query, "page", 1, 1, 10**9)
            page_size = _int_param(query, "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
            return store.page(months[0], page, page_size)
        raise ApiError(HTTPStatus.NOT_FOUND, f"no such path: {url.path}")

    def _send(
        self, status: HTTPStatus, body: dict, extra_headers: dict[str, str] | None = None
    ) -> None:
        payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        if status == HTTPStatus.UNAUTHORIZED:
            self.send_header("WWW-Authenticate", 'Bearer realm="dossiers"')
        for name, value in (extra_headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        log.info("%s - %s", self.address_string(), format % args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], store: _Store, token: str | None) -> None:
        super().__init__(address, _Handler)
        self.store = store
        self.token = token


class DossierApi:
    """A running server: ``url`` is its base URL; ``shutdown()`` stops it.

    Use as a context manager: ``with serve(folder) as api: httpx.get(api.url + ...)``.
    """

    def __init__(self, server: _Server, thread: threading.Thread) -> None:
        self._server = server
        self._thread = thread
        host, port = server.server_address[:2]
        self.url = f"http://[{host}]:{port}" if ":" in str(host) else f"http://{host}:{port}"

    def shutdown(self) -> None:
        """Stop serving and release the port (waits for the serving thread)."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
        log.info("dossier API at %s stopped", self.url)

    def __enter__(self) -> DossierApi:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.shutdown()


def serve(
    folder: Path, host: str = "127.0.0.1", port: int = 0, token: str | None = None
) -> DossierApi:
    """Serve the monthly dossier files in ``folder`` (the ``procedures`` folder written by
    :func:`sources.sample.procedures.write`) from a daemon thread.

    ``port`` 0 picks a free port (read it from ``.url``). With ``token``, every request
    must carry ``Authorization: Bearer <token>``.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"dossier folder {folder} does not exist")
    server = _Server((host, port), _Store(folder), token)
    thread = threading.Thread(
        target=server.serve_forever, name="dossier-api", kwargs={"poll_interval": 0.1}, daemon=True
    )
    thread.start()
    api = DossierApi(server, thread)
    log.info("serving dossiers from %s at %s", folder, api.url)
    return api
