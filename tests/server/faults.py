"""Injected faults: what a client sees when authentik, or a proxy in front of it, misbehaves.

A fault is queued for the next `count` /api/v3 requests that match it. Whether
the request still reaches the emulated API (`process`) decides if a retried
write finds its first attempt already applied. Chaos adds random transient
faults to every matching request that no queued fault claims.
"""

import json
import math
import random
import threading

from .latency import check_seconds

# Faults standing for something in front of authentik answering instead default
# to leaving the state alone; those that damage authentik's own answer default
# to processing the request first.
PROCESS_DEFAULT = {"status": False, "reset": False, "html": False, "slow": True, "empty": True, "truncated": True,
                   "hold": True}
OPTIONS = {
    "status": {"status", "retry_after", "process"},
    "reset": {"process"},
    "slow": {"delay", "process"},
    "html": {"process"},
    "empty": {"process"},
    "truncated": {"process"},
    "hold": {"timeout"},
}
HOLD_TIMEOUT = 30
STATUSES = (429, 500, 502, 503, 504)
MATCH_KEYS = {"method", "path_prefix"}
API_PREFIX = "/api/v3"
# Chaos kinds as the queued faults they stand for: (fault, options). "lost" is processed, then the answer is lost.
CHAOS_KINDS = {
    "429": ("status", {"status": 429}),
    "502": ("status", {"status": 502}),
    "503": ("status", {"status": 503}),
    "reset": ("reset", {"process": False}),
    "lost": ("reset", {"process": True}),
}
CHAOS_DEFAULT_KINDS = ("429", "502", "503", "reset", "lost")

_REASONS = {502: "Bad Gateway", 503: "Service Temporarily Unavailable", 504: "Gateway Time-out"}

# Django's default server_error page (DEBUG off): an unhandled exception in a DRF
# view is not an APIException, so Django answers instead of DRF.
DJANGO_500 = (
    "\n<!doctype html>\n<html lang=\"en\">\n<head>\n  <title>Server Error (500)</title>\n</head>\n"
    "<body>\n  <h1>Server Error (500)</h1><p></p>\n</body>\n</html>\n"
)
CAPTIVE_PAGE = (
    "<!DOCTYPE html>\n<html><head><title>Network login required</title></head>\n"
    "<body><h1>Sign in to continue</h1><form method=\"post\" action=\"/login\">"
    "<input name=\"user\"><input name=\"password\" type=\"password\"></form></body></html>\n"
)


class Fault:
    """One queued fault; validated up front so a typo fails the test that made it."""

    def __init__(self, fault, count=1, match=None, **options):
        if fault not in OPTIONS:
            raise ValueError(f"unknown fault {fault!r}; expected one of {sorted(OPTIONS)}")
        unknown = set(options) - OPTIONS[fault]
        if unknown:
            raise ValueError(f"fault {fault!r} takes no option(s) {sorted(unknown)}")
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise ValueError(f"count must be a positive integer, got {count!r}")
        self.name = fault
        self.remaining = count
        self.match = _check_match(match)
        self.process = bool(options.get("process", PROCESS_DEFAULT[fault]))
        self.status = _check_status(options.get("status")) if fault == "status" else None
        self.retry_after = _check_seconds("retry_after", options.get("retry_after"), required=False)
        self.delay = _check_seconds("delay", options.get("delay"), required=fault == "slow")
        self.timeout = _check_seconds("timeout", options.get("timeout"), required=False)
        # A hold lets its `count` requests through together, once the last of them has arrived, so a test can
        # make concurrent clients interleave the same way however unevenly they start.
        self.barrier = threading.Barrier(count) if fault == "hold" else None
        self.chaos = False  # drawn by Chaos rather than queued

    def matches(self, method, path):
        return _matches(self.match, method, path)

    def hold(self):
        """Wait for the other requests of a hold; False when they did not all come within the timeout."""
        try:
            self.barrier.wait(HOLD_TIMEOUT if self.timeout is None else self.timeout)
        except threading.BrokenBarrierError:
            return False
        return True

    def describe(self):
        described = {"fault": self.name, "count": self.remaining, "match": dict(self.match),
                     "process": self.process}
        for key in ("status", "retry_after", "delay", "timeout"):
            if getattr(self, key) is not None:
                described[key] = getattr(self, key)
        return described


def _matches(match, method, path):
    wanted_method = match.get("method")
    if wanted_method and wanted_method.upper() != method.upper():
        return False
    return path.startswith(match.get("path_prefix", ""))


def _check_match(match):
    match = dict(match or {})
    unknown = set(match) - MATCH_KEYS
    if unknown:
        raise ValueError(f"match takes only {sorted(MATCH_KEYS)}, not {sorted(unknown)}")
    prefix = match.get("path_prefix")
    # Prefixes may be given relative to /api/v3, as the API documentation writes paths.
    if prefix and not prefix.startswith(API_PREFIX):
        match["path_prefix"] = API_PREFIX + prefix
    return match


def _check_status(status):
    if status not in STATUSES:
        raise ValueError(f"status fault needs status in {STATUSES}, got {status!r}")
    return status


def _check_seconds(name, value, required):
    if value is None:
        if required:
            raise ValueError(f"{name} is required")
        return None
    return check_seconds(name, value)


class Chaos:
    """Random transient faults: each matching request fails with probability `rate`, of a kind drawn from `kinds`.

    One generator seeded with `seed` makes both draws under a lock, so a run is repeatable given the seed and the
    order the requests arrive in; requests that do not match draw nothing. seed None means unseeded."""

    def __init__(self, rate=0.05, seed=1234, kinds=CHAOS_DEFAULT_KINDS, retry_after=1, match=None):
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
            raise ValueError(f"rate must be a number from 0 to 1, got {rate!r}")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(f"seed must be an integer, got {seed!r}")
        self.rate = rate
        self.seed = seed
        self.kinds = _check_kinds(kinds)
        self.retry_after = _check_seconds("retry_after", retry_after, required=False)
        self.match = _check_match(match)
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def draw(self, method, path):
        """A fresh Fault (chaos=True) for this request, or None."""
        if not _matches(self.match, method, path):
            return None
        with self._lock:
            if self._random.random() >= self.rate:
                return None
            kind = self._random.choice(self.kinds)
        name, options = CHAOS_KINDS[kind]
        if kind == "429":
            options = {**options, "retry_after": self.retry_after}
        fault = Fault(name, **options)
        fault.chaos = True
        return fault

    def describe(self):
        return {"rate": self.rate, "seed": self.seed, "kinds": list(self.kinds), "retry_after": self.retry_after,
                "match": dict(self.match)}


def _kind_name(kind):
    """429 stands for "429" (a bool is no status); names are trimmed; anything else is left for the check."""
    if isinstance(kind, int) and not isinstance(kind, bool):
        return str(kind)
    return kind.strip() if isinstance(kind, str) else kind


def _check_kinds(kinds):
    """A list of CHAOS_KINDS names; a comma list is accepted too (command line), and 429 stands for "429"."""
    if isinstance(kinds, str):
        kinds = kinds.split(",")
    if not isinstance(kinds, (list, tuple)):
        raise ValueError(f"kinds must be a list of {sorted(CHAOS_KINDS)}, got {kinds!r}")
    names = [_kind_name(kind) for kind in kinds]
    if not names or not all(isinstance(k, str) and k in CHAOS_KINDS for k in names):
        raise ValueError(f"kinds must be a non-empty list of {sorted(CHAOS_KINDS)}, got {kinds!r}")
    return names


class FaultQueue:
    """Faults in the order they were injected; the first matching one fires, else chaos (when set) may."""

    def __init__(self):
        self._lock = threading.Lock()
        self._faults = []
        self.chaos = None

    def add(self, fault):
        with self._lock:
            self._faults.append(fault)

    def clear(self):
        """Drop the queued faults and stop chaos."""
        with self._lock:
            self._faults.clear()
            self.chaos = None

    def pending(self):
        with self._lock:
            return [f.describe() for f in self._faults]

    def take(self, method, path):
        """Consume one use of the first fault matching this request, else draw from chaos; None for no fault."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._faults.remove(fault)
                    return fault
            chaos = self.chaos
        return chaos.draw(method, path) if chaos is not None else None


# ------------------------------------------------------------------ responses

def status_response(fault):
    """(status, headers, payload) for a `status` fault, shaped like the real sender's."""
    headers = {}
    if fault.retry_after is not None:
        headers["Retry-After"] = str(math.ceil(fault.retry_after))
    if fault.status == 429:
        return 429, {**headers, "Content-Type": "application/json"}, _throttled(fault.retry_after)
    if fault.status == 500:
        return 500, {**headers, "Content-Type": "text/html; charset=utf-8"}, DJANGO_500.encode()
    return fault.status, {**headers, "Content-Type": "text/html"}, nginx_page(fault.status).encode()


def _throttled(wait):
    """DRF's Throttled detail; the wait is rounded up as DRF does."""
    detail = "Request was throttled."
    if wait is not None:
        seconds = math.ceil(wait)
        detail += f" Expected available in {seconds} second{'' if seconds == 1 else 's'}."
    return json.dumps({"detail": detail}).encode()


def nginx_page(status):
    """The error page nginx serves when the upstream (authentik) fails."""
    title = f"{status} {_REASONS[status]}"
    return (f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
            f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")


def html_response():
    return 200, {"Content-Type": "text/html; charset=utf-8"}, CAPTIVE_PAGE.encode()


def empty_response():
    return 200, {"Content-Type": "application/json"}, b""


def truncated_response(payload):
    """Half of the real JSON, with a Content-Length that matches what is sent."""
    return 200, {"Content-Type": "application/json"}, payload[: len(payload) // 2]
