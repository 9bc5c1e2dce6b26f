#!/usr/bin/python3
"""Bit writes with the real binary against two Modbus TCP servers, pymodbus
(tests/sim/modbus_sim.py) and libmodbus (tests/sim/libmodbus_peer.c, at
$IOTGW_LIBMODBUS_PEER): a writable bool point that is one bit of a holding
register is written with Mask Write Register (function 22) by default, or by
a read and a write of the register (function 6) with bit_write =
"read_modify_write"; either way the other 15 bits of the register stay as
they were, and the register's own point reads the result. The libmodbus peer
also prints the reads it answers, so there the read of a read-modify-write is
seen right before its write, nothing between them."""
import json
import os
import pathlib
import re
import subprocess
import sys
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "support"))
import iotgw_rig as rig  # noqa: E402  pylint: disable=wrong-import-position

ADDRESS = 20
PATTERN = 0xA5A5  # the register's other bits, which no bit write may change
POINTS = [
    rig.point("flags", ADDRESS),  # the whole register, read only
    rig.point("alarm", ADDRESS, type="bool", bit=1, writable=True),
    rig.point("pump", ADDRESS, type="bool", bit=14, writable=True, bit_write="read_modify_write"),
]
CMD = "iotgw/bits/cmd/plc"
LIBMODBUS_PEER = os.environ.get("IOTGW_LIBMODBUS_PEER")


class BitWriteCases:
    """The cases, against the device that the TestCase mixed with this starts
    in start_device (holding register ADDRESS = PATTERN, its port returned);
    writes() is what the device saw written."""

    def start_device(self):
        raise NotImplementedError

    def writes(self):
        """The writes of holding ADDRESS the device has answered since it
        started (the pattern's own excluded): (function, value) each."""
        raise NotImplementedError

    def check_read_before_write(self):
        """Fails unless each function 6 came right after its function 3 on
        the wire, where the device shows its reads."""

    def setUp(self):
        folder = rig.temporary_folder(self.addCleanup)
        self.broker = rig.Broker(folder).start()
        self.addCleanup(self.broker.stop)
        port = self.start_device()
        self.watcher = rig.Watcher(self.broker.port, "iotgw/bits/#")
        self.addCleanup(self.watcher.stop)
        self.gateway = rig.Gateway(folder, rig.gateway_config(
            "bits", folder / "state", rig.mqtt(self.broker.port), rig.modbus_tcp("plant", port),
            {"name": "plc", "poll_interval": "200ms"}, POINTS))
        self.addCleanup(self.gateway.kill)
        self.gateway.start()
        self.gateway.wait_ready()
        # The command subscription goes out ahead of the birth message.
        self.watcher.wait_payload("iotgw/bits/status", b"online", what="online")
        self.sender = rig.Publisher(self.broker.port, "operator")
        self.addCleanup(self.sender.stop)

    def set(self, point, value):
        """Sets the point through the command topic; the result."""
        self.sender.publish(f"{CMD}/{point}/set", json.dumps({"value": value, "id": point}))
        topic = f"{CMD}/{point}/result"
        rig.wait_for(lambda: self.watcher.payloads(topic), what=f"the result of {point}")
        result = json.loads(self.watcher.payloads(topic)[-1])
        self.watcher.seen.clear()
        return result

    def wait_writes(self, count):
        """The writes, once there are `count` of them (a device may print a
        write after its answer, which the result can overtake)."""
        return rig.wait_for(lambda: len(self.writes()) >= count and self.writes(),
                            what=lambda: f"{count} writes (so far {self.writes()})")

    def flags(self):
        readings = [json.loads(p) for p in self.watcher.payloads("iotgw/bits/plc/flags")]
        return readings[-1]["value"] if readings else None

    def test_mask_write_changes_one_bit_with_function_22(self):
        self.assertEqual(self.set("alarm", True)["ok"], True)
        self.assertEqual(self.wait_writes(1), [(22, PATTERN | 0x0002)])
        rig.wait_for(lambda: self.flags() == PATTERN | 0x0002, what="the register read back")
        self.assertEqual(self.set("alarm", False)["ok"], True)
        self.assertEqual(self.wait_writes(2), [(22, PATTERN | 0x0002), (22, PATTERN & ~0x0002)])

    def test_read_modify_write_changes_one_bit_with_function_6(self):
        self.assertEqual(self.set("pump", True)["ok"], True)
        self.assertEqual(self.wait_writes(1), [(6, PATTERN | 0x4000)])
        self.check_read_before_write()
        rig.wait_for(lambda: self.flags() == PATTERN | 0x4000, what="the register read back")
        self.assertEqual(self.set("pump", False)["ok"], True)
        self.assertEqual(self.wait_writes(2), [(6, PATTERN | 0x4000), (6, PATTERN)])
        self.check_read_before_write()

    def test_both_bits_of_one_register(self):
        self.set("alarm", True)
        self.set("pump", True)
        self.assertEqual(self.wait_writes(2), [(22, PATTERN | 0x0002), (6, PATTERN | 0x0002 | 0x4000)])
        self.check_read_before_write()


class BitWritesPymodbus(BitWriteCases, unittest.TestCase):
    """Against tests/sim/modbus_sim.py --log-functions, which prints a line
    naming the function code before each write, and no reads."""

    def start_device(self):
        port = rig.free_port()
        self.device = rig.Simulator("--tcp", f"127.0.0.1:{port}", "--log-functions", port=port)
        self.addCleanup(self.device.kill)
        written = subprocess.run([rig.IOTGW, "modbus", "write", "--host", f"127.0.0.1:{port}",
                                  "--address", str(ADDRESS), "--value", str(PATTERN)],
                                 capture_output=True, text=True, timeout=30)
        self.assertEqual(written.returncode, 0, written.stderr)
        return port

    def writes(self):
        lines = self.device.writes()[2:]  # the pattern's own function line and write
        writes = []
        for function, write in zip(lines[0::2], lines[1::2]):
            self.assertRegex(function, rf"^function \d+ at {ADDRESS}$")
            self.assertRegex(write, rf"^write holding {ADDRESS} \[\d+\]$")
            writes.append((int(function.split()[1]), int(write.split("[")[1].rstrip("]"))))
        return writes


class LibmodbusPeer(rig.Peer):
    """tests/sim/libmodbus_peer.c on a loopback port of its choosing: it
    prints "ready PORT", then "function F at A" for each request before
    libmodbus answers it and "holding A = V" for each register a write
    changed after."""

    def __init__(self, *arguments, timeout=20.0):  # pylint: disable=super-init-not-called
        if not LIBMODBUS_PEER:
            raise AssertionError("IOTGW_LIBMODBUS_PEER is not set: the path of the libmodbus_peer "
                                 "binary (build/tests/integration/libmodbus_peer)")
        self.process = subprocess.Popen([LIBMODBUS_PEER, "0", *arguments], stdout=subprocess.PIPE)
        self.reader = rig.LineReader(self.process.stdout.fileno())
        self.events = []
        try:
            printed = self.reader.read_until(r"^ready \d+$", timeout)
        except AssertionError as error:
            printed = [str(error)]
        if len(printed) != 1 or not re.fullmatch(r"ready \d+", printed[0]):
            self.kill()
            raise AssertionError(f"libmodbus_peer did not start: {printed}")
        self.port = int(printed[0].split()[1])


class BitWritesLibmodbus(BitWriteCases, unittest.TestCase):
    """Against libmodbus's own server (modbus_reply), which answers function
    22 itself; the peer's lines show every request, the gateway's polls of
    the register (function 3) among them."""

    WRITE_FUNCTIONS = {5, 6, 15, 16, 22, 23}

    def start_device(self):
        self.device = LibmodbusPeer("--register", f"{ADDRESS}={PATTERN}")
        self.addCleanup(self.device.kill)
        self.addCleanup(lambda: self.assertEqual(rig.stop_process(self.device.process), 0,
                                                 "libmodbus_peer's exit code on SIGTERM"))
        return self.device.port

    def writes(self):
        lines = self.device.lines()
        writes = []
        for i, line in enumerate(lines):
            function, address = map(int, re.fullmatch(r"function (\d+) at (\d+)", line).groups()) \
                if line.startswith("function ") else (None, None)
            if function not in self.WRITE_FUNCTIONS:
                self.assertRegex(line, rf"^(function 3 at {ADDRESS}|holding {ADDRESS} = \d+)$")
                continue
            self.assertEqual(address, ADDRESS, line)
            if i + 1 == len(lines):
                break  # the value line is still to come
            # The peer prints a write's value right after its request: a
            # write libmodbus refused has none.
            value = re.fullmatch(rf"holding {ADDRESS} = (\d+)", lines[i + 1])
            self.assertIsNotNone(value, f"{line} is followed by {lines[i + 1]!r}")
            writes.append((function, int(value.group(1))))
        return writes

    def check_read_before_write(self):
        lines = self.device.lines()
        read_modify_writes = [i for i, line in enumerate(lines) if line == f"function 6 at {ADDRESS}"]
        self.assertTrue(read_modify_writes)
        for i in read_modify_writes:
            self.assertGreater(i, 0)
            self.assertEqual(lines[i - 1], f"function 3 at {ADDRESS}",
                             f"the request before the write back, in {lines}")


if __name__ == "__main__":
    unittest.main()
