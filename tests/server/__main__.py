"""Run the authentik stand-in in the foreground.

    python -m tests.server --host 127.0.0.1 --port 0 --token TOKEN --url-file PATH \
        [--pid-file PATH] [--version 2026.2] [--page-size-default N] [--page-size-max N] \
        [--tls-cert PATH --tls-key PATH] [--validate] \
        [--latency] [--latency-request-ms MS] [--latency-object-ms MS] [--latency-write-ms MS] \
        [--concurrency N] \
        [--fault-rate RATE [--fault-seed N] [--fault-kinds 429,502,503,reset,lost] [--fault-retry-after S]]

The base URL is written to --url-file only once the socket is listening, so a
caller can poll for that file; both files are removed again on exit. SIGTERM
and SIGINT stop the server cleanly. Faults are injected over HTTP with
POST /_test/faults (see AuthentikServer.inject).

--latency answers as slowly as a real authentik across a network (20 ms a
request, 1.5 ms an object in a list page, 30 ms more for a write); any
--latency-*-ms option does too, with its own figure in place of the default.
--concurrency (default 8, with a latency profile only) bounds how many requests
are served at once. --fault-rate starts chaos: each API request fails at that
rate with a random transient fault (see AuthentikServer.chaos); POST
/_test/reset or DELETE /_test/chaos stops it.

Without --validate the server never imports the authentik-client models (nor
pydantic), which keeps start-up well under two seconds; with it, every request
and response is checked against them and the results land in the request log
(GET /_test/requests: unknown_fields, schema_errors).
"""

import argparse
import os
import signal
import ssl
import sys
import threading

from .authentik_server import FROM_VERSION, AuthentikServer
from .faults import CHAOS_DEFAULT_KINDS, Chaos
from .latency import DEFAULT_CONCURRENCY, Latency, check_concurrency
from .versions import DEFAULT as DEFAULT_VERSION

LATENCY_MS = {"latency_request_ms": "per_request", "latency_object_ms": "per_object", "latency_write_ms": "per_write"}
# Flag name -> AuthentikServer.chaos argument; these flags take effect only with --fault-rate.
CHAOS_FLAGS = {"fault_seed": "seed", "fault_kinds": "kinds", "fault_retry_after": "retry_after"}


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m tests.server", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--token", required=True, help="API token accepted as 'Bearer <token>'")
    parser.add_argument("--url-file", help="write the base URL here once listening")
    parser.add_argument("--pid-file", help="write this process id here")
    parser.add_argument("--version", default=DEFAULT_VERSION,
                        help="authentik release to emulate, YYYY.M (default %(default)s)")
    parser.add_argument("--page-size-default", type=int, help="default: as the emulated release")
    parser.add_argument("--page-size-max", type=int,
                        help="0 means no cap; default: as the emulated release (no cap before 2025.12)")
    parser.add_argument("--tls-cert", help="serve HTTPS with this PEM certificate (chain)")
    parser.add_argument("--tls-key", help="private key for --tls-cert")
    parser.add_argument("--validate", action="store_true",
                        help="check traffic against the authentik-client models (slow to load; default off)")
    parser.add_argument("--latency", action="store_true", help="answer with a real server's latency (defaults)")
    parser.add_argument("--latency-request-ms", type=float, help="latency per request (implies --latency)")
    parser.add_argument("--latency-object-ms", type=float, help="latency per object in a list page")
    parser.add_argument("--latency-write-ms", type=float, help="latency per POST, PUT, PATCH or DELETE")
    parser.add_argument("--concurrency", type=int, help=f"requests served at once with a latency profile "
                                                        f"(default {DEFAULT_CONCURRENCY})")
    parser.add_argument("--fault-rate", type=float, help="chaos: fail requests at this rate (0 to 1)")
    parser.add_argument("--fault-seed", type=int, help="chaos: random seed (default 1234)")
    parser.add_argument("--fault-kinds", help=f"chaos: comma list (default {','.join(CHAOS_DEFAULT_KINDS)})")
    parser.add_argument("--fault-retry-after", type=float, help="chaos: Retry-After of a 429 (default 1)")
    args = parser.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    try:
        args.profile = latency(args)
        if args.concurrency is not None:
            check_concurrency(args.concurrency)
            if args.profile is None:
                parser.error("--concurrency needs a latency profile (--latency or --latency-*-ms)")
        args.chaos = chaos(args)
        if args.chaos is None and any(getattr(args, flag) is not None for flag in CHAOS_FLAGS):
            parser.error("--fault-seed, --fault-kinds and --fault-retry-after need --fault-rate")
    except ValueError as exc:
        parser.error(str(exc))
    return args


def latency(args):
    """The Latency the flags ask for, or None."""
    given = {field: getattr(args, flag) / 1000 for flag, field in LATENCY_MS.items() if getattr(args, flag) is not None}
    return Latency(**given) if args.latency or given else None


def chaos(args):
    """AuthentikServer.chaos's keyword arguments from the flags (checked here), or None without --fault-rate."""
    if args.fault_rate is None:
        return None
    options = {"rate": args.fault_rate}
    options.update((name, getattr(args, flag)) for flag, name in CHAOS_FLAGS.items() if getattr(args, flag) is not None)
    Chaos(**options)
    return options


def tls_context(cert, key):
    if not cert:
        return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


def page_size_max(value):
    if value is None:
        return FROM_VERSION
    return value or None


def write_atomically(path, text):
    """Readers polling for the file never see it half-written."""
    temporary = f"{path}.tmp{os.getpid()}"
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text + "\n")
    os.replace(temporary, path)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    server = AuthentikServer(
        token=args.token,
        page_size_default=args.page_size_default,
        page_size_max=page_size_max(args.page_size_max),
        host=args.host,
        port=args.port,
        version=args.version,
        ssl_context=tls_context(args.tls_cert, args.tls_key),
        validate=args.validate,
        latency=args.profile,
        concurrency=DEFAULT_CONCURRENCY if args.concurrency is None else args.concurrency,
    )
    if args.chaos:
        server.chaos(**args.chaos)

    # shutdown() blocks until serve_forever returns, so it must run off the main thread.
    def stop(*signal_args):
        threading.Thread(target=server.stop, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if args.pid_file:
        write_atomically(args.pid_file, str(os.getpid()))
    if args.url_file:
        write_atomically(args.url_file, server.url)
    try:
        server.serve_forever()
    finally:
        for path in (args.url_file, args.pid_file):
            if path and os.path.exists(path):
                os.remove(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
