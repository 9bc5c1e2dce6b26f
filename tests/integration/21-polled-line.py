#!/usr/bin/python3
"""Polled ASCII instruments with the real binary: two devices on one serial
line (a socat pty pair), each asked with its own request by iotgw, answered
by an independent instrument simulator (tests/sim/line_instrument.py) that
knows only the first; the first's values are published good, the second's
as timeouts, one request at a time on the line, and the dead one backed off
while the live one keeps its interval; a third device on the same line that
is only listened to (the simulator sends its line unasked) is read as ever."""
import json
import pathlib
import sys
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "support"))
import iotgw_rig as rig  # noqa: E402  pylint: disable=wrong-import-position

INSTRUMENT = rig.TESTS / "sim" / "line_instrument.py"
TOPIC = "iotgw/asked/{}/level"


class PolledLine(unittest.TestCase):
    def setUp(self):
        folder = rig.temporary_folder(self.addCleanup)
        self.broker = rig.Broker(folder).start()
        self.addCleanup(self.broker.stop)
        pty = rig.PtyPair(folder)
        self.addCleanup(pty.stop)
        self.instrument = rig.Peer([rig.PYTHON, str(INSTRUMENT), str(pty.device),
                                    "--answer", "#01RD=!01 +021.50", "--every", "0.2=W 12.5"])
        self.addCleanup(self.instrument.kill)
        self.watcher = rig.Watcher(self.broker.port, "iotgw/asked/#")
        self.addCleanup(self.watcher.stop)
        bus = {"name": "rs485", "protocol": "line", "port": str(pty.gateway), "baud": 9600,
               "timeout": "200ms", "retries": 1}
        devices = [
            {"name": "tank1", "request": "#01RD\r", "poll_interval": "300ms",
             "pattern": "^!01 ([-+0-9.]+)", "point": [{"name": "level", "unit": "m"}]},
            {"name": "tank2", "request": "#02RD\\x0D", "poll_interval": "300ms",
             "pattern": "^!02 ([-+0-9.]+)", "point": [{"name": "level", "unit": "m"}]},
            {"name": "weather", "pattern": "^W ([0-9.]+)", "point": [{"name": "level"}]},
        ]
        document = {"gateway": {"id": "asked", "state_dir": str(folder / "state")},
                    "mqtt": rig.mqtt(self.broker.port), "http": {"listen": ""},
                    "bus": [{**bus, "device": devices}]}
        self.gateway = rig.Gateway(folder, "\n".join(rig.toml_lines(document)) + "\n")
        self.addCleanup(self.gateway.kill)
        self.gateway.start()
        self.gateway.wait_ready()

    def readings(self, device):
        return [json.loads(p) for p in self.watcher.payloads(TOPIC.format(device))]

    def test_the_live_instrument_answers_and_the_dead_one_times_out(self):
        rig.wait_for(lambda: len(self.readings("tank1")) >= 5, what="tank1's readings")
        rig.wait_for(lambda: len(self.readings("tank2")) >= 1, what="tank2's timeout")
        for reading in self.readings("tank1"):
            self.assertEqual((reading["value"], reading["quality"], reading["unit"]),
                             (21.5, "good", "m"))
        for reading in self.readings("tank2"):
            self.assertEqual((reading["value"], reading["quality"]), (None, "timeout"))
        asked = self.instrument.lines()
        self.assertIn("asked #01RD", asked)
        # tank2 is asked once more (retries = 1) before its timeout.
        self.assertGreaterEqual(asked.count("asked #02RD"), 2)

    def test_a_listened_device_on_the_same_line_is_read(self):
        rig.wait_for(lambda: len(self.readings("weather")) >= 5, what="the unasked lines read")
        rig.wait_for(lambda: len(self.readings("tank1")) >= 5, what="tank1's readings")
        for reading in self.readings("weather"):
            self.assertEqual((reading["value"], reading["quality"]), (12.5, "good"))

    def test_the_dead_instrument_is_backed_off(self):
        rig.wait_for(lambda: len(self.readings("tank1")) >= 20, timeout=30,
                     what="tank1's readings over several seconds")
        asked = self.instrument.lines()
        # Every 300 ms the live one; the dead one after 1, 2, 4... intervals.
        self.assertGreater(asked.count("asked #01RD"), 2 * asked.count("asked #02RD"))


if __name__ == "__main__":
    unittest.main()
