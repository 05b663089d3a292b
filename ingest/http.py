"""Talking to the agencies' HTTP APIs: one client factory, one retry policy, one page fetch.

The APIs are slow and unreliable (sources.md 3b, 4a): 429 with Retry-After, 5xx, timeouts,
an HTML error page with status 200, a body cut short, a page with fewer records than it
should hold. Every one of these is worth asking again for, a bounded number of times, with
tenacity; when the attempts run out the pull is rejected whole (`api_unavailable`), never
half-loaded. Pages are parsed with every JSON number kept as its literal text, so a code
delivered as `54010103.0` stays exactly that.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import logging
import ssl
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from operator import itemgetter
from typing import Any

import httpx
import pyarrow as pa
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)
from tenacity.wait import wait_base

from ingest.archive import Archive
from ingest.reasons import Rejection, reject

log = logging.getLogger(__name__)

USER_AGENT = "muban-ingest"
# Timestamps without an offset are Thai time: the agencies' systems run on it.
BANGKOK = timezone(timedelta(hours=7))


# --------------------------------------------------------------------------- the client


@functools.cache
def _tls() -> ssl.SSLContext:
    # Shared: every new httpx client would otherwise load the CA bundle again (0.2 s).
    return ssl.create_default_context()


def make_client(
    *, timeout: float = 60.0, connect_timeout: float = 10.0, max_connections: int = 4
) -> httpx.Client:
    """An httpx client for the agency APIs. `timeout` bounds each read/write/pool wait.

    `trust_env=False`: the APIs are reached directly (loopback in tests), and an
    HTTP(S)_PROXY set for other tools must not silently reroute or break the pull."""
    return httpx.Client(
        timeout=httpx.Timeout(timeout, connect=connect_timeout),
        headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        trust_env=False,
        verify=_tls(),
        limits=httpx.Limits(max_connections=max_connections),
    )


# --------------------------------------------------------------------------- the policy


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try one request. Waits are seconds.

    Backoff is exponential from `initial_wait` (plus up to `initial_wait` of jitter, so
    parallel pulls do not retry in step), capped at `max_wait`. A 429's Retry-After is
    honoured instead, up to `max_retry_after` (a server asking for longer is waited on for
    that long, then asked again: the attempts stay bounded)."""

    max_attempts: int = 6
    initial_wait: float = 1.0
    max_wait: float = 30.0
    max_retry_after: float = 120.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.initial_wait < 0 or self.max_wait < 0 or self.max_retry_after < 0:
            raise ValueError("waits must not be negative")


class RetryableError(Exception):
    """An answer worth asking again for (5xx, 429, HTML, bad JSON, a short page)."""

    def __init__(self, detail: str, *, status: int | None = None, retry_after: float | None = None):
        super().__init__(detail)
        self.detail = detail
        self.status = status
        self.retry_after = retry_after

    def rejection(self, attempts: int, where: str | None) -> Rejection:
        return reject("api_unavailable", where, attempts=attempts, detail=self.detail)


class ApiReportedError(RetryableError):
    """The API answered, and said it failed (CKAN `success: false`): retried, then
    rejected as `api_error` with the API's own message."""

    def rejection(self, attempts: int, where: str | None) -> Rejection:
        return reject("api_error", where, detail=self.detail)


def _retryable(error: BaseException) -> bool:
    if isinstance(error, RetryableError):
        return True
    # A wrong URL scheme will not fix itself; every other transport failure may.
    return isinstance(error, httpx.TransportError | httpx.DecodingError) and not isinstance(
        error, httpx.UnsupportedProtocol
    )


class _wait_retry_after_or_backoff(wait_base):
    """Retry-After when the server gave one, else exponential backoff with jitter."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy
        self.backoff = wait_exponential_jitter(
            multiplier=policy.initial_wait, max=policy.max_wait, jitter=policy.initial_wait
        )

    def __call__(self, retry_state: RetryCallState) -> float:
        outcome = retry_state.outcome
        error = outcome.exception() if outcome is not None else None
        if isinstance(error, RetryableError) and error.retry_after is not None:
            return min(error.retry_after, self.policy.max_retry_after)
        return self.backoff(retry_state)


def _parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: a number of seconds, or an HTTP date."""
    if value is None or not value.strip():
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


# --------------------------------------------------------------------------- JSON


class JsonNumber(str):
    """A JSON number kept as the literal text it was delivered in (`54010103.0`, `2568`)."""

    __slots__ = ()


def decode_json(text: str) -> tuple[Any, int]:
    """Parse a document, every number kept as its literal text; and how many numbers it held
    (none in the records lets their nested objects take the fast encoder, see `text_column`)."""
    numbers = 0

    def number(literal: str) -> JsonNumber:
        nonlocal numbers
        numbers += 1
        return JsonNumber(literal)

    # parse_constant too: NaN/Infinity are not JSON, but if a server sends them keep the text.
    decoder = json.JSONDecoder(parse_int=number, parse_float=number, parse_constant=number)
    return decoder.decode(text), numbers


_ENCODE_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def json_text(value: Any) -> str:
    """Compact JSON text of a parsed value, numbers written back as their literal text."""
    if isinstance(value, JsonNumber):
        return str(value)
    if isinstance(value, dict):
        pairs = (f"{_ENCODE_COMPACT(str(key))}:{json_text(item)}" for key, item in value.items())
        return "{" + ",".join(pairs) + "}"
    if isinstance(value, list):
        return "[" + ",".join(json_text(item) for item in value) + "]"
    return _ENCODE_COMPACT(value)


def as_text(value: Any) -> str | None:
    """A field as text exactly as delivered: strings and number literals as is, null as
    None, true/false and nested objects as their JSON text."""
    if value is None or isinstance(value, str):
        return value
    return json_text(value)


def text_column(values: Sequence[Any], *, numbers_inside: bool = True) -> pa.Array:
    """An Arrow string column of the values as delivered (see `as_text`).

    With `numbers_inside=False` the caller knows no JsonNumber sits inside an object or
    list (the page held none), so the standard encoder writes them exactly, and fast."""
    try:
        return pa.array(values, pa.string())  # text and nulls: nearly every column
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        pass
    if numbers_inside:
        return pa.array([as_text(value) for value in values], pa.string())
    return pa.array(
        [v if v is None or isinstance(v, str) else _ENCODE_COMPACT(v) for v in values], pa.string()
    )


# --------------------------------------------------------------------------- fetching


@dataclass(frozen=True)
class Fetched:
    """One page as received: the raw bytes (to archive), the parsed document (numbers as
    JsonNumber), how many numbers it held and how many attempts it took."""

    url: str
    status: int
    content: bytes
    document: Any
    numbers: int
    attempts: int


# Looks at (status, parsed document) of a response that is JSON; raises RetryableError to
# ask again, a Rejection to give up at once, or returns to accept the page.
Check = Callable[[int, Any], None]


def _snippet(body: bytes, limit: int = 120) -> str:
    text = body[:limit].decode("utf-8", errors="replace")
    return " ".join(text.split()) + ("…" if len(body) > limit else "")


def _fetch_once(
    client: httpx.Client, url: str, params: Mapping[str, Any], check: Check, where: str | None
) -> Fetched:
    response = client.get(url, params=params)
    status, body = response.status_code, response.content
    answer = f"HTTP {status} from {response.url}"
    if status == 429:
        retry_after = _parse_retry_after(response.headers.get("retry-after"))
        raise RetryableError(f"{answer}: rate limited", status=status, retry_after=retry_after)
    if status >= 500 or status == 408:
        raise RetryableError(f"{answer}: {_snippet(body)}", status=status)
    content_type = response.headers.get("content-type", "").lower()
    # Gateways answer 200 with an HTML error page: not data, try again.
    if status == 200 and ("text/html" in content_type or body[:64].lstrip()[:1] == b"<"):
        raise RetryableError(
            f"{answer}: an HTML page instead of JSON: {_snippet(body)}", status=status
        )
    try:
        document, numbers = decode_json(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as error:
        if status == 200:  # a body cut short, or garbage: transient
            raise RetryableError(
                f"{answer}: invalid JSON ({error}) in {len(body):,} bytes", status=status
            ) from None
        raise reject("api_error", where, detail=f"{answer}: {_snippet(body)}") from None
    check(status, document)
    if status != 200:  # a 4xx the check did not explain: asking again will not help
        raise reject("api_error", where, detail=f"{answer}: {_snippet(body)}")
    return Fetched(str(response.url), status, body, document, numbers, attempts=1)


def fetch_json(
    client: httpx.Client,
    url: str,
    params: Mapping[str, Any],
    policy: RetryPolicy,
    check: Check,
    *,
    where: str | None = None,
) -> Fetched:
    """GET one page and parse it, retrying under `policy`; a Rejection when it cannot."""

    def before_sleep(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        log.warning(
            "%s: attempt %d of %d failed (%s); again in %.2f s",
            where or url,
            state.attempt_number,
            policy.max_attempts,
            _describe(error),
            wait,
        )

    retrying = Retrying(
        stop=stop_after_attempt(policy.max_attempts),
        wait=_wait_retry_after_or_backoff(policy),
        retry=retry_if_exception(_retryable),
        before_sleep=before_sleep,
        reraise=True,
    )
    attempts = 0

    def attempt() -> Fetched:
        nonlocal attempts
        attempts += 1
        return _fetch_once(client, url, params, check, where)

    try:
        fetched = retrying(attempt)
    except RetryableError as error:
        raise error.rejection(attempts, where) from error
    except (httpx.TransportError, httpx.DecodingError) as error:
        raise reject(
            "api_unavailable", where, attempts=attempts, detail=f"{_describe(error)} ({url})"
        ) from error
    return dataclasses.replace(fetched, attempts=attempts)


def _describe(error: BaseException | None) -> str:
    if isinstance(error, RetryableError):
        return error.detail
    if isinstance(error, httpx.TimeoutException):
        return f"timed out ({type(error).__name__})"
    if error is None:
        return "no answer"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


# --------------------------------------------------------------------------- the pull


@dataclass(frozen=True)
class PageRecord:
    """One archived page: where it came from and where its bytes are kept."""

    page: int
    url: str  # with its query
    sha256: str
    size: int
    status: int
    records: int
    attempts: int


@dataclass
class ApiPull:
    """One dataset pulled completely from an API: its pages (archived) and its records."""

    dataset: str  # "<agency>/<dataset>", as for a landing delivery
    endpoint: str  # the URL without its query
    pages: list[PageRecord]
    records: pa.Table  # text columns exactly as delivered, plus _source_row and _page
    total: int  # what the API announced (and what was received)
    high_water_mark: str | None  # the latest updated_at received, as delivered
    restarts: int  # times paging started again because `total` changed
    retries: int  # requests asked again (every kind of fault), over the whole pull


def archive_page(archive: Archive, page: int, fetched: Fetched, records: int) -> PageRecord:
    """Keep a page's bytes exactly as received, and say where."""
    digest = archive.put(fetched.content)
    return PageRecord(
        page=page,
        url=fetched.url,
        sha256=digest,
        size=len(fetched.content),
        status=fetched.status,
        records=records,
        attempts=fetched.attempts,
    )


def whole_number(document: Mapping[str, Any], key: str, where: str) -> int:
    """A count the API announces (total, pages, limit): a page without one is garbage."""
    value = document.get(key)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise RetryableError(f"{where}: `{key}` is {value!r}, not a whole number")


def check_records(records: Any, where: str) -> list[dict[str, Any]]:
    if not isinstance(records, list) or not set(map(type, records)) <= {dict}:
        raise RetryableError(f"{where}: the records are not a list of JSON objects")
    return records


def page_columns(
    records: list[dict[str, Any]], columns: Sequence[str], *, numbers_inside: bool = True
) -> tuple[dict[str, pa.Array], set[str]]:
    """A page's records as Arrow text columns of the agreed fields (a missing field is
    null), and the names of any fields outside them (the archived page keeps those)."""
    rows = None
    with contextlib.suppress(KeyError):  # a record lacks a field: the slower path below
        rows = list(map(itemgetter(*columns), records))  # one C call per record
    if rows is not None and sum(map(len, records)) == len(columns) * len(records):
        # Every record holds exactly the agreed fields: transpose in C.
        values: list[Sequence[Any]] = list(zip(*rows, strict=True)) or [()] * len(columns)
        extra: set[str] = set()
    else:
        values = [[record.get(name) for record in records] for name in columns]
        extra = set().union(*records).difference(columns)
    arrays = {
        name: text_column(column, numbers_inside=numbers_inside)
        for name, column in zip(columns, values, strict=True)
    }
    return arrays, extra


def page_number_column(page: int, length: int) -> pa.Array:
    return pa.array([str(page)] * length, pa.string())


def latest_instant(values: Iterable[str | None]) -> str | None:
    """The latest timestamp, compared as instants (`Z` and `+07:00` mix); its text as
    delivered. Unreadable timestamps are skipped (staging quarantines them)."""
    best: tuple[datetime, str] | None = None
    unreadable = 0
    for text in set(values):
        if text is None:
            continue
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            unreadable += 1
            continue
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=BANGKOK)
        if best is None or (moment, text) > best:  # the text breaks ties: deterministic
            best = (moment, text)
    if unreadable:
        log.warning("%d distinct updated_at values are not ISO 8601 timestamps", unreadable)
    return best[1] if best else None


@dataclass
class PagingPass:
    """One pass over every page, from the first; stopped early if `total` changed."""

    pages: list[PageRecord]
    tables: list[pa.Table]
    total: int
    retries: int
    total_changed: bool = False

    @property
    def received(self) -> int:
        return sum(table.num_rows for table in self.tables)


def page_with_restarts(
    one_pass: Callable[[], PagingPass], *, max_restarts: int, where: str
) -> tuple[PagingPass, int, int]:
    """Run passes until one sees the same `total` on every page (a record published while
    paging shifts every later page: what was read is no longer a consistent set), at most
    `1 + max_restarts` of them. Returns the complete pass, the restarts and all retries."""
    retries = 0
    for restart in range(max_restarts + 1):
        done = one_pass()
        retries += done.retries
        if not done.total_changed:
            if done.received != done.total:
                raise reject("api_incomplete", where, received=done.received, total=done.total)
            return done, restart, retries
        log.warning(
            "%s: total changed while paging (now %d); starting again from the first page",
            where,
            done.total,
        )
    raise reject(
        "api_incomplete",
        f"{where}: total kept changing over {max_restarts + 1} passes",
        received=done.received,
        total=done.total,
    )
