#!/usr/bin/python3
"""The systemd side: the unit passes systemd-analyze verify and scores 2.0 or
less in systemd-analyze security; iotgw run speaks sd_notify (READY=1 with a
status, WATCHDOG=1 at half the watchdog interval, STOPPING=1) on a test
NOTIFY_SOCKET."""
import os
import pathlib
import re
import signal
import socket
import subprocess
import tempfile
import unittest

IOTGW = os.environ["IOTGW_BINARY"]
ROOT = pathlib.Path(__file__).resolve().parents[2]
UNIT = ROOT / "systemd" / "iotgw.service"
MINIMAL = ROOT / "config" / "examples" / "minimal.toml"


class Unit(unittest.TestCase):
    def test_verifies(self):
        with tempfile.TemporaryDirectory() as folder:
            # verify insists that ExecStart's binary exists: point it at this build.
            unit = pathlib.Path(folder) / "iotgw.service"
            unit.write_text(UNIT.read_text().replace("/usr/bin/iotgw", IOTGW))
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
        with tempfile.TemporaryDirectory() as folder:
            folder = pathlib.Path(folder)
            config = folder / "iotgw.toml"
            config.write_text(MINIMAL.read_text().replace(
                '[gateway]\nid = "pump-house"\n',
                f'[gateway]\nid = "pump-house"\nstate_dir = "{folder / "state"}"\n'))
            notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            notify.bind(str(folder / "notify"))
            notify.settimeout(10)
            env = {"PATH": os.environ["PATH"], "NOTIFY_SOCKET": str(folder / "notify"),
                   "WATCHDOG_USEC": "200000"}
            gateway = subprocess.Popen([IOTGW, "run", "-c", str(config)], env=env,
                                       stderr=subprocess.DEVNULL)
            try:
                messages = [notify.recv(4096).decode()]
                self.assertEqual(messages[0], "READY=1\nSTATUS=polling 1 buses")
                watchdogs = 0
                while watchdogs < 3:
                    message = notify.recv(4096).decode()
                    watchdogs += message == "WATCHDOG=1"
                    if message.startswith("STATUS="):
                        self.assertRegex(message, r"^STATUS=(connected|not connected); \d+ in the queue; "
                                                 r"\d+ readings, 0 dropped$")
                gateway.send_signal(signal.SIGTERM)
                while (message := notify.recv(4096).decode()) != "STOPPING=1":
                    self.assertIn(message.split("=")[0], ("WATCHDOG", "STATUS"))
                self.assertEqual(gateway.wait(timeout=20), 0)
            finally:
                gateway.kill()
                notify.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
