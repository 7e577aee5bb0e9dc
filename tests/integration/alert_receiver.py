#!/usr/bin/python3
"""alert_receiver.py: the webhook end of tiaki's alert tests.

An HTTP server on one loopback address that takes POSTs (any path) and
appends each request body as one line to a file, then answers with a
chosen status code. Tests count the lines and parse each as the JSON
alert tiaki sent.

  alert_receiver.py --out FILE [--addr 127.77.0.81] [--port 8080]
                    [--status 200] [--fail-first N] [--pidfile FILE]
                    [--log FILE] [--daemon]

  --out FILE       bodies, one a line, appended (created if missing). A
                   body holding CR or LF (tiaki's compact JSON never does)
                   has them written as the two characters \\r and \\n, so
                   one request is always one line.
  --status CODE    the answer to every POST (default 200); 500 makes
                   tiaki record a failed attempt and retry.
  --fail-first N   answer 500 to the first N POSTs, then --status.
  --log FILE       one line per request: time, client, method, path,
                   Content-Type, body length, status answered (default:
                   stderr; with --daemon nothing unless given).
  --pidfile FILE   written once the socket listens (so a test that waits
                   for it never races the bind), removed on exit.
  --daemon         detach: the socket is bound first, then the process
                   forks, the child starts a session of its own with its
                   standard streams on /dev/null and serves, and the
                   parent writes the child's pid to --pidfile and exits
                   0 (1 if the bind failed). Without it the server runs
                   in the foreground; run it with & for the background.

GET (any path) answers 200 "tiaki alert receiver" for a liveness check.
SIGTERM and SIGINT stop it cleanly (the pidfile is removed).

Limits: a body of at most MAX_BODY bytes (more gets 413 and is not
recorded); a Content-Length is required (411 without); a client gets
CLIENT_TIMEOUT seconds per request. Needs only Debian's python3.
Never binds anything but --addr.
"""
import argparse
import http.server
import os
import signal
import sys
import time

MAX_BODY = 1024 * 1024  # bytes of one POST body
CLIENT_TIMEOUT = 10.0  # seconds a client may take for one request


class Receiver(http.server.HTTPServer):
    """The server and what every request needs to know."""

    allow_reuse_address = True

    def __init__(self, addr, port, opts, log):
        super().__init__((addr, port), Handler)
        self.opts = opts
        self.log = log
        self.posts = 0


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "alert_receiver/1"
    sys_version = ""
    timeout = CLIENT_TIMEOUT

    def answer(self, code, text):
        body = (text + "\n").encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def record(self, status, length):
        srv = self.server
        if srv.log is None:
            return
        srv.log.write("%s %s %s %s %s %s %d\n" % (
            time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), self.client_address[0],
            self.command, self.path.replace(" ", "%20"),
            (self.headers.get("Content-Type") or "-").replace(" ", ""), length, status))
        srv.log.flush()

    def do_GET(self):
        self.answer(200, "tiaki alert receiver")
        self.record(200, 0)

    def do_POST(self):
        srv = self.server
        raw = self.headers.get("Content-Length")
        if raw is None or not raw.strip().isdigit():
            self.answer(411, "a Content-Length is required")
            self.record(411, -1)
            return
        length = int(raw)
        if length > MAX_BODY:
            self.answer(413, "body too large")
            self.record(413, length)
            return
        body = self.rfile.read(length)
        if len(body) != length:
            self.record(400, len(body))  # the client went away
            return
        line = body.replace(b"\r", b"\\r").replace(b"\n", b"\\n") + b"\n"
        # One write on an O_APPEND descriptor: lines never interleave.
        fd = os.open(srv.opts.out, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
        srv.posts += 1
        status = 500 if srv.posts <= srv.opts.fail_first else srv.opts.status
        self.answer(status, "recorded" if status < 300 else "error")
        self.record(status, length)

    def log_message(self, fmt, *args):
        pass  # record() logs, in one line per request


def parse_args(argv):
    p = argparse.ArgumentParser(description="Webhook receiver for tiaki's alert tests.")
    p.add_argument("--addr", default="127.77.0.81")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--out", required=True)
    p.add_argument("--status", type=int, default=200)
    p.add_argument("--fail-first", type=int, default=0)
    p.add_argument("--pidfile")
    p.add_argument("--log")
    p.add_argument("--daemon", action="store_true")
    opts = p.parse_args(argv)
    if not 100 <= opts.status <= 599:
        p.error("--status must be an HTTP status code (100-599)")
    opts.out = os.path.abspath(opts.out)
    if opts.pidfile:
        opts.pidfile = os.path.abspath(opts.pidfile)
    return opts


def write_pidfile(path, pid):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % pid)
    os.replace(tmp, path)  # never seen half-written


def serve(srv, opts):
    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        srv.serve_forever(poll_interval=0.2)
    finally:
        srv.server_close()
        if opts.pidfile:
            try:
                with open(opts.pidfile) as f:
                    mine = f.read().strip() == str(os.getpid())
                if mine:
                    os.unlink(opts.pidfile)
            except OSError:
                pass


def detach(srv, opts):
    """Fork after the bind; the parent reports the child and leaves."""
    pid = os.fork()
    if pid > 0:
        if opts.pidfile:
            write_pidfile(opts.pidfile, pid)
        os._exit(0)
    os.setsid()
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
    os.chdir("/")
    # The parent writes the pidfile; make sure it is there before any
    # exit of ours tries to remove it.
    if opts.pidfile:
        for _ in range(50):
            if os.path.exists(opts.pidfile):
                break
            time.sleep(0.02)


def main(argv):
    opts = parse_args(argv)
    log = None
    if opts.log:
        log = open(opts.log, "a")
    elif not opts.daemon:
        log = sys.stderr
    try:
        srv = Receiver(opts.addr, opts.port, opts, log)
    except OSError as e:
        print("alert_receiver.py: cannot listen on %s:%d: %s" % (opts.addr, opts.port, e),
              file=sys.stderr)
        return 1
    if opts.daemon:
        detach(srv, opts)
    elif opts.pidfile:
        write_pidfile(opts.pidfile, os.getpid())
    serve(srv, opts)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
