#!/usr/bin/python3
"""hostile_smtp.py: the world's badly behaved MX hosts, one per address on
port 25 (tests/world/README.md). Each shows a prober something a real
server on the internet can do to it:

  silent   accepts the connection and never sends a byte
  trickle  a 220 greeting one byte every 0.5 s, forever: continuation
           lines ("220-... tarpit") that never reach a final "220 " line,
           so only the prober's overall deadline ends it
  drop     plausible SMTP: 220 banner, EHLO -> 250-STARTTLS, MAIL/RCPT
           before STARTTLS -> 530 5.7.0, STARTTLS -> 220, then it reads
           the TLS ClientHello and closes the connection
  garbage  4 KB of binary bytes with no CR or LF instead of a banner, then
           1 KB more every 0.25 s until the client goes

  hostile_smtp.py --listen KIND@ADDR[:PORT] ... [--pidfile FILE] [--log FILE]

Runs in the foreground (world.sh starts it in the background with setsid).
One asyncio loop serves any number of connections; a connection's error
ends that connection only. Every connection is closed after MAX_LIFETIME
seconds whatever the client does, so a client that never hangs up cannot
pile up sockets. Needs only Debian's python3.
"""
import argparse
import asyncio
import os
import random
import resource
import signal
import sys
import time

MAX_LIFETIME = 600.0      # seconds a connection may live
TRICKLE_INTERVAL = 0.5    # seconds between the tarpit's bytes
GARBAGE_FIRST = 4096      # bytes of garbage at once
GARBAGE_MORE = 1024       # then this many bytes ...
GARBAGE_INTERVAL = 0.25   # ... every this many seconds
LINE_MAX = 4096           # longest command line the drop host reads

LOG = None


def log(msg):
    if LOG is not None:
        try:
            LOG.write("%s %s\n" % (time.strftime("%Y-%m-%dT%H:%M:%S"), msg))
            LOG.flush()
        except OSError:
            pass


async def drain_until_eof(reader):
    """Read and discard what the client sends until it hangs up."""
    while await reader.read(4096):
        pass


async def silent(reader, writer, name):
    await drain_until_eof(reader)


async def trickle(reader, writer, name):
    line = ("220-%s ESMTP tarpit: this greeting never ends\r\n" % name).encode()
    closed = asyncio.ensure_future(drain_until_eof(reader))
    try:
        while not closed.done():
            for b in line:
                writer.write(bytes((b,)))
                await writer.drain()
                await asyncio.sleep(TRICKLE_INTERVAL)
                if closed.done():
                    break
    finally:
        closed.cancel()


def garbage_bytes(n, rng):
    # Any byte but CR and LF: no line ever ends.
    return bytes(b if b not in (10, 13) else 0xff for b in rng.randbytes(n))


async def garbage(reader, writer, name):
    rng = random.Random()
    closed = asyncio.ensure_future(drain_until_eof(reader))
    try:
        writer.write(garbage_bytes(GARBAGE_FIRST, rng))
        await writer.drain()
        while not closed.done():
            await asyncio.sleep(GARBAGE_INTERVAL)
            writer.write(garbage_bytes(GARBAGE_MORE, rng))
            await writer.drain()
    finally:
        closed.cancel()


async def read_line(reader):
    """One command line (without CRLF), or None when the client is gone."""
    try:
        line = await reader.readuntil(b"\n")
    except asyncio.IncompleteReadError:
        return None
    except asyncio.LimitOverrunError:
        return None
    return line.rstrip(b"\r\n")


async def drop(reader, writer, name):
    async def say(text):
        writer.write(text.encode() + b"\r\n")
        await writer.drain()

    await say("220 %s ESMTP" % name)
    while True:
        line = await read_line(reader)
        if line is None:
            return
        verb = line[:10].split(b" ")[0].upper()
        if verb in (b"EHLO",):
            await say("250-%s\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n"
                      "250 8BITMIME" % name)
        elif verb == b"HELO":
            await say("250 %s" % name)
        elif verb in (b"MAIL", b"RCPT", b"DATA"):
            await say("530 5.7.0 Must issue a STARTTLS command first")
        elif verb == b"STARTTLS":
            await say("220 2.0.0 Ready to start TLS")
            # The ClientHello: a TLS record header, then its body; then hang up.
            try:
                head = await reader.readexactly(5)
                size = int.from_bytes(head[3:5], "big")
                await reader.readexactly(min(size, 16384))
            except (asyncio.IncompleteReadError, ValueError):
                pass
            return
        elif verb == b"NOOP" or verb == b"RSET":
            await say("250 2.0.0 Ok")
        elif verb == b"QUIT":
            await say("221 2.0.0 Bye")
            return
        else:
            await say("502 5.5.2 Error: command not recognized")


KINDS = {"silent": silent, "trickle": trickle, "drop": drop, "garbage": garbage}


def handler(kind, name):
    serve = KINDS[kind]

    async def handle(reader, writer):
        peer = writer.get_extra_info("peername")
        log("%s: connection from %s" % (kind, peer))
        try:
            await asyncio.wait_for(serve(reader, writer, name), MAX_LIFETIME)
        except (asyncio.TimeoutError, ConnectionError, OSError):
            pass
        except Exception as e:  # one connection's bug never ends the server
            log("%s: %s: %r" % (kind, peer, e))
        finally:
            try:
                writer.close()
            except Exception:
                pass
    return handle


async def main(args):
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    except (ValueError, OSError):
        pass
    servers = []
    for spec in args.listen:
        kind, _, where = spec.partition("@")
        name, _, where = where.partition("=") if "=" in where else ("", "", where)
        addr, _, port = where.partition(":")
        if kind not in KINDS or not addr:
            sys.exit("hostile_smtp.py: bad --listen %s (want KIND@[NAME=]ADDR[:PORT])" % spec)
        srv = await asyncio.start_server(handler(kind, name or addr), addr, int(port or 25),
                                         reuse_address=True, backlog=1024, limit=LINE_MAX)
        servers.append(srv)
        log("%s listening on %s:%s as %s" % (kind, addr, port or 25, name or addr))
    if args.pidfile:
        with open(args.pidfile + ".tmp", "w") as f:
            f.write("%d\n" % os.getpid())
        os.replace(args.pidfile + ".tmp", args.pidfile)
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    await stop
    for srv in servers:
        srv.close()
    log("stopped")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description="the world's hostile SMTP servers")
    p.add_argument("--listen", action="append", required=True,
                   help="KIND@[NAME=]ADDR[:PORT], KIND one of " + ", ".join(KINDS))
    p.add_argument("--pidfile")
    p.add_argument("--log")
    a = p.parse_args()
    if a.log:
        LOG = open(a.log, "a")
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    asyncio.run(main(a))
