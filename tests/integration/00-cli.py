#!/usr/bin/python3
"""The iotgw command line run as a user runs it: version, check on every example
and on a broken file, and run with both log formats and a clean SIGTERM stop."""
import os
import pathlib
import signal
import socket
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "support"))
import iotgw_rig as rig  # noqa: E402  pylint: disable=wrong-import-position

MINIMAL = rig.EXAMPLES / "minimal.toml"


class Version(unittest.TestCase):
    def test_prints_the_version(self):
        result = subprocess.run([rig.IOTGW, "--version"], capture_output=True, text=True,
                                check=True)
        self.assertRegex(result.stdout, r"^iotgw \d+\.\d+\.\d+\n$")


class Check(unittest.TestCase):
    def test_every_example_passes_with_a_summary(self):
        examples = sorted(rig.EXAMPLES.glob("*.toml"))
        self.assertGreaterEqual(len(examples), 3)
        for example in examples:
            with self.subTest(example=example.name):
                result = subprocess.run([rig.IOTGW, "check", "-c", str(example)],
                                        capture_output=True, text=True)
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertTrue(result.stdout.startswith(f"{example}: OK\n"), result.stdout)
                self.assertIn("  status    ", result.stdout)
                self.assertRegex(result.stdout, r"-> \S+/\S+/\S+")

    def test_demo_lists_its_topics(self):
        result = subprocess.run([rig.IOTGW, "check", "-c", str(rig.EXAMPLES / "demo.toml")],
                                capture_output=True, text=True, check=True)
        self.assertIn("  status    iotgw/demo/status (retained", result.stdout)
        self.assertIn("  commands  iotgw/demo/cmd/#", result.stdout)
        self.assertIn("setpoint         holding 10 int16 writable [5, 80] -> iotgw/demo/boiler/setpoint",
                      result.stdout)

    def test_a_broken_file_fails_with_positions(self):
        with tempfile.NamedTemporaryFile("w", suffix=".toml") as broken:
            broken.write('[gateway]\nid = "gw"\n[mqtt]\nurl = "mqtt://h"\nqso = 1\n')
            broken.flush()
            result = subprocess.run([rig.IOTGW, "check", "-c", broken.name],
                                    capture_output=True, text=True)
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stdout, "")
        self.assertEqual(result.stderr,
                         f'{broken.name}:5:1: error: unknown key "qso" in mqtt; did you mean "qos"?\n'
                         f"{broken.name}: 1 error\n")

    def test_a_missing_file_fails(self):
        result = subprocess.run([rig.IOTGW, "check", "-c", "/nonexistent.toml"],
                                capture_output=True, text=True)
        self.assertEqual(result.returncode, 1)
        self.assertIn("/nonexistent.toml:1:1: error: cannot read the file", result.stderr)


class Run(unittest.TestCase):
    def setUp(self):
        folder = rig.temporary_folder(self.addCleanup)
        self.state = folder / "state"
        self.config = folder / "iotgw.toml"
        self.config.write_text(rig.example_config("minimal.toml", self.state))

    def start(self, *args, **popen):
        process = subprocess.Popen([rig.IOTGW, "run", "-c", str(self.config), *args], **popen)
        self.addCleanup(process.kill)
        return process

    def test_logs_plainly_and_stops_on_sigterm(self):
        process = self.start(stderr=subprocess.PIPE, env={"PATH": os.environ["PATH"]})
        stderr = rig.LineReader(process.stderr.fileno())
        lines = stderr.read_until(r"starting")
        self.assertRegex(lines[-1],
                         r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3} info iotgw \S+ starting as pump-house")
        stderr.read_until(r"info store \S+ open; polling 1 buses")
        process.send_signal(signal.SIGTERM)
        stderr.read_until(r"info signal 15 received, stopping")
        self.assertEqual(process.wait(timeout=10), 0)
        # The store was created in the state folder, readable by us alone.
        self.assertEqual((self.state / "queue.db").stat().st_mode & 0o777, 0o600)

    def test_fails_when_the_store_cannot_be_opened(self):
        self.config.write_text(self.config.read_text().replace(str(self.state), "/proc/iotgw"))
        result = subprocess.run([rig.IOTGW, "run", "-c", str(self.config)], capture_output=True,
                                text=True, timeout=30)
        self.assertEqual(result.returncode, 1)
        self.assertIn("cannot create /proc/iotgw", result.stderr)

    def test_logs_with_priorities_when_stderr_is_the_journal(self):
        ours, theirs = socket.socketpair()
        stat = os.fstat(theirs.fileno())
        env = {"PATH": os.environ["PATH"], "JOURNAL_STREAM": f"{stat.st_dev}:{stat.st_ino}"}
        process = self.start("--log-level", "debug", stderr=theirs.fileno(), env=env)
        theirs.close()
        stderr = rig.LineReader(ours.fileno())
        lines = stderr.read_until(r"starting")
        self.assertRegex(lines[-1], r"^<6>iotgw \S+ starting as pump-house")
        process.send_signal(signal.SIGINT)
        stderr.read_until(r"^<6>signal 2 received, stopping")
        self.assertEqual(process.wait(timeout=10), 0)

    def test_refuses_an_unknown_log_level(self):
        result = subprocess.run([rig.IOTGW, "run", "-c", str(MINIMAL), "--log-level", "loud"],
                                capture_output=True, text=True)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("--log-level", result.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
