#!/usr/bin/python3
"""iotgw modbus read|write against independent devices: the pymodbus simulator
behind a socat pty pair and on TCP (every function code, exceptions, a silent
unit), and a faulty RTU device (bad CRC, garbage before the frame, noise);
iotgw modbus scan against a simulator that answers for three units, on RTU
and on TCP."""
import re
import pathlib
import subprocess
import sys
import time
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "support"))
import iotgw_rig as rig  # noqa: E402  pylint: disable=wrong-import-position


def iotgw(*args):
    return subprocess.run([rig.IOTGW, "modbus", *args], capture_output=True, text=True, timeout=30)


class OverRtu(unittest.TestCase):
    def setUp(self):
        self.folder = rig.temporary_folder(self.addCleanup)
        self.pty = rig.PtyPair(self.folder)
        self.addCleanup(self.pty.stop)

    def started(self, peer):
        self.addCleanup(peer.stop)
        return peer

    def device(self):
        return self.started(rig.Simulator.over_rtu(self.pty.device))

    def modbus(self, command, *args):
        return iotgw(command, "--port", str(self.pty.gateway), "--baud", "19200", *args)

    def test_reads_every_register_kind(self):
        self.device()
        cases = [
            (["--register", "holding", "--address", "0", "--type", "float32"],
             "holding 0 (float32): 21.5\n"),
            (["--register", "holding", "--address", "2", "--type", "int16"],
             "holding 2 (int16): -123\n"),
            (["--register", "input", "--address", "0", "--count", "2"],
             "input 0 (uint16): 1234\ninput 1 (uint16): 0\n"),
            (["--register", "coil", "--address", "0", "--count", "2"],
             "coil 0 (bool): true\ncoil 1 (bool): false\n"),
            (["--register", "discrete", "--address", "1"], "discrete 1 (bool): true\n"),
        ]
        for args, expected in cases:
            with self.subTest(args=args):
                result = self.modbus("read", *args)
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertEqual(result.stdout, expected)

    def test_writes_single_and_multiple_coils_and_registers(self):
        device = self.device()
        cases = [
            (["--register", "coil", "--address", "7", "--value", "1"],
             "ok: write_single_coil address=7 value=on\n"),
            (["--register", "coil", "--address", "3", "--value", "1,0,1"],
             "ok: write_multiple_coils address=3 quantity=3\n"),
            (["--address", "10", "--value", "250"],
             "ok: write_single_register address=10 value=250\n"),
            (["--address", "20", "--type", "float32", "--value", "1.5"],
             "ok: write_multiple_registers address=20 quantity=2\n"),
            (["--address", "30", "--type", "int16", "--value", "-2,3"],
             "ok: write_multiple_registers address=30 quantity=2\n"),
        ]
        for args, expected in cases:
            with self.subTest(args=args):
                result = self.modbus("write", *args)
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertEqual(result.stdout, expected)
        self.assertEqual(device.stop(), [
            "write coil 7 [1]",
            "write coil 3 [1, 0, 1]",
            "write holding 10 [250]",
            "write holding 20 [16320, 0]",
            "write holding 30 [65534, 3]",
        ])

    def test_refuses_a_bad_value_before_any_traffic(self):
        device = self.device()
        for args in (["--address", "10", "--type", "int16", "--value", "40000"],
                     ["--register", "coil", "--address", "1", "--value", "maybe"],
                     ["--register", "input", "--address", "1", "--value", "5"]):
            with self.subTest(args=args):
                result = self.modbus("write", *args)
                self.assertEqual(result.returncode, 1)
                self.assertEqual(result.stdout, "")
        self.assertEqual(device.stop(), [])

    def test_reports_an_exception(self):
        self.device()
        result = self.modbus("read", "--address", "300")
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stdout, "holding 300 (uint16): error: exception:illegal_data_address\n")

    def test_reports_a_silent_unit(self):
        self.device()
        result = self.modbus("read", "--unit", "9", "--address", "0", "--timeout", "200ms")
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stdout, "holding 0 (uint16): error: timeout\n")

    def faulty(self, mode):
        return self.started(rig.Peer([rig.PYTHON, str(rig.FAULTY_RTU_DEVICE), "--port",
                                      str(self.pty.device), "--mode", mode]))

    def test_a_bad_crc_is_a_crc_error(self):
        device = self.faulty("badcrc")
        result = self.modbus("read", "--address", "4", "--timeout", "300ms")
        self.assertEqual(result.stdout, "holding 4 (uint16): error: crc_error\n")
        self.assertEqual(result.returncode, 1)
        # The request itself was sent once, byte-exact: 01 03 0004 0001 CRC.
        self.assertEqual(device.stop(), ["request 010300040001c5cb"])

    def test_garbage_before_a_frame_is_skipped(self):
        device = self.faulty("garbage")
        result = self.modbus("read", "--address", "4", "--count", "2", "--timeout", "500ms")
        self.assertEqual(result.stdout, "holding 4 (uint16): 104\nholding 5 (uint16): 105\n")
        self.assertEqual(result.returncode, 0, result.stderr)
        device.stop()

    def test_noise_is_not_an_answer(self):
        device = self.faulty("noise")
        result = self.modbus("read", "--address", "4", "--timeout", "300ms")
        self.assertEqual(result.returncode, 1)
        self.assertRegex(result.stdout, r"error: (timeout|crc_error)\n$")
        device.stop()

    def test_a_missing_port_is_reported(self):
        result = iotgw("read", "--port", str(self.folder / "nothing"), "--address", "0")
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stdout, "holding 0 (uint16): error: port_down\n")


class OverTcp(unittest.TestCase):
    def setUp(self):
        self.port = rig.free_port()

    def device(self, framing):
        peer = rig.Simulator.over_tcp(self.port, framing=framing)
        self.addCleanup(peer.stop)
        return peer

    def test_modbus_tcp(self):
        device = self.device("--tcp")
        host = f"127.0.0.1:{self.port}"
        result = iotgw("read", "--host", host, "--address", "0", "--type", "float32")
        self.assertEqual((result.returncode, result.stdout), (0, "holding 0 (float32): 21.5\n"))
        result = iotgw("write", "--host", host, "--address", "11", "--value", "7")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(device.stop(), ["write holding 11 [7]"])

    def test_rtu_over_tcp(self):
        device = self.device("--rtu-over-tcp")
        host = f"127.0.0.1:{self.port}"
        result = iotgw("read", "--host", host, "--protocol", "modbus-rtu-over-tcp",
                       "--register", "input", "--address", "0")
        self.assertEqual((result.returncode, result.stdout), (0, "input 0 (uint16): 1234\n"))
        result = iotgw("write", "--host", host, "--protocol", "modbus-rtu-over-tcp",
                       "--register", "coil", "--address", "9", "--value", "on")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(device.stop(), ["write coil 9 [1]"])

    def test_nothing_listening(self):
        result = iotgw("read", "--host", f"127.0.0.1:{self.port}", "--address", "0")
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stdout, "holding 0 (uint16): error: port_down\n")


class Scan(unittest.TestCase):
    """Units 17-19 answer; every other id of 1-247 is silent."""
    UNITS = ["--unit", "17", "--units", "3"]

    def scan(self, *args):
        started = time.monotonic()
        result = subprocess.run([rig.IOTGW, "modbus", "scan", *args], capture_output=True,
                                text=True, timeout=60)
        return result, time.monotonic() - started

    def answered(self, output):
        return [int(unit) for unit in re.findall(r"^unit (\d+):", output, re.MULTILINE)]

    def test_scan_over_rtu(self):
        folder = rig.temporary_folder(self.addCleanup)
        pty = rig.PtyPair(folder)
        self.addCleanup(pty.stop)
        device = rig.Simulator("--rtu", str(pty.device), "--baud", "19200", *self.UNITS)
        self.addCleanup(device.stop)
        result, took = self.scan("--port", str(pty.gateway), "--baud", "19200")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.answered(result.stdout), [17, 18, 19], result.stdout)
        self.assertIn("unit 17: answers, 16812", result.stdout)  # holding 0: 21.5's high word
        self.assertIn("3 of 247 units answered", result.stdout)
        self.assertLess(took, 10.0)

    def test_scan_over_tcp_with_exceptions(self):
        port = rig.free_port()
        device = rig.Simulator("--tcp", f"127.0.0.1:{port}", *self.UNITS, port=port)
        self.addCleanup(device.stop)
        result, took = self.scan("--host", f"127.0.0.1:{port}")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.answered(result.stdout), [17, 18, 19], result.stdout)
        self.assertLess(took, 10.0)
        # A register the units do not have: they answer with an exception.
        result, _ = self.scan("--host", f"127.0.0.1:{port}", "--units", "16-20", "--address",
                              "500")
        self.assertEqual(self.answered(result.stdout), [17, 18, 19], result.stdout)
        self.assertIn("unit 18: exception:illegal_data_address", result.stdout)

    def test_bad_units_are_refused(self):
        result, _ = self.scan("--host", "127.0.0.1:1", "--units", "9-3")
        self.assertEqual(result.returncode, 1)
        self.assertIn("--units 9-3", result.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
