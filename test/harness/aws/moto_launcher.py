"""Starts moto in server mode for one test file, on 127.0.0.1 only, and makes sure it goes away.

Started by test/harness/aws/moto.ts with the .venv's python. Protocol:
  * stdout: exactly one JSON line once the server is bound: {"ready": true, "port": 12345, "pid": 678}
  * stdin: kept open by the parent; EOF (the parent exited or crashed) stops the server.
  * hard maximum lifetime (--max-lifetime seconds, default 1800): the server stops even if the
    parent is still alive, so a wedged test run can never leave a moto behind.
  * SIGTERM / SIGINT / SIGHUP stop it as well.
"""

import argparse
import json
import logging
import os
import signal
import sys
import threading


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--max-lifetime", type=float, default=1800.0, help="seconds")
    args = parser.parse_args()

    # Request logging would fill a pipe nobody reads; keep warnings and errors only.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=args.port, verbose=False)
    server.start()
    _, port = server.get_host_and_port()

    stopping = threading.Lock()

    def stop(reason: str) -> None:
        if not stopping.acquire(blocking=False):
            return
        print(f"moto_launcher: stopping ({reason})", file=sys.stderr, flush=True)
        # os._exit, not sys.exit: never wait for a graceful shutdown (a request stuck in a handler, the stdin
        # reader thread holding its buffer lock) - the process just ends, with status 0.
        os._exit(0)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda signum, _frame: stop(f"signal {signum}"))

    timer = threading.Timer(args.max_lifetime, stop, args=("maximum lifetime reached",))
    timer.daemon = True
    timer.start()

    sys.stdout.write(json.dumps({"ready": True, "port": port, "pid": os.getpid()}) + "\n")
    sys.stdout.flush()

    def watch_stdin() -> None:
        try:
            while sys.stdin.buffer.read(65536):
                pass
        except Exception:  # noqa: BLE001 - any failure to read means the parent is gone
            pass
        stop("stdin closed")

    watcher = threading.Thread(target=watch_stdin, daemon=True)
    watcher.start()
    # The main thread only waits (with a timeout, so that signal handlers run promptly); it never returns on
    # its own, since interpreter shutdown with the stdin reader still running would abort.
    forever = threading.Event()
    while True:
        forever.wait(1.0)


if __name__ == "__main__":
    main()
