#!/usr/bin/python3
"""The systemd side: the unit passes systemd-analyze verify and scores 2.0 or
less in systemd-analyze security; iotgw run speaks sd_notify (READY=1 with a
status, WATCHDOG=1 at half the watchdog interval, STOPPING=1) on a test
NOTIFY_SOCKET."""
import pathlib
import re
import signal
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "support"))
import iotgw_rig as rig  # noqa: E402  pylint: disable=wrong-import-position

UNIT = rig.REPO / "systemd" / "iotgw.service"


class Unit(unittest.TestCase):
    def test_verifies(self):
        with tempfile.TemporaryDirectory() as folder:
            # verify insists that ExecStart's binary exists: point it at this build.
            unit = pathlib.Path(folder) / "iotgw.service"
            unit.write_text(UNIT.read_text().replace("/usr/bin/iotgw", rig.IOTGW))
            result = subprocess.run(["systemd-analyze", "verify", str(unit)],
                                    capture_output=True, text=True)
        problems = [line for line in result.stderr.splitlines() if "iotgw.service" in line]
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(problems, [])

    def test_security_exposure_is_at_most_2(self):
        result = subprocess.run(["systemd-analyze", "security", "--offline=yes", str(UNIT)],
                                capture_output=True, text=True)
        score = re.search(r"Overall exposure level for iotgw.service: (\d+\.\d+)", result.stdout)
        self.assertIsNotNone(score, result.stdout + result.stderr)
        self.assertLessEqual(float(score.group(1)), 2.0)


class Notify(unittest.TestCase):
    def test_ready_watchdog_and_stopping(self):
        folder = rig.temporary_folder(self.addCleanup)
        notify = rig.NotifySocket(folder, timeout=10)
        self.addCleanup(notify.close)
        gateway = rig.Gateway(folder, rig.example_config("minimal.toml", folder / "state"),
                              env=notify.environment(WATCHDOG_USEC="200000"))
        self.addCleanup(gateway.kill)
        gateway.start()
        self.assertEqual(notify.receive(), "READY=1\nSTATUS=polling 1 buses")
        watchdogs = 0
        while watchdogs < 3:
            message = notify.receive()
            watchdogs += message == "WATCHDOG=1"
            if message.startswith("STATUS="):
                self.assertRegex(message, r"^STATUS=(connected|not connected); \d+ in the queue; "
                                          r"\d+ readings, 0 dropped$")
        gateway.send_signal(signal.SIGTERM)
        while (message := notify.receive()) != "STOPPING=1":
            self.assertIn(message.split("=")[0], ("WATCHDOG", "STATUS"))
        self.assertEqual(gateway.wait(timeout=20), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
