#!/usr/bin/python3
"""Bit writes with the real binary against pymodbus: a writable bool point that
is one bit of a holding register is written with Mask Write Register
(function 22) by default, or by a read and a write of the register
(function 6) with bit_write = "read_modify_write"; either way the other 15
bits of the register stay as they were, and the register's own point reads
the result."""
import json
import pathlib
import subprocess
import sys
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "support"))
import iotgw_rig as rig  # noqa: E402  pylint: disable=wrong-import-position

PATTERN = 0xA5A5  # the register's other bits, which no bit write may change
POINTS = [
    rig.point("flags", 20),  # the whole register, read only
    rig.point("alarm", 20, type="bool", bit=1, writable=True),
    rig.point("pump", 20, type="bool", bit=14, writable=True, bit_write="read_modify_write"),
]
CMD = "iotgw/bits/cmd/plc"


class BitWrites(unittest.TestCase):
    def setUp(self):
        folder = rig.temporary_folder(self.addCleanup)
        self.broker = rig.Broker(folder).start()
        self.addCleanup(self.broker.stop)
        port = rig.free_port()
        self.device = rig.Simulator("--tcp", f"127.0.0.1:{port}", "--log-functions", port=port)
        self.addCleanup(self.device.kill)
        written = subprocess.run([rig.IOTGW, "modbus", "write", "--host", f"127.0.0.1:{port}",
                                  "--address", "20", "--value", str(PATTERN)],
                                 capture_output=True, text=True, timeout=30)
        self.assertEqual(written.returncode, 0, written.stderr)
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

    def writes(self):
        """The writes since the pattern was set: (function, value) each."""
        lines = self.device.writes()[2:]  # the pattern's own function line and write
        return [(int(f.split()[1]), int(w.split("[")[1].rstrip("]")))
                for f, w in zip(lines[0::2], lines[1::2])]

    def flags(self):
        readings = [json.loads(p) for p in self.watcher.payloads("iotgw/bits/plc/flags")]
        return readings[-1]["value"] if readings else None

    def test_mask_write_changes_one_bit_with_function_22(self):
        self.assertEqual(self.set("alarm", True)["ok"], True)
        self.assertEqual(self.writes(), [(22, PATTERN | 0x0002)])
        rig.wait_for(lambda: self.flags() == PATTERN | 0x0002, what="the register read back")
        self.assertEqual(self.set("alarm", False)["ok"], True)
        self.assertEqual(self.writes()[-1], (22, PATTERN & ~0x0002))

    def test_read_modify_write_changes_one_bit_with_function_6(self):
        self.assertEqual(self.set("pump", True)["ok"], True)
        self.assertEqual(self.writes(), [(6, PATTERN | 0x4000)])
        rig.wait_for(lambda: self.flags() == PATTERN | 0x4000, what="the register read back")
        self.assertEqual(self.set("pump", False)["ok"], True)
        self.assertEqual(self.writes()[-1], (6, PATTERN))

    def test_both_bits_of_one_register(self):
        self.set("alarm", True)
        self.set("pump", True)
        self.assertEqual([value for _, value in self.writes()],
                         [PATTERN | 0x0002, PATTERN | 0x0002 | 0x4000])


if __name__ == "__main__":
    unittest.main()
