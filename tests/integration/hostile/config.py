#!/usr/bin/python3
"""Hostile configuration files through the real binary. Each must be refused by
`iotgw check` (exit 1, file:line:column and the fix) and by `iotgw run` (the
same message, a non-zero exit, nothing written to the state directory):
non-finite numbers in every float key, paths of the wrong kind, a 10 MB file
and keys or values nested thousands of levels deep."""
import pathlib
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "support"))
import iotgw_rig as rig  # noqa: E402  pylint: disable=wrong-import-position

FLOAT_KEYS = ("scale", "offset", "deadband", "min", "max")
NON_FINITE = ("nan", "inf", "-inf")


class HostileConfig(unittest.TestCase):
    def setUp(self):
        self.folder = pathlib.Path(tempfile.mkdtemp(prefix="iotgw-hostile-config-"))
        self.state = self.folder / "state"
        # Nothing listens there: a gateway that got as far as connecting would
        # find no broker, and nothing would be published anywhere.
        self.url = f"mqtt://127.0.0.1:{rig.free_port()}"

    def tearDown(self):
        subprocess.run(["rm", "-rf", str(self.folder)], check=False)

    def gateway(self, mqtt="", gateway=""):
        return (f'[gateway]\nid = "gw"\nstate_dir = "{self.state}"\n{gateway}'
                f'[mqtt]\nurl = "{self.url}"\n{mqtt}')

    def point(self, line):
        """A writable Modbus point whose own last line is `line`."""
        return (self.gateway() + '[[bus]]\nname = "a"\nprotocol = "modbus-tcp"\n'
                'host = "127.0.0.1:1502"\n[[bus.device]]\nname = "plc"\n'
                '[[bus.device.point]]\nname = "sp"\naddress = 0\nwritable = true\n'
                f"{line}\n")

    def write(self, name, text):
        path = self.folder / name
        path.write_text(text)
        return path

    def line_of(self, text, needle):
        """1-based line and column where needle starts in text."""
        before = text[:text.index(needle)]
        return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1

    def refused(self, path, expected, timeout=10.0, state_must_stay=True):
        """check and run both refuse path with the message `expected` (a
        substring of stderr, starting at file:line:column)."""
        before = sorted(p.name for p in self.folder.iterdir())
        start = time.monotonic()
        code, output = rig.check_config(path)
        self.assertLess(time.monotonic() - start, timeout, "check took too long")
        self.assertEqual(code, 1, output[-2000:])
        self.assertIn(expected, output[:4000])
        self.assertNotIn("OK", output[:4000])

        start = time.monotonic()
        done = subprocess.run([rig.IOTGW, "run", "-c", str(path)], capture_output=True,
                              text=True, errors="replace", timeout=60)
        self.assertLess(time.monotonic() - start, timeout, "run took too long to refuse")
        self.assertNotEqual(done.returncode, 0, done.stderr[-2000:])
        self.assertGreater(done.returncode, 0, "run died of a signal")
        self.assertIn(expected, done.stderr[:4000])
        if state_must_stay:
            self.assertFalse(self.state.exists(), "run created the state directory")
        self.assertEqual(sorted(p.name for p in self.folder.iterdir()), before,
                         "run wrote into the test's folder")

    def test_control_a_finite_point_passes(self):
        path = self.write("ok.toml", self.point("min = 5.0\nmax = 80.0\nscale = 0.1\n"
                                                "offset = -2.5\ndeadband = 0.5"))
        code, output = rig.check_config(path)
        self.assertEqual(code, 0, output)

    def test_non_finite_number_in_every_float_key_is_refused(self):
        for key in FLOAT_KEYS:
            for value in NON_FINITE:
                with self.subTest(key=key, value=value):
                    text = self.point(f"{key} = {value}")
                    path = self.write(f"{key}-{value}.toml", text)
                    line, column = self.line_of(text, f"{key} = {value}")
                    column += len(key) + 3
                    self.refused(path, f"{path}:{line}:{column}: error: "
                                       f"bus[0].device[0].point[0].{key}: {value} is not a "
                                       f"finite number; write a finite number")

    def test_non_finite_duration_integer_and_size_are_refused(self):
        for key, what in (("keepalive", "a duration"), ("qos", "an integer"),
                          ("max_packet_size", "a size")):
            with self.subTest(key=key):
                text = self.gateway(mqtt=f"{key} = nan\n")
                path = self.write(f"{key}.toml", text)
                line, column = self.line_of(text, f"{key} = nan")
                self.refused(path, f"{path}:{line}:{column + len(key) + 3}: error: mqtt.{key}: "
                                   f"expected {what}")

    def test_serial_port_that_is_a_directory_is_refused(self):
        text = (self.gateway() + '[[bus]]\nname = "a"\nprotocol = "modbus-rtu"\n'
                f'port = "{self.folder}"\n[[bus.device]]\nname = "plc"\n'
                '[[bus.device.point]]\nname = "v"\naddress = 0\n')
        path = self.write("port.toml", text)
        line, column = self.line_of(text, f'port = "{self.folder}"')
        self.refused(path, f"{path}:{line}:{column + 7}: error: bus[0].port: {self.folder} is a "
                           "directory, not a serial port (a character device); name the port's "
                           "device")

    def test_state_dir_that_is_a_file_is_refused(self):
        self.state = self.folder / "state-file"
        self.state.write_text("not a directory\n")
        text = self.gateway()
        path = self.write("state.toml", text)
        line, column = self.line_of(text, "state_dir = ")
        self.refused(path, f"{path}:{line}:{column + 12}: error: gateway.state_dir: {self.state} "
                           "is a regular file, not a directory; name a directory",
                     state_must_stay=False)
        self.assertEqual(self.state.read_text(), "not a directory\n")

    def test_tls_and_password_files_of_the_wrong_kind_are_refused(self):
        (self.folder / "folder").mkdir()
        secret = self.folder / "secret"
        secret.write_text("x\n")
        secret.chmod(0o600)
        self.url = self.url.replace("mqtt://", "mqtts://")
        cases = (
            ("[mqtt.tls]\n", "ca_file", "folder", "a directory, not a regular file"),
            ("[mqtt.tls]\n", "ca_dir", "secret", "a regular file, not a directory"),
            (f'[mqtt.tls]\nkey_file = "{secret}"\n', "cert_file", "folder",
             "a directory, not a regular file"),
            (f'[mqtt.tls]\ncert_file = "{secret}"\n', "key_file", "folder",
             "a directory, not a regular file"),
            ("", "password_file", "folder", "a directory, not a regular file"),
        )
        for section, key, target, kind in cases:
            with self.subTest(key=key):
                text = self.gateway(mqtt=f'{section}{key} = "{self.folder / target}"\n')
                path = self.write(f"{key}.toml", text)
                line, column = self.line_of(text, f"{key} = ")
                prefix = "mqtt.tls" if section else "mqtt"
                self.refused(path, f"{path}:{line}:{column + len(key) + 3}: error: "
                                   f"{prefix}.{key}: {self.folder / target} is {kind}; name")

    def test_ten_megabyte_file_is_refused_quickly(self):
        path = self.folder / "huge.toml"
        with open(path, "w") as out:
            out.write(self.gateway())
            comment = "# " + "x" * 1021 + "\n"
            out.write(comment * (10 * 1024))
        self.refused(path, f"{path}:1:1: error: the file is 10 MiB, more than the 4 MiB a "
                           "configuration may be", timeout=2.0)

    def test_deeply_nested_keys_and_values_are_refused(self):
        depth = 100_000
        dotted = "a" + ".a" * depth
        inline = "x = " + "{a=" * 10_000 + "1" + "}" * 10_000
        cases = (
            ("dotted-key", f"{dotted} = 1\n", "more than 256 dots on one line"),
            ("table-header", f"[{dotted}]\n", "more than 256 dots on one line"),
            ("arrays", "x = " + "[" * depth + "]" * depth + "\n",
             "exceeded maximum nested value depth of 256"),
            ("inline-tables", inline + "\n", "exceeded maximum nested value depth of 256"),
        )
        for name, line_text, message in cases:
            with self.subTest(name=name):
                text = self.gateway() + line_text
                path = self.write(f"{name}.toml", text)
                line = text.count("\n")
                self.refused(path, f"{path}:{line}:", timeout=5.0)
                code, output = rig.check_config(path)
                self.assertIn(message, output)

    def test_hundreds_of_thousands_of_keys_are_refused_quickly(self):
        text = self.gateway() + "".join(f"k{i} = 1\n" for i in range(300_000))
        path = self.write("keys.toml", text)
        self.refused(path, "error: more than 100000 keys and tables", timeout=3.0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
