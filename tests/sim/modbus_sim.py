#!/usr/bin/python3
"""A simulated Modbus device for the tests and the demo, built on pymodbus (an
implementation independent of iotgw's). It serves holding and input registers,
coils and discrete inputs at addresses 0-199 on an RTU serial port (a socat pty)
or on TCP, prints "ready" once it serves, and prints one line per write it
receives ("write holding 10 [250]") so that tests can see every write. It
answers as unit 1 (or --unit), or as --units consecutive units that share the
registers; other unit ids get no answer, like an absent slave. SIGINT and SIGTERM end it
cleanly, with exit status 0, and so does its serial port going away (socat
stopped: the cable pulled). A client that disconnects is no error either.

  modbus_sim.py --rtu /tmp/x/device --baud 19200 [--unit 1] [--moving]
  modbus_sim.py --tcp 127.0.0.1:5020 [--unit 1] [--units 1]
  modbus_sim.py --rtu-over-tcp 127.0.0.1:5021

--log-functions: each write is preceded by a line naming its function code
("function 22 at 20"), for tests that must see which function wrote.

--clock-at N: input registers N and N+1 hold the simulator's own wall time, in
whole seconds since the epoch (a uint32, high word first), as each read finds
it: the true time of a reading, for a test that sets the gateway's clock wrong.
"""
import argparse
import asyncio
import logging
import math
import signal
import struct
import sys
import time

from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext, ModbusSlaveContext
from pymodbus.server import StartAsyncSerialServer, StartAsyncTcpServer
from pymodbus.server.async_io import ModbusConnectedRequestHandler, ModbusSingleRequestHandler
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


class FunctionLoggingContext(ModbusSlaveContext):
    """A device context that names the function code of every write."""

    def setValues(self, fc_as_hex, address, values):  # pylint: disable=invalid-name
        print(f"function {fc_as_hex} at {address}", flush=True)
        super().setValues(fc_as_hex, address, values)


class ClockBlock(LoggedBlock):
    """Input registers where `at` and `at + 1` read the wall time now."""

    def __init__(self, kind, values, at):
        super().__init__(kind, values)
        self.at = at

    def getValues(self, address, count=1):  # pylint: disable=invalid-name
        now = int(time.time())
        self.values[self.at:self.at + 2] = [now >> 16, now & 0xFFFF]
        return super().getValues(address, count)


class QuietEnd:
    """For pymodbus's connection handlers: pymodbus logs as an error ("has
    been cancelled") every end of a connection without an error, a client
    that disconnects, a serial port that closes, its own shutdown. Here they
    are the normal ends of a connection."""

    def _log_exception(self):
        """Called by pymodbus for such an end: nothing to say."""


class TcpHandler(QuietEnd, ModbusConnectedRequestHandler):
    """A Modbus TCP client's connection."""


class SerialHandler(QuietEnd, ModbusSingleRequestHandler):
    """The serial port, whose closing ends the device: once the pty is gone
    there is nothing left to serve."""

    def __init__(self, owner, port_closed):
        super().__init__(owner)
        self.port_closed = port_closed

    def connection_lost(self, call_exc):
        super().connection_lost(call_exc)
        self.port_closed.set()


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


def stop_on_signals():
    """An event set by SIGINT (Ctrl-C, in the demo) or SIGTERM (the tests)."""
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    return stop


def ignore_signals():
    """Once stopping, a further SIGINT or SIGTERM (the demo's clean-up after a
    Ctrl-C) changes nothing, and must not reach the event loop as it closes."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().remove_signal_handler(signum)
        signal.signal(signum, signal.SIG_IGN)


async def serve_rtu(context, args, stop):
    server = await StartAsyncSerialServer(
        context=context, framer=ModbusRtuFramer, port=args.rtu, baudrate=args.baud,
        ignore_missing_slaves=True, defer_start=True,
        handler=lambda owner: SerialHandler(owner, stop))
    await server.start()
    return server


async def serve_tcp(context, args):
    host, port = (args.tcp or args.rtu_over_tcp).rsplit(":", 1)
    framer = ModbusSocketFramer if args.tcp else ModbusRtuFramer
    server = await StartAsyncTcpServer(
        context=context, framer=framer, address=(host, int(port)),
        ignore_missing_slaves=True, defer_start=True, allow_reuse_address=True,
        handler=TcpHandler)
    serving = asyncio.ensure_future(server.serve_forever())
    # Listening, or failed to (the port taken): then its error ends the simulator.
    await asyncio.wait([serving, server.serving], return_when=asyncio.FIRST_COMPLETED)
    if serving.done():
        serving.result()
    return server


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--rtu", metavar="PORT")
    where.add_argument("--tcp", metavar="HOST:PORT")
    where.add_argument("--rtu-over-tcp", metavar="HOST:PORT",
                       help="RTU frames over TCP, as a transparent serial server sends them")
    parser.add_argument("--baud", type=int, default=19200)
    parser.add_argument("--unit", type=int, default=1)
    parser.add_argument("--units", type=int, default=1, help="units from --unit on")
    parser.add_argument("--moving", action="store_true")
    parser.add_argument("--clock-at", type=int, metavar="N")
    parser.add_argument("--log-functions", action="store_true")
    args = parser.parse_args()

    blocks = initial_blocks()
    if args.clock_at is not None:
        blocks["ir"] = ClockBlock("input", blocks["ir"].values, args.clock_at)
    # zero_mode: address N is index N (pymodbus otherwise shifts by one).
    slave = (FunctionLoggingContext if args.log_functions else ModbusSlaveContext)(
        zero_mode=True, **blocks)
    units = range(args.unit, args.unit + args.units)
    context = ModbusServerContext(slaves={unit: slave for unit in units}, single=False)
    for block in blocks.values():
        block.logging = True
    if args.moving:
        asyncio.ensure_future(move_values(blocks))

    stop = stop_on_signals()
    server = await serve_rtu(context, args, stop) if args.rtu else await serve_tcp(context, args)
    print("ready", flush=True)
    await stop.wait()
    ignore_signals()
    # Aborting the sessions still open is what a shutdown is for: no warning.
    logging.getLogger("pymodbus").setLevel(logging.ERROR)
    await server.shutdown()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:  # before the loop took SIGINT over
        sys.exit(0)
