"""A small local JSON API over the sample dossier files, shaped like a case system's API.

It serves a folder of ``ho_so_YYYY-MM.csv`` files written by
:mod:`sources.sample.procedures`, so that the HTTP reader of the procedures source can
be developed and tested against a real server:

- ``GET /api/v1/months`` -> ``{"data": ["2021-01", ...]}``: the months with a file.
- ``GET /api/v1/dossiers?month=YYYY-MM&page=N&page_size=M`` ->
  ``{"data": [...], "month": "YYYY-MM", "page": N, "page_size": M, "total": T,
  "next_page": N + 1 or null}``. ``page`` starts at 1 (default 1); ``page_size``
  defaults to 500 and may not exceed 1000. Records carry the CSV's field names
  (see :mod:`sources.sample.procedures`); timestamps are ISO 8601 with the
  ``+07:00`` offset, integer fields are JSON numbers, nulls are ``null``. Records are
  ordered by ``ma_ho_so``, so pages are stable. A page past the end has no records.
- Errors are JSON ``{"error": {"status": S, "message": "..."}}``: 400 for bad
  parameters, 401 when the server has a token and the request lacks
  ``Authorization: Bearer <token>``, 404 for an unknown path or month, 405 for
  methods other than GET.

Each page is read with DuckDB (``read_csv`` with explicit column types,
``ORDER BY ma_ho_so LIMIT/OFFSET``) on an in-memory connection opened for the request,
so only one page is ever turned into Python objects. Month totals are cached per file
(path, size, modification time).
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

from sources.sample.procedures import COLUMNS, FILE_PREFIX, TIMESTAMP_FORMAT

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
DEFAULT_PAGE_SIZE = 500
MAX_PAGE_SIZE = 1000
UTC_OFFSET = "+07:00"  # Asia/Ho_Chi_Minh has no daylight saving time

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_FILE = re.compile(rf"^{FILE_PREFIX}(\d{{4}}-(?:0[1-9]|1[0-2]))\.csv$")
_DUCKDB_TYPES = {"text": "VARCHAR", "int": "INTEGER", "timestamp": "TIMESTAMP"}
_READ_OPTIONS = (
    "header = true, delim = ',', quote = '\"', escape = '\"', auto_detect = false, "
    f"timestampformat = '{TIMESTAMP_FORMAT}', "
    "columns = {" + ", ".join(f"'{name}': '{_DUCKDB_TYPES[kind]}'" for name, kind in COLUMNS) + "}"
)
_SELECT = ", ".join(
    f"strftime({name}, '%Y-%m-%dT%H:%M:%S{UTC_OFFSET}') as {name}" if kind == "timestamp" else name
    for name, kind in COLUMNS
)
_PAGE_SQL = (
    f"select {_SELECT} from read_csv($path, {_READ_OPTIONS}) "
    "order by ma_ho_so limit $limit offset $offset"
)
_COUNT_SQL = f"select count(*) from read_csv($path, {_READ_OPTIONS})"


class ApiError(Exception):
    """A request error, answered as JSON with its HTTP status."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class _Store:
    """The folder of monthly files and a cache of month totals."""

    folder: Path
    _totals: dict[tuple[str, int, int], int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def months(self) -> list[str]:
        return sorted(
            m.group(1) for p in self.folder.iterdir() if p.is_file() and (m := _FILE.match(p.name))
        )

    def path(self, month: str) -> Path:
        path = self.folder / f"{FILE_PREFIX}{month}.csv"
        if not path.is_file():
            raise ApiError(HTTPStatus.NOT_FOUND, f"no dossiers for month {month}")
        return path

    def total(self, con: duckdb.DuckDBPyConnection, path: Path) -> int:
        stat = path.stat()
        key = (str(path), stat.st_size, stat.st_mtime_ns)
        with self._lock:
            if key in self._totals:
                return self._totals[key]
        # fetchall, not fetchone: DuckDB 2.0 keeps a half-read result open on the connection
        total = int(con.execute(_COUNT_SQL, {"path": str(path)}).fetchall()[0][0])
        with self._lock:
            self._totals[key] = total
        return total

    def page(self, month: str, page: int, page_size: int) -> dict:
        path = self.path(month)
        con = duckdb.connect(":memory:")
        try:
            total = self.total(con, path)
            cursor = con.execute(
                _PAGE_SQL,
                {"path": str(path), "limit": page_size, "offset": (page - 1) * page_size},
            )
            names = [d[0] for d in cursor.description]
            data = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        except duckdb.Error as exc:
            log.exception("reading %s failed", path)
            raise ApiError(
                HTTPStatus.INTERNAL_SERVER_ERROR, f"cannot read month {month}: {exc}"
            ) from exc
        finally:
            con.close()
        return {
            "data": data,
            "month": month,
            "page": page,
            "page_size": page_size,
            "total": total,
            "next_page": page + 1 if page * page_size < total else None,
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
