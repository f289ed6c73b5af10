"""Run the authentik stand-in in the foreground.

    python -m tests.server --host 127.0.0.1 --port 0 --token TOKEN --url-file PATH \
        [--pid-file PATH] [--version 2026.2] [--page-size-default N] [--page-size-max N] \
        [--tls-cert PATH --tls-key PATH] [--validate]

The base URL is written to --url-file only once the socket is listening, so a
caller can poll for that file; both files are removed again on exit. SIGTERM
and SIGINT stop the server cleanly. Faults are injected over HTTP with
POST /_test/faults (see AuthentikServer.inject).

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
from .versions import DEFAULT as DEFAULT_VERSION


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
    args = parser.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    return args


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
    )

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
