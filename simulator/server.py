"""A loopback HTTP server that plays the DLA plan-projects API and the OPS MOI CKAN datastore.

It serves the records an API store on disk holds (``sources.md`` 3b and 4a), and injects
the failures the real agency APIs show (429, 5xx, slow answers, short pages, truncated or
HTML bodies, a ``total`` that changes while paging, CKAN's ``success: false``), each one
deterministic, so the ingest's client can be tested against them over real HTTP.

The store, written by the simulator's generator::

    API_DIR/dla/plan_projects/*.jsonl         one DLA record per line, as the API returns it
    API_DIR/opsmoi/household_needs/*.jsonl    one OPS MOI record per line (without ``_id``)
    API_DIR/manifest.json                     optional: {"dla_period": ..., "ckan_resource_id": ...}

Files are read in sorted name order and lines in file order: that is the API's order.
Each record is kept as its raw JSON bytes and pages are built by joining bytes, so a
national store (about 750,000 DLA records) answers a page in milliseconds; only the
fields the server filters on (period, updated_at) and the project key (for inserting a
published edition in place) are parsed, with pyarrow, at load time.
"""

from __future__ import annotations

import json
import logging
import math
import re
import signal
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_address
from pathlib import Path
from types import FrameType
from typing import Any, Literal, get_args
from urllib.parse import parse_qs, urlencode, urlsplit

import numpy as np
import pyarrow as pa
import pyarrow.json as pa_json

log = logging.getLogger(__name__)

DEFAULT_RESOURCE_ID = "0f6a1c3e-2b8d-4e55-9a61-6b1f0d2c7a91"
DEFAULT_CKAN_LIMIT_CAP = 32000  # CKAN's ckan.datastore.search.rows_max default
DLA_MAX_PER_PAGE = 500
DLA_DEFAULT_PER_PAGE = 100
CKAN_DEFAULT_LIMIT = 100

DLA_PATH = "/api/v1/plan-projects"
CKAN_PATH = "/api/3/action/datastore_search"
DLA_STORE = Path("dla") / "plan_projects"
CKAN_STORE = Path("opsmoi") / "household_needs"
MANIFEST = "manifest.json"

# Timestamps without an offset are read as Thai time: the agencies' systems run on it.
BANGKOK = timezone(timedelta(hours=7))
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# A record whose updated_at is missing or unreadable is always visible under the clock
# and never "updated since" anything: the smallest instant there is.
_UNKNOWN_INSTANT = np.iinfo(np.int64).min
# The edition a `total_change` fault publishes is numbered from here, so it sorts after
# any edition the generator writes and is easy to spot.
_INJECTED_EDITION_FIRST = 9

# CKAN describes the datastore columns in `fields`; types of the known OPS MOI columns.
_CKAN_FIELD_TYPES = {
    "_id": "int",
    "village_code": "text",
    "survey_year": "int",
    "dimension": "text",
    "households_surveyed": "int",
    "households_in_need": "int",
}

_HTML_ERROR_PAGE = (
    b"<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n"
    b"<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n"
    b"<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
_JSON = "application/json; charset=utf-8"

Endpoint = Literal["dla", "ckan"]
FaultKind = Literal[
    "rate_limit",
    "server_error",
    "unavailable",
    "slow",
    "short_page",
    "truncated",
    "html_200",
    "total_change",
    "success_false",
]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)
ENDPOINTS: tuple[str, ...] = get_args(Endpoint)


# --------------------------------------------------------------------------- faults


@dataclass(frozen=True)
class Fault:
    """One injected failure: it fires on requests ``at_request`` .. ``at_request + times - 1``
    to ``endpoint``, counted from when the faults were set (start or ``set_faults``)."""

    kind: FaultKind
    endpoint: Endpoint
    at_request: int = 1
    times: int = 1
    retry_after: int = 1  # rate_limit: the Retry-After header, in seconds
    delay: float = 10.0  # slow: seconds before the (normal) answer; longer than httpx's 5 s
    status: int = 200  # success_false: 200 or 409, both of which CKAN uses

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {', '.join(FAULT_KINDS)}")
        if self.endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {self.endpoint!r}; one of {', '.join(ENDPOINTS)}")
        if self.kind == "success_false" and self.endpoint != "ckan":
            raise ValueError("success_false is a CKAN answer: use it with endpoint 'ckan'")
        if self.at_request < 1 or self.times < 1:
            raise ValueError("at_request and times must be at least 1")
        if self.retry_after < 0 or self.delay < 0:
            raise ValueError("retry_after and delay must not be negative")
        if self.status not in (200, 409):
            raise ValueError("status must be 200 or 409")

    def fires_on(self, endpoint: str, request_number: int) -> bool:
        return (
            endpoint == self.endpoint
            and self.at_request <= request_number < self.at_request + self.times
        )


_FAULT_SPEC = re.compile(
    r"^(?P<endpoint>[a-z]+):(?P<kind>[a-z_0-9]+)"
    r"(?:@(?P<at>\d+)(?:x(?P<times>\d+))?)?"
    r"(?P<options>(?:,[a-z_]+=[^,]*)*)$"
)
_FAULT_OPTIONS = {
    "at_request": int,
    "times": int,
    "retry_after": int,
    "delay": float,
    "status": int,
}


def parse_fault(spec: str) -> Fault:
    """Parse a fault from the command line.

    Syntax: ``ENDPOINT:KIND[@AT[xTIMES]][,OPTION=VALUE]...``

    - ENDPOINT: ``dla`` or ``ckan``
    - KIND: rate_limit, server_error, unavailable, slow, short_page, truncated, html_200,
      total_change, success_false (ckan only)
    - AT: the 1-based request to that endpoint at which it fires (default 1);
      TIMES: how many consecutive requests it affects (default 1)
    - OPTION: ``retry_after`` (whole seconds, rate_limit), ``delay`` (seconds, slow),
      ``status`` (200 or 409, success_false); ``at_request`` and ``times`` also work here

    Examples: ``dla:rate_limit@3x2,retry_after=2``, ``dla:slow@5,delay=30``,
    ``ckan:success_false@1,status=409``, ``ckan:total_change@2``.
    """
    match = _FAULT_SPEC.match(spec.strip().replace(" ", ""))
    if match is None:
        raise ValueError(
            f"bad fault spec {spec!r}: expected ENDPOINT:KIND[@AT[xTIMES]][,OPTION=VALUE]..., "
            "e.g. dla:rate_limit@3x2,retry_after=2"
        )
    values: dict[str, Any] = {"kind": match["kind"], "endpoint": match["endpoint"]}
    if match["at"]:
        values["at_request"] = int(match["at"])
    if match["times"]:
        values["times"] = int(match["times"])
    for option in filter(None, match["options"].split(",")):
        name, _, raw = option.partition("=")
        if name not in _FAULT_OPTIONS:
            raise ValueError(f"bad fault spec {spec!r}: unknown option {name!r}")
        try:
            values[name] = _FAULT_OPTIONS[name](raw)
        except ValueError:
            raise ValueError(f"bad fault spec {spec!r}: {name}={raw!r} is not a number") from None
    return Fault(**values)


# --------------------------------------------------------------------------- instants


def parse_instant(text: str) -> datetime:
    """An ISO 8601 timestamp as an aware datetime; without an offset it is Thai time."""
    value = datetime.fromisoformat(text)
    return value if value.tzinfo is not None else value.replace(tzinfo=BANGKOK)


def _micros(value: datetime) -> int:
    return (value - _EPOCH) // timedelta(microseconds=1)


def _from_micros(micros: int, tz: Any) -> datetime:
    return (_EPOCH + timedelta(microseconds=micros)).astimezone(tz)


@lru_cache(maxsize=1 << 16)  # editions of a project share timestamps: parse each once
def _instant_micros(text: str | None) -> int:
    if text is None:
        return _UNKNOWN_INSTANT
    try:
        return _micros(parse_instant(text))
    except ValueError:
        return _UNKNOWN_INSTANT


# --------------------------------------------------------------------------- the store


def _store_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        log.warning("no API store at %s: serving no records there", folder)
        return []
    return sorted(path for path in folder.glob("*.jsonl") if path.is_file())


def _read_jsonl(path: Path) -> tuple[bytes, list[bytes]]:
    """The file's bytes (for pyarrow) and its records' lines, blank lines dropped."""
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    lines = data.split(b"\n")
    if b"\r" in data:
        lines = [line.rstrip(b"\r") for line in lines]
    return data, [line for line in lines if line and not line.isspace()]


def _objects_with_location(path: Path, lines: list[bytes]) -> Iterator[dict[str, Any]]:
    """Parse line by line: slower, but says which line is not a JSON object."""
    for number, line in enumerate(lines, start=1):
        try:
            record = json.loads(line)
        except ValueError as error:
            raise ValueError(f"{path}: record {number} is not valid JSON: {error}") from None
        if not isinstance(record, dict):
            raise ValueError(f"{path}: record {number} is not a JSON object")
        yield record


def _text_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


_DLA_COLUMNS = ("lao_code", "project_id", "period", "updated_at")
_DLA_SCHEMA = pa.schema([(name, pa.string()) for name in _DLA_COLUMNS])


def _dla_columns(path: Path, data: bytes, lines: list[bytes]) -> dict[str, list[str | None]]:
    """The fields the server filters on, read with pyarrow (multi-threaded, native)."""
    options = pa_json.ParseOptions(explicit_schema=_DLA_SCHEMA, unexpected_field_behavior="ignore")
    try:
        table = pa_json.read_json(pa.BufferReader(data), parse_options=options)
        if table.num_rows == len(lines):
            return {name: table.column(name).to_pylist() for name in _DLA_COLUMNS}
    except pa.ArrowInvalid:
        pass  # a number where text was expected, or a bad line: the slow path tells which
    records = list(_objects_with_location(path, lines))
    return {name: [_text_or_none(r.get(name)) for r in records] for name in _DLA_COLUMNS}


def _check_objects(path: Path, data: bytes, lines: list[bytes]) -> None:
    """Fail early on a line that is not a JSON object (it would break every page it is on)."""
    options = pa_json.ParseOptions(
        explicit_schema=pa.schema([]), unexpected_field_behavior="ignore"
    )
    try:
        if pa_json.read_json(pa.BufferReader(data), parse_options=options).num_rows == len(lines):
            return
    except pa.ArrowInvalid:
        pass
    for _ in _objects_with_location(path, lines):
        pass


def _project_key(lao_code: Any, project_id: Any) -> str:
    # \x1f sorts before any character of a code, so the key sorts as the pair does.
    return f"{_text_or_none(lao_code) or ''}\x1f{_text_or_none(project_id) or ''}"


class _DlaStore:
    """DLA records in API order, with the columns needed to filter and insert them."""

    def __init__(self, folder: Path) -> None:
        self.lines: list[bytes] = []
        self.keys: list[str] = []  # lao_code \x1f project_id, to place a published edition
        self.period_codes: dict[str, int] = {}
        periods: list[np.ndarray] = []
        instants: list[np.ndarray] = []
        # Plain Python over the pyarrow columns: Arrow's compute kernels would import pandas
        # (1.5 s) and its string join is slower than this.
        for path in _store_files(folder):
            data, lines = _read_jsonl(path)
            columns = _dla_columns(path, data, lines)
            del data
            self.lines.extend(lines)
            self.keys.extend(map(_project_key, columns["lao_code"], columns["project_id"]))
            codes = map(self._period_code, columns["period"])
            periods.append(np.fromiter(codes, np.int32, len(lines)))
            stamps = map(_instant_micros, columns["updated_at"])
            instants.append(np.fromiter(stamps, np.int64, len(lines)))
        self.period_of = np.concatenate(periods) if periods else np.empty(0, np.int32)
        self.updated = np.concatenate(instants) if instants else np.empty(0, np.int64)
        self.sorted_by_project = all(a <= b for a, b in zip(self.keys, self.keys[1:], strict=False))
        self.added_editions = 0

    def __len__(self) -> int:
        return len(self.lines)

    def _period_code(self, period: str | None) -> int:
        if period is None:
            return -1
        return self.period_codes.setdefault(period, len(self.period_codes))

    def latest_known(self) -> int | None:
        known = self.updated[self.updated != _UNKNOWN_INSTANT]
        return int(known.max()) if known.size else None

    def view(self, period: str | None, since: int | None, clock: int | None) -> np.ndarray:
        """Positions of the records a request sees, in API order."""
        mask = np.ones(len(self.lines), dtype=bool)
        if period is not None:
            mask &= self.period_of == self.period_codes.get(period, -2)
        if clock is not None:
            mask &= self.updated <= clock
        if since is not None:
            mask &= self.updated > since
        return np.flatnonzero(mask)

    def insert(self, record: dict[str, Any]) -> int:
        """Add a record after the existing lines of its project (or where its key sorts)."""
        key = _project_key(record.get("lao_code"), record.get("project_id"))
        if self.sorted_by_project:
            position = _bisect_right(self.keys, key)
        else:
            same = [i for i, k in enumerate(self.keys) if k == key]
            position = same[-1] + 1 if same else len(self.keys)
        line = json.dumps(record, ensure_ascii=False).encode()
        self.lines.insert(position, line)
        self.keys.insert(position, key)
        code = self._period_code(_text_or_none(record.get("period")))
        self.period_of = np.insert(self.period_of, position, code)
        micros = _instant_micros(_text_or_none(record.get("updated_at")))
        self.updated = np.insert(self.updated, position, micros)
        return position


def _bisect_right(keys: list[str], key: str) -> int:
    low, high = 0, len(keys)
    while low < high:
        middle = (low + high) // 2
        if key < keys[middle]:
            high = middle
        else:
            low = middle + 1
    return low


class _CkanStore:
    """OPS MOI records in store order, each with CKAN's ``_id`` already spliced in."""

    def __init__(self, folder: Path) -> None:
        self.lines: list[bytes] = []
        first: dict[str, Any] | None = None
        for path in _store_files(folder):
            data, lines = _read_jsonl(path)
            _check_objects(path, data, lines)
            if first is None and lines:
                first = json.loads(lines[0])
            self.lines.extend(lines)
        self.lines = [_with_id(line, number) for number, line in enumerate(self.lines, start=1)]
        self.next_id = len(self.lines) + 1
        names = [name for name in (first or _CKAN_FIELD_TYPES) if name != "_id"]
        self.fields = [{"id": "_id", "type": "int"}] + [
            {"id": name, "type": _CKAN_FIELD_TYPES.get(name, "text")} for name in names
        ]

    def __len__(self) -> int:
        return len(self.lines)

    def insert(self, position: int, record: dict[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False).encode()
        self.lines.insert(position, _with_id(line, self.next_id))
        self.next_id += 1


def _with_id(line: bytes, record_id: int) -> bytes:
    # CKAN lists _id first; splicing bytes keeps the record exactly as stored.
    rest = line.lstrip()[1:]
    separator = b"" if rest.lstrip().startswith(b"}") else b", "
    return b'{"_id": %d%s%s' % (record_id, separator, rest)


def _read_manifest(api_dir: Path) -> dict[str, Any]:
    path = api_dir / MANIFEST
    if not path.is_file():
        return {}
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(manifest, dict):
        raise ValueError(f"{path}: expected a JSON object")
    return manifest


# --------------------------------------------------------------------------- responses


@dataclass
class _Response:
    status: int
    body: bytes
    content_type: str = _JSON
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class RequestLogEntry:
    """One request as the server saw it. ``query`` holds the URL's parameters (last value
    wins), and for a CKAN POST also the JSON body's; ``fault`` is the kind that fired."""

    method: str
    path: str
    query: dict[str, str]
    status: int
    endpoint: str | None
    fault: str | None
    at: float  # time.monotonic() when answered


def _json_body(document: dict[str, Any], rows: Sequence[bytes] = ()) -> bytes:
    """Serialise a document whose one list of records is given as raw JSON bytes.

    The records take the place of the ``_ROWS`` sentinel, so they are never re-encoded."""
    encoded = json.dumps(document, ensure_ascii=False).encode()
    if not rows and _ROWS_JSON not in encoded:
        return encoded
    head, sentinel, tail = encoded.partition(_ROWS_JSON)
    if not sentinel:
        raise ValueError("rows given for a document without the _ROWS sentinel")
    return b"".join((head, b"[", b", ".join(rows), b"]", tail))


_ROWS = "\x00rows\x00"  # NUL never occurs in a resource id or a meta value
_ROWS_JSON = json.dumps(_ROWS).encode()


def _dla_error(status: int, message: str) -> _Response:
    return _Response(status, _json_body({"error": {"code": status, "message": message}}))


def _truncate(body: bytes) -> bytes:
    """The first half of a body, cut on a UTF-8 character boundary so the client fails on
    JSON, not on decoding."""
    cut = max(1, len(body) // 2)
    while cut > 1 and body[cut] & 0xC0 == 0x80:
        cut -= 1
    return body[:cut]


def _integer(params: dict[str, Any], name: str, default: int) -> int:
    value = params.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise ValueError(name)
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if not re.fullmatch(r"[+-]?\d+", text):
        raise ValueError(name)
    return int(text)


# --------------------------------------------------------------------------- the server


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True  # a slow or idle keep-alive connection must not hold up stop()
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], api: ApiServer, ipv6: bool) -> None:
        self.address_family = socket.AF_INET6 if ipv6 else socket.AF_INET
        self.api = api
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the agencies' servers do
    server_version = "muban-simulator"
    sys_version = ""
    timeout = 60  # drop idle keep-alive connections rather than keep a thread for ever
    disable_nagle_algorithm = True  # headers and body go out apart: no 40 ms delayed-ACK stall
    server: _HttpServer

    def do_GET(self) -> None:
        self._answer(b"")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._answer(self.rfile.read(length) if length > 0 else b"")

    def _answer(self, body: bytes) -> None:
        url = urlsplit(self.path)
        try:
            response = self.server.api.handle(self.command, url.path, url.query, body)
        except Exception:
            log.exception("simulator failed on %s %s", self.command, self.path)
            response = _dla_error(500, "Internal Server Error")
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            for name, value in response.headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (a timeout on a slow answer): nothing left to tell it.
            log.debug("client left before the answer to %s", self.path)
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - " + format, self.address_string(), *args)


def _check_loopback(host: str) -> str:
    if host == "localhost":
        return "127.0.0.1"
    try:
        loopback = ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"the simulator serves on loopback only, not on {host!r}")
    return host


class ApiServer:
    """The DLA and OPS MOI APIs over a store on disk, with injectable faults.

    Use as a context manager (``with ApiServer(api_dir) as api: httpx.get(api.dla_url)``)
    or call ``start()``/``stop()``. Loading the store happens in the constructor."""

    def __init__(
        self,
        api_dir: Path,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: Sequence[Fault] = (),
        ckan_limit_cap: int = DEFAULT_CKAN_LIMIT_CAP,
    ) -> None:
        if ckan_limit_cap < 1:
            raise ValueError("ckan_limit_cap must be at least 1")
        self.host = _check_loopback(host)
        self.port = port
        self.ckan_limit_cap = ckan_limit_cap
        api_dir = Path(api_dir)
        if not api_dir.is_dir():
            raise FileNotFoundError(f"no API store at {api_dir}")
        manifest = _read_manifest(api_dir)
        self.resource_id: str = str(manifest.get("ckan_resource_id") or DEFAULT_RESOURCE_ID)
        self.dla_period: str | None = manifest.get("dla_period")

        started = time.perf_counter()
        self._dla = _DlaStore(api_dir / DLA_STORE)
        self._ckan = _CkanStore(api_dir / CKAN_STORE)
        log.info(
            "API store %s: %d DLA records, %d OPS MOI records, loaded in %.1f s",
            api_dir,
            len(self._dla),
            len(self._ckan),
            time.perf_counter() - started,
        )

        self._lock = threading.RLock()  # guards the stores, faults, clock and counters
        self._faults: tuple[Fault, ...] = ()
        self._fault_counts: dict[str, int] = dict.fromkeys(ENDPOINTS, 0)
        self._request_counts: dict[str, int] = dict.fromkeys(ENDPOINTS, 0)
        self._log: deque[RequestLogEntry] = deque(maxlen=100_000)  # bounded for --serve
        self._clock: int | None = None
        self._stopping = threading.Event()
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None
        self._last_base_url = ""
        self.set_faults(faults)

    # -- lifecycle

    def start(self) -> ApiServer:
        if self._httpd is not None:
            return self
        self._stopping.clear()
        self._httpd = _HttpServer((self.host, self.port), self, ipv6=":" in self.host)
        self.port = self._httpd.server_address[1]
        self._last_base_url = self.base_url
        # A short poll: stop() waits for the loop to notice, and tests stop a server each.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.name = f"api-simulator-{self.port}"
        self._thread.start()
        log.info("API simulator listening on %s", self.base_url)
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._stopping.set()  # wakes handlers sleeping in a `slow` fault
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> ApiServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the server is not started")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def dla_url(self) -> str:
        return self.base_url + DLA_PATH

    @property
    def ckan_url(self) -> str:
        return self.base_url + CKAN_PATH

    # -- controls for tests

    def set_faults(self, faults: Sequence[Fault]) -> None:
        """Replace the faults; their ``at_request`` counts from now."""
        faults = tuple(faults)
        for fault in faults:
            if not isinstance(fault, Fault):
                raise TypeError(f"not a Fault: {fault!r}")
        with self._lock:
            self._faults = faults
            self._fault_counts = dict.fromkeys(ENDPOINTS, 0)

    def set_clock(self, iso: str | None) -> None:
        """Hide DLA records updated after ``iso`` (None shows everything)."""
        micros = None if iso is None else _micros(parse_instant(iso))
        with self._lock:
            self._clock = micros

    def publish_dla(self, record: dict[str, Any]) -> None:
        """Add a DLA record (a new edition, say) after the existing lines of its project.

        Only the running server sees it: the store on disk is left as it is."""
        missing = [name for name in _DLA_COLUMNS if record.get(name) in (None, "")]
        if missing:
            raise ValueError(f"a DLA record needs {', '.join(missing)}")
        parse_instant(str(record["updated_at"]))  # refuse a timestamp the filters cannot read
        with self._lock:
            position = self._dla.insert(dict(record))
        log.info(
            "published DLA %s %s at position %d",
            record["project_id"],
            record.get("edition"),
            position,
        )

    @property
    def request_log(self) -> list[RequestLogEntry]:
        with self._lock:
            return list(self._log)

    @property
    def request_counts(self) -> dict[str, int]:
        """Requests per endpoint since the server was created."""
        with self._lock:
            return dict(self._request_counts)

    # -- request handling

    def handle(self, method: str, path: str, query: str, body: bytes) -> _Response:
        params = {
            name: values[-1] for name, values in parse_qs(query, keep_blank_values=True).items()
        }
        endpoint: str | None = {DLA_PATH: "dla", CKAN_PATH: "ckan"}.get(path)
        fault: Fault | None = None
        if endpoint is None:
            response = _dla_error(404, "Not Found")
        else:
            with self._lock:
                self._request_counts[endpoint] += 1
                self._fault_counts[endpoint] += 1
                number = self._fault_counts[endpoint]
                fault = next((f for f in self._faults if f.fires_on(endpoint, number)), None)
            if fault is not None:
                log.info("fault %s on %s request %d", fault.kind, endpoint, number)
            response = self._answer(endpoint, method, params, body, fault)
        with self._lock:
            self._log.append(
                RequestLogEntry(
                    method=method,
                    path=path,
                    query={name: str(value) for name, value in params.items()},
                    status=response.status,
                    endpoint=endpoint,
                    fault=fault.kind if fault else None,
                    at=time.monotonic(),
                )
            )
        return response

    def _answer(
        self, endpoint: str, method: str, params: dict[str, Any], body: bytes, fault: Fault | None
    ) -> _Response:
        kind = fault.kind if fault else None
        if fault is not None and kind == "slow":
            self._stopping.wait(fault.delay)
        elif fault is not None and (early := self._fault_answer(endpoint, fault)) is not None:
            return early
        if endpoint == "dla":
            if method != "GET":
                return replace(_dla_error(405, "Method Not Allowed"), headers=(("Allow", "GET"),))
            response = self._dla_search(params, fault)
        else:
            if method == "POST" and body.strip():
                try:
                    posted = json.loads(body)
                    if not isinstance(posted, dict):
                        raise ValueError("not a JSON object")
                except ValueError as error:
                    return self._ckan_error(400, "Bad Request", {"message": f"JSON Error: {error}"})
                params.update(posted)
            elif method not in ("GET", "POST"):
                return self._ckan_error(405, "Method Not Allowed", {"message": "GET or POST"})
            response = self._ckan_search(params, fault)
        if kind == "truncated" and response.status == 200:
            response.body = _truncate(response.body)
        return response

    def _fault_answer(self, endpoint: str, fault: Fault) -> _Response | None:
        """The answer of a fault that replaces the API's answer altogether."""
        if fault.kind == "rate_limit":
            if endpoint == "ckan":
                response = self._ckan_error(429, "Rate Limited", {"message": "Too Many Requests"})
            else:
                response = _dla_error(429, "Too Many Requests")
            return replace(response, headers=(("Retry-After", str(fault.retry_after)),))
        if fault.kind == "server_error":
            if endpoint == "ckan":
                return _Response(500, b"Internal Server Error", "text/plain; charset=utf-8")
            return _dla_error(500, "Internal Server Error")
        if fault.kind == "unavailable":
            return _Response(503, b"Service Temporarily Unavailable", "text/plain; charset=utf-8")
        if fault.kind == "html_200":
            return _Response(200, _HTML_ERROR_PAGE, "text/html; charset=utf-8")
        if fault.kind == "success_false":
            return self._ckan_error(
                fault.status,
                "Validation Error",
                {"message": "Search failed: the datastore is busy, try again later"},
            )
        return None

    # -- DLA

    def _dla_search(self, params: dict[str, Any], fault: Fault | None) -> _Response:
        try:
            page = _integer(params, "page", 1)
            per_page = _integer(params, "per_page", DLA_DEFAULT_PER_PAGE)
        except ValueError as error:
            return _dla_error(400, f"{error} must be a whole number")
        if page < 1:
            return _dla_error(400, "page must be 1 or more")
        if not 1 <= per_page <= DLA_MAX_PER_PAGE:
            return _dla_error(400, f"per_page must be between 1 and {DLA_MAX_PER_PAGE}")
        period = params.get("period") or None
        since: int | None = None
        if params.get("updated_since"):
            try:
                since = _micros(parse_instant(params["updated_since"]))
            except ValueError:
                return _dla_error(
                    400,
                    "updated_since must be an ISO 8601 timestamp, e.g. 2024-06-30T10:15:00+07:00 "
                    "(encode '+' as %2B)",
                )
        with self._lock:
            view = self._dla.view(period, since, self._clock)
            if fault is not None and fault.kind == "total_change":
                self._add_dla_edition(view)
                view = self._dla.view(period, since, self._clock)
            start = (page - 1) * per_page
            positions = view[start : start + per_page]
            if fault is not None and fault.kind == "short_page":
                positions = positions[: len(positions) // 2]
            rows = [self._dla.lines[i] for i in positions]
        total = len(view)
        meta = {
            "page": page,
            "per_page": per_page,
            "total": total,
            "pages": math.ceil(total / per_page),
        }
        return _Response(200, _json_body({"data": _ROWS, "meta": meta}, rows))

    def _add_dla_edition(self, view: np.ndarray) -> None:
        """A `total_change` fault: the first project the request sees gets a new edition."""
        if not len(self._dla):
            return
        source = json.loads(self._dla.lines[int(view[0]) if len(view) else 0])
        try:
            zone = parse_instant(str(source.get("updated_at"))).tzinfo
        except ValueError:
            zone = BANGKOK
        # Visible under the clock if there is one, otherwise later than anything in store.
        latest = self._dla.latest_known()
        if self._clock is not None:
            micros = self._clock
        elif latest is not None:
            micros = latest + 1_000_000
        else:
            micros = _micros(datetime(2024, 1, 1, tzinfo=BANGKOK))
        number = _INJECTED_EDITION_FIRST + self._dla.added_editions
        self._dla.added_editions += 1
        source["edition"] = f"แก้ไข ครั้งที่ {number}"
        source["updated_at"] = _from_micros(micros, zone).isoformat()
        position = self._dla.insert(source)
        log.info(
            "total_change: DLA %s edition %d at position %d",
            source.get("project_id"),
            number,
            position,
        )

    # -- CKAN

    def _ckan_help(self) -> str:
        # From the last start: a slow answer may still finish after stop().
        return f"{self._last_base_url}/api/3/action/help_show?name=datastore_search"

    def _ckan_error(self, status: int, error_type: str, details: dict[str, Any]) -> _Response:
        error = {**details, "__type": error_type}
        return _Response(
            status, _json_body({"help": self._ckan_help(), "success": False, "error": error})
        )

    def _ckan_search(self, params: dict[str, Any], fault: Fault | None) -> _Response:
        resource_id = str(params.get("resource_id") or "")
        if not resource_id:
            return self._ckan_error(409, "Validation Error", {"resource_id": ["Missing value"]})
        problems: dict[str, list[str]] = {}
        values: dict[str, int] = {}
        for name, default in (("limit", CKAN_DEFAULT_LIMIT), ("offset", 0)):
            try:
                values[name] = _integer(params, name, default)
            except ValueError:
                problems[name] = ["Invalid integer"]
                continue
            if values[name] < 0:
                problems[name] = ["Must be a natural number"]
        if problems:
            return self._ckan_error(409, "Validation Error", problems)
        if resource_id != self.resource_id:
            return self._ckan_error(
                404, "Not Found Error", {"message": "Not found: Resource was not found."}
            )
        limit = min(values["limit"], self.ckan_limit_cap)  # silently, as CKAN's rows_max does
        offset = values["offset"]
        with self._lock:
            if fault is not None and fault.kind == "total_change":
                self._add_ckan_record()
            total = len(self._ckan)
            rows = self._ckan.lines[offset : offset + limit]
            fields_ = list(self._ckan.fields)
        if fault is not None and fault.kind == "short_page":
            rows = rows[: len(rows) // 2]
        start_query = urlencode({"resource_id": resource_id, "limit": limit})
        next_query = urlencode(
            {"resource_id": resource_id, "limit": limit, "offset": offset + limit}
        )
        result = {
            "resource_id": resource_id,
            "fields": fields_,
            "records": _ROWS,
            "total": total,
            "limit": limit,
            "offset": offset,
            "_links": {"start": f"{CKAN_PATH}?{start_query}", "next": f"{CKAN_PATH}?{next_query}"},
        }
        document = {"help": self._ckan_help(), "success": True, "result": result}
        return _Response(200, _json_body(document, rows))

    def _add_ckan_record(self) -> None:
        """A `total_change` fault: a new survey row appears near the start (second place)."""
        if not len(self._ckan):
            return
        record = json.loads(self._ckan.lines[0])
        record.pop("_id", None)
        year = record.get("survey_year")
        if isinstance(year, int):
            record["survey_year"] = year + 1
        elif isinstance(year, str) and year.isdigit():
            record["survey_year"] = str(int(year) + 1)
        self._ckan.insert(1, record)


# --------------------------------------------------------------------------- the CLI


def serve_forever(
    api_dir: Path,
    host: str = "127.0.0.1",
    port: int = 0,
    faults: Sequence[Fault] = (),
    ckan_limit_cap: int = DEFAULT_CKAN_LIMIT_CAP,
) -> None:
    """Serve until Ctrl-C or SIGTERM (``muban simulate --serve``); call it from the main
    thread, the only one that receives signals."""
    done = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        log.info("signal %d: stopping the API simulator", signum)
        done.set()

    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = {}
    if in_main_thread:  # signal handlers can only be installed from the main thread
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, request_stop)
    try:
        with ApiServer(api_dir, host, port, faults, ckan_limit_cap) as api:
            period = f" (period {api.dla_period})" if api.dla_period else ""
            log.info("DLA plan projects: %s%s", api.dla_url, period)
            log.info("OPS MOI datastore: %s?resource_id=%s", api.ckan_url, api.resource_id)
            for fault in faults:
                log.info(
                    "fault: %s",
                    ", ".join(f"{f.name}={getattr(fault, f.name)}" for f in fields(fault)),
                )
            while not done.wait(0.5):  # a timed wait lets KeyboardInterrupt through
                pass
    except KeyboardInterrupt:
        log.info("interrupted: stopping the API simulator")
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
