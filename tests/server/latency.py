"""A latency profile: the time a real authentik across a network takes to answer, for benchmarks.

The server sleeps the profile's delay before it answers, outside the store lock, so concurrent requests overlap as
on a real server; how many it serves at once is bounded like a real deployment's worker pool.
"""

import threading
from dataclasses import dataclass

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# authentik's web server runs gunicorn with web.workers=2 and web.threads=4 by default (lifecycle/gunicorn.conf.py:
# CONFIG.get_int("web.workers", 2), CONFIG.get_int("web.threads", 4)), so 8 requests at once. Recent releases use
# an ASGI (uvicorn) worker class there; that these still answer 8 requests at once is not verified.
DEFAULT_CONCURRENCY = 8


def check_seconds(name, value):
    """`value`, when it is a number of seconds that the server can wait: from 0 to threading.TIMEOUT_MAX.

    NaN would make a wait last for ever, and longer waits overflow in the handler thread; both are refused."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= threading.TIMEOUT_MAX:
        raise ValueError(f"{name} must be a number of seconds from 0 to {threading.TIMEOUT_MAX:.0f}, got {value!r}")
    return value


@dataclass(frozen=True)
class Latency:
    """Seconds per request, per object in a list page's results, and per write (POST, PUT, PATCH, DELETE).

    The defaults put a page of 100 users at 20 + 100 x 1.5 = 170 ms, inside the 100-300 ms a real server takes
    for a page of 100 users with their groups; a write answers in 50 ms."""

    per_request: float = 0.020
    per_object: float = 0.0015
    per_write: float = 0.030

    def __post_init__(self):
        for name in ("per_request", "per_object", "per_write"):
            value = getattr(self, name)
            check_seconds(name, value)

    @classmethod
    def default(cls):
        return cls()

    def delay(self, objects=0, write=False):
        """Seconds to answer a request that listed `objects` results and, when `write`, changed something.

        Rounded to microseconds so the logged value reads as the sum it is."""
        return round(self.per_request + self.per_object * objects + (self.per_write if write else 0.0), 6)


DEFAULT_LATENCY = Latency()


def check_concurrency(value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"concurrency must be a positive integer, got {value!r}")
    return value


def result_count(body):
    """How many objects a list page answered with: len(results) of a paginated body, else 0."""
    results = body.get("results") if isinstance(body, dict) else None
    return len(results) if isinstance(results, list) else 0
