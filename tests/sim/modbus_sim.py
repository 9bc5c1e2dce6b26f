#!/usr/bin/python3
"""A simulated Modbus device for the tests and the demo, built on pymodbus (an
implementation independent of iotgw's). It serves holding and input registers,
coils and discrete inputs at addresses 0-199 on an RTU serial port (a socat pty)
or on TCP, prints "ready" once it serves, and prints one line per write it
receives ("write holding 10 [250]") so that tests can see every write. Other
unit ids get no answer, like an absent slave.

  modbus_sim.py --rtu /tmp/x/device --baud 19200 [--unit 1] [--moving]
  modbus_sim.py --tcp 127.0.0.1:5020 [--unit 1]
  modbus_sim.py --rtu-over-tcp 127.0.0.1:5021
"""
import argparse
import asyncio
import math
import struct
import sys
import time

from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext, ModbusSlaveContext
from pymodbus.server import StartAsyncSerialServer, StartAsyncTcpServer
from pymodbus.transaction import ModbusRtuFramer, ModbusSocketFramer

SIZE = 200


class LoggedBlock(ModbusSequentialDataBlock):
    """A data block that reports every write from a client on stdout."""

    def __init__(self, kind, values):
        super().__init__(0, values)
        self.kind = kind
        self.logging = False

    def setValues(self, address, values):  # pylint: disable=invalid-name
        if self.logging:
            listed = values if isinstance(values, list) else [values]
            print(f"write {self.kind} {address} {[int(v) for v in listed]}", flush=True)
        super().setValues(address, values)


def float32_words(value):
    """An IEEE 754 float as two registers, high word first (ABCD)."""
    high, low = struct.unpack(">HH", struct.pack(">f", value))
    return [high, low]


def initial_blocks():
    """Registers with recognisable values: holding 0-1 a float32 (21.5), holding
    2 the int16 -123, input 0 the uint16 1234, coil 0 on, discrete 1 on."""
    holding = [0] * SIZE
    holding[0:2] = float32_words(21.5)
    holding[2] = (-123) & 0xFFFF
    inputs = [0] * SIZE
    inputs[0] = 1234
    coils = [False] * SIZE
    coils[0] = True
    discrete = [False] * SIZE
    discrete[1] = True
    return {
        "hr": LoggedBlock("holding", holding),
        "ir": LoggedBlock("input", inputs),
        "co": LoggedBlock("coil", coils),
        "di": LoggedBlock("discrete", discrete),
    }


async def move_values(blocks):
    """Makes the demo's values drift like a real boiler's."""
    while True:
        t = time.monotonic()
        blocks["hr"].logging = False
        blocks["ir"].logging = False
        blocks["hr"].setValues(0, float32_words(round(60 + 5 * math.sin(t / 20), 2)))
        blocks["ir"].setValues(0, int(150 + 20 * math.sin(t / 7)))
        blocks["hr"].logging = True
        blocks["ir"].logging = True
        await asyncio.sleep(1)


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--rtu", metavar="PORT")
    where.add_argument("--tcp", metavar="HOST:PORT")
    where.add_argument("--rtu-over-tcp", metavar="HOST:PORT",
                       help="RTU frames over TCP, as a transparent serial server sends them")
    parser.add_argument("--baud", type=int, default=19200)
    parser.add_argument("--unit", type=int, default=1)
    parser.add_argument("--moving", action="store_true")
    args = parser.parse_args()

    blocks = initial_blocks()
    # zero_mode: address N is index N (pymodbus otherwise shifts by one).
    slave = ModbusSlaveContext(zero_mode=True, **blocks)
    context = ModbusServerContext(slaves={args.unit: slave}, single=False)
    for block in blocks.values():
        block.logging = True
    if args.moving:
        asyncio.ensure_future(move_values(blocks))

    if args.rtu:
        server = await StartAsyncSerialServer(
            context=context, framer=ModbusRtuFramer, port=args.rtu, baudrate=args.baud,
            ignore_missing_slaves=True, defer_start=True)
        await server.start()
    else:
        host, port = (args.tcp or args.rtu_over_tcp).rsplit(":", 1)
        framer = ModbusSocketFramer if args.tcp else ModbusRtuFramer
        server = await StartAsyncTcpServer(
            context=context, framer=framer, address=(host, int(port)),
            ignore_missing_slaves=True, defer_start=True, allow_reuse_address=True)
        asyncio.ensure_future(server.serve_forever())
        while server.server is None:
            await asyncio.sleep(0.01)
    print("ready", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
