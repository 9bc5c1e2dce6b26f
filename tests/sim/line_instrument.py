#!/usr/bin/python3
"""A polled ASCII instrument for the tests: on a serial port (a socat pty) it
reads requests terminated by a carriage return and answers those it knows
with one line, as scales, gas analysers and level meters on RS-485 do. It
prints "ready" once it listens and "asked <request>" for every request, so
that tests see what reached the line. Requests it does not know get no
answer, like an instrument that is absent from a multi-drop line.

  line_instrument.py PORT --answer '#01RD=!01 +021.50' [--answer ...]

Each answer is sent followed by CR LF. SIGTERM and SIGINT end it with 0."""
import argparse
import os
import signal
import sys
import termios
import tty


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port")
    parser.add_argument("--answer", action="append", default=[], metavar="REQUEST=LINE")
    args = parser.parse_args()
    answers = dict(item.split("=", 1) for item in args.answer)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    fd = os.open(args.port, os.O_RDWR | os.O_NOCTTY)
    tty.setraw(fd)
    termios.tcflush(fd, termios.TCIOFLUSH)
    print("ready", flush=True)
    pending = b""
    while True:
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
