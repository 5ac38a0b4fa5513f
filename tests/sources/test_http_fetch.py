"""The HTTP fetcher against real servers on 127.0.0.1: the sample dossier API for the
happy path, and tiny stdlib servers that fail the way real APIs do (5xx, 401, slow, no
extraction time)."""

from __future__ import annotations

import csv
import json
import math
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from sources.loading.http import FetchError, fetch_month
from sources.sample import DEFAULT_SEED
from sources.sample import procedures as sample
from sources.sample.procedures_api import serve

MONTH = "2022-03"
FAST = {"timeout": 0.5, "backoff": 0.01}
RECORDS = [
    {"ma_ho_so": "H26.S01-220301-000001", "trang_thai": "DANG_XU_LY"},
    {"ma_ho_so": "H26.S01-220301-000002", "trang_thai": "DA_TIEP_NHAN"},
]


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """The sample's dossier CSVs, which the sample API serves."""
    return sample.write(tmp_path_factory.mktemp("sample"), DEFAULT_SEED, scale=0.3)[0].parent


EXTRACTED_AT = "2022-04-05T08:00:00+07:00"


def csv_ids(folder: Path, month: str) -> list[str]:
    """The dossiers RECEIVED in ``month`` (its export also holds later states of earlier
    dossiers): what the API serves for the month."""
    with (folder / f"ho_so_{month}.csv").open(encoding="utf-8-sig", newline="") as f:
        return [
            row["ma_ho_so"]
            for row in csv.DictReader(f)
            if row["ngay_tiep_nhan"][3:10] == f"{month[5:]}/{month[:4]}"
        ]


def landed(dest: Path) -> list[str]:
    """Every file in the landing folder, hidden temporary files included."""
    return sorted(p.name for p in dest.iterdir()) if dest.exists() else []


# Answer = (status, JSON body, seconds to wait before answering).
Script = Callable[[int, dict[str, list[str]]], tuple[int, dict, float]]


@contextmanager
def scripted_server(
    script: Script, tls: ssl.SSLContext | None = None
) -> Iterator[tuple[str, list[str]]]:
    """A stdlib HTTP(S) server answering request n (from 0) with ``script(n, query)``;
    yields its base URL and the list of request paths it received."""
    seen: list[str] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with lock:
                n = len(seen)
                seen.append(self.path)
            status, body, delay = script(n, parse_qs(urlsplit(self.path).query))
            time.sleep(delay)
            payload = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:  # the client gave up waiting
                pass

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        scheme = "https" if tls else "http"
        yield f"{scheme}://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def one_page(records: list[dict] = RECORDS, total: int | None = None) -> dict:
    total = len(records) if total is None else total
    return {"data": records, "month": MONTH, "page": 1, "page_size": 1000, "total": total,
            "next_page": None, "extracted_at": EXTRACTED_AT}  # fmt: skip


def test_pages_assemble_exactly_the_months_records(tmp_path, folder):
    expected = csv_ids(folder, MONTH)
    dest = tmp_path / "landing"
    with serve(folder, token="s3cret") as api:
        result = fetch_month(api.url, MONTH, dest, token="s3cret", page_size=97)

    lines = result.path.read_text(encoding="utf-8").splitlines()
    ids = [json.loads(line)["ma_ho_so"] for line in lines]
    assert result.path == dest / f"ho_so_{MONTH}.jsonl"
    assert landed(dest) == [f"ho_so_{MONTH}.jsonl"]  # no temporary file left
    assert (result.records, result.pages) == (len(expected), math.ceil(len(expected) / 97))
    assert sorted(ids) == sorted(expected) and len(set(ids)) == len(ids)
    assert result.bytes == result.path.stat().st_size
    first = json.loads(lines[0])
    assert first["ngay_tiep_nhan"].endswith("+07:00")
    assert isinstance(first["kenh_thuc_hien"], int)
    stamps = {json.loads(line)["thoi_diem_trich_xuat"] for line in lines}
    assert len(stamps) == 1 and stamps.pop().endswith("+07:00"), "each page's extracted_at"


def test_a_500_is_retried_and_the_file_is_written(tmp_path):
    def script(n, query):
        return (500, {"error": "busy"}, 0) if n == 0 else (200, one_page(), 0)

    dest = tmp_path / "landing"
    with scripted_server(script) as (url, seen):
        result = fetch_month(url, MONTH, dest, **FAST)

    assert len(seen) == 2
    assert all(f"month={MONTH}" in p and "page=1" in p for p in seen)
    assert result.records == 2
    assert [json.loads(x) for x in result.path.read_text().splitlines()] == [
        {**r, "thoi_diem_trich_xuat": EXTRACTED_AT} for r in RECORDS
    ]


def test_a_401_fails_at_once_naming_the_url_and_the_token_variable(tmp_path):
    def script(n, query):
        return 401, {"error": {"status": 401, "message": "missing or invalid bearer token"}}, 0

    dest = tmp_path / "landing"
    with scripted_server(script) as (url, seen):
        with pytest.raises(FetchError) as excinfo:
            fetch_month(url, MONTH, dest, retries=4, **FAST)

    message = str(excinfo.value)
    assert message.startswith(f"401 Unauthorized from {url}/api/v1/dossiers?month={MONTH}")
    assert "set EGOV_PROCEDURES_API_TOKEN" in message
    assert len(seen) == 1  # no retry
    assert landed(dest) == []


def test_the_sample_api_refuses_a_wrong_token(tmp_path, folder):
    with serve(folder, token="s3cret") as api, pytest.raises(FetchError, match="401"):
        fetch_month(api.url, MONTH, tmp_path, token="wrong", **FAST)
    assert landed(tmp_path) == []


def test_a_404_names_the_status_and_the_servers_reason(tmp_path, folder):
    with serve(folder) as api, pytest.raises(FetchError) as excinfo:
        fetch_month(api.url, "2030-01", tmp_path, **FAST)
    assert "404 Not Found from" in str(excinfo.value)
    assert "no dossiers for month 2030-01" in str(excinfo.value)
    assert landed(tmp_path) == []


def test_a_timeout_is_retried_then_fails(tmp_path):
    dest = tmp_path / "landing"
    started = time.perf_counter()
    with scripted_server(lambda n, q: (200, one_page(), 1.5)) as (url, seen):
        with pytest.raises(FetchError) as excinfo:
            fetch_month(url, MONTH, dest, retries=2, **FAST)
        attempts = len(seen)

    assert attempts == 3
    assert "ReadTimeout" in str(excinfo.value)
    assert "gave up after 3 attempts" in str(excinfo.value)
    assert time.perf_counter() - started < 5
    assert landed(dest) == []


def test_a_refused_connection_is_retried_then_fails(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(FetchError, match="ConnectError.*gave up after 2 attempts"):
        fetch_month(f"http://127.0.0.1:{port}", MONTH, tmp_path, retries=1, **FAST)
    assert landed(tmp_path) == []


def test_fewer_records_than_the_apis_total_write_no_file(tmp_path):
    dest = tmp_path / "landing"
    with scripted_server(lambda n, q: (200, one_page(total=3), 0)) as (url, _):
        with pytest.raises(FetchError, match="received 2 records but the API's total is 3"):
            fetch_month(url, MONTH, dest, **FAST)
    assert landed(dest) == []


def test_a_failure_after_some_pages_leaves_no_half_written_file(tmp_path):
    def script(n, query):
        if n == 0:
            return 200, {**one_page(), "total": 4, "next_page": 2}, 0
        return 503, {}, 0

    dest = tmp_path / "landing"
    dest.mkdir()
    (dest / f"ho_so_{MONTH}.jsonl").write_text("earlier fetch\n")
    with scripted_server(script) as (url, seen):
        with pytest.raises(FetchError, match="503"):
            fetch_month(url, MONTH, dest, retries=1, **FAST)

    assert len(seen) == 3
    assert landed(dest) == [f"ho_so_{MONTH}.jsonl"]
    assert (dest / f"ho_so_{MONTH}.jsonl").read_text() == "earlier fetch\n"  # untouched


@pytest.mark.parametrize("month", ["2024-13", "2024-1", "../../etc/passwd", "2024-01/x", ""])
def test_a_bad_month_is_refused_before_any_request(tmp_path, month):
    with scripted_server(lambda n, q: (200, one_page(), 0)) as (url, seen):
        with pytest.raises(ValueError, match="month must be YYYY-MM"):
            fetch_month(url, month, tmp_path, **FAST)
    assert seen == []
    assert landed(tmp_path) == []


def test_tls_certificates_are_always_verified(tmp_path, monkeypatch):
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a self-signed certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    dest = tmp_path / "landing"
    with scripted_server(lambda n, q: (200, one_page(), 0), tls=tls) as (url, seen):
        with pytest.raises(FetchError, match="TLS certificate does not verify"):
            fetch_month(url, MONTH, dest, **FAST)
        assert seen == [] and landed(dest) == []

        monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # trusting its CA is the way in
        result = fetch_month(url, MONTH, dest, **FAST)
    assert result.records == 2 and len(seen) == 1


@pytest.mark.parametrize("extracted_at", [None, "", "2022-04-05 08:00:00", "yesterday"])
def test_a_page_without_its_extraction_time_writes_no_file(tmp_path, extracted_at):
    body = {**one_page(), "extracted_at": extracted_at}
    if extracted_at is None:
        del body["extracted_at"]
    dest = tmp_path / "landing"
    with scripted_server(lambda n, q: (200, body, 0)) as (url, _):
        with pytest.raises(FetchError, match="'extracted_at' is not an ISO 8601 time"):
            fetch_month(url, MONTH, dest, **FAST)
    assert landed(dest) == []


def test_a_record_that_carries_its_own_extraction_time_keeps_it(tmp_path):
    own = {**RECORDS[0], "thoi_diem_trich_xuat": "2022-04-06T09:30:00+07:00"}
    dest = tmp_path / "landing"
    with scripted_server(lambda n, q: (200, one_page([own, RECORDS[1]]), 0)) as (url, _):
        result = fetch_month(url, MONTH, dest, **FAST)
    stamps = [json.loads(x)["thoi_diem_trich_xuat"] for x in result.path.read_text().splitlines()]
    assert stamps == ["2022-04-06T09:30:00+07:00", EXTRACTED_AT]
