#!/usr/bin/python3
"""A Modbus RTU device that misbehaves on purpose, written from the spec with
a CRC of the tests' own (tests/support/iotgw_rig.py), not iotgw's: it answers
read holding registers (function 3) of unit 1 with the values 100, 101, ...
but spoils every answer as --mode says:

  badcrc   the right frame with its CRC inverted
  garbage  noise bytes first, then a silence, then the right frame
  noise    only noise, never a frame

It prints "ready" once the port is open and "request <hex>" for each request.
  faulty_rtu_device.py --port /tmp/x/device --mode badcrc
"""
import argparse
import os
import pathlib
import struct
import sys
import time

import serial

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "support"))
import iotgw_rig as rig  # noqa: E402  pylint: disable=wrong-import-position


def answer(request):
    unit, function, address, quantity = struct.unpack(">BBHH", request[:6])
    values = [100 + address + i for i in range(quantity)]
    return rig.with_modbus_crc(struct.pack(">BBB", unit, function, 2 * quantity) +
                               b"".join(struct.pack(">H", v) for v in values))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", required=True)
    parser.add_argument("--mode", choices=["badcrc", "garbage", "noise"], required=True)
    args = parser.parse_args()
    line = serial.Serial(args.port, 19200, timeout=0.05)
    print("ready", flush=True)
    buffer = b""
    while True:
        buffer += line.read(256)
        if len(buffer) < 8:
            continue
        request, buffer = buffer[:8], buffer[8:]
        print(f"request {request.hex()}", flush=True)
        if rig.with_modbus_crc(request[:6]) != request or request[1] != 3:
            buffer = b""
            continue
        frame = answer(request)
        if args.mode == "badcrc":
            line.write(frame[:-2] + bytes(b ^ 0xFF for b in frame[-2:]))
        elif args.mode == "garbage":
            line.write(os.urandom(7))
            line.flush()
            time.sleep(0.01)
            line.write(frame)
        else:
            line.write(os.urandom(len(frame)))


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
