#!/usr/bin/python3
"""A polled ASCII instrument for the tests: on a serial port (a socat pty) it
reads requests terminated by a carriage return and answers those it knows
with one line, as scales, gas analysers and level meters on RS-485 do. It
prints "ready" once it listens and "asked <request>" for every request, so
that tests see what reached the line. Requests it does not know get no
answer, like an instrument that is absent from a multi-drop line. With
--every, it also sends a line of its own at an interval, as a sensor that is
only listened to does on the same line.

  line_instrument.py PORT --answer '#01RD=!01 +021.50' [--answer ...]
                          [--every 'SECONDS=LINE']

Each answer is sent followed by CR LF. SIGTERM and SIGINT end it with 0."""
import argparse
import os
import select
import signal
import sys
import termios
import time
import tty


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port")
    parser.add_argument("--answer", action="append", default=[], metavar="REQUEST=LINE")
    parser.add_argument("--every", metavar="SECONDS=LINE")
    args = parser.parse_args()
    answers = dict(item.split("=", 1) for item in args.answer)
    interval, own_line = (float(args.every.split("=", 1)[0]), args.every.split("=", 1)[1]) \
        if args.every else (None, None)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    fd = os.open(args.port, os.O_RDWR | os.O_NOCTTY)
    tty.setraw(fd)
    termios.tcflush(fd, termios.TCIOFLUSH)
    print("ready", flush=True)
    pending = b""
    due = time.monotonic() + interval if interval else None
    while True:
        wait = max(0.0, due - time.monotonic()) if due else None
        if not select.select([fd], [], [], wait)[0]:
            os.write(fd, own_line.encode() + b"\r\n")
            due += interval
            continue
        chunk = os.read(fd, 256)
        if not chunk:
            return
        pending += chunk
        while b"\r" in pending:
            request, pending = pending.split(b"\r", 1)
            text = request.decode(errors="replace")
            print(f"asked {text}", flush=True)
            if text in answers:
                os.write(fd, answers[text].encode() + b"\r\n")


if __name__ == "__main__":
    main()
