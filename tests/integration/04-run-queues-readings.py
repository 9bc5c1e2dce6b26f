#!/usr/bin/python3
"""iotgw run with no broker to reach: the real binary polls the pymodbus
simulator behind a socat pty pair and keeps every reading, as its telemetry
message, in the durable store; a lost port is queued as port_down; SIGTERM
commits and exits 0."""
import json
import os
import pathlib
import signal
import sqlite3
import subprocess
import tempfile
import time
import unittest

IOTGW = os.environ["IOTGW_BINARY"]
SIM = pathlib.Path(__file__).resolve().parents[1] / "sim" / "modbus_sim.py"

CONFIG = """
[gateway]
id = "it"
state_dir = "{state}"

[mqtt]
url = "mqtt://127.0.0.1:1"

[store]
commit_interval = "100ms"

[[bus]]
name = "rs485"
protocol = "modbus-rtu"
port = "{port}"
baud = 19200

  [[bus.device]]
  name = "boiler"
  poll_interval = "200ms"

    [[bus.device.point]]
    name = "flow_temp"
    address = 0
    type = "float32"
    unit = "°C"

    [[bus.device.point]]
    name = "pressure"
    register = "input"
    address = 0
    scale = 0.01
    unit = "bar"

    [[bus.device.point]]
    name = "pump_on"
    register = "coil"
    address = 0
"""


def wait_for(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


class RunQueuesReadings(unittest.TestCase):
    def setUp(self):
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.folder = pathlib.Path(folder.name)
        self.gateway_port = self.folder / "gateway"
        device_port = self.folder / "device"
        self.socat = subprocess.Popen(["socat", f"pty,raw,echo=0,link={self.gateway_port}",
                                       f"pty,raw,echo=0,link={device_port}"])
        self.addCleanup(self.socat.kill)
        wait_for(lambda: self.gateway_port.exists() and device_port.exists())
        self.sim = subprocess.Popen(["/usr/bin/python3", str(SIM), "--rtu", str(device_port),
                                     "--baud", "19200"], stdout=subprocess.PIPE, text=True)
        self.addCleanup(self.sim.stdout.close)
        self.addCleanup(self.sim.kill)
        self.assertEqual(self.sim.stdout.readline().strip(), "ready")
        config = self.folder / "iotgw.toml"
        config.write_text(CONFIG.format(state=self.folder / "state", port=self.gateway_port))
        self.gateway = subprocess.Popen([IOTGW, "run", "-c", str(config)],
                                        stderr=subprocess.PIPE, text=True)
        self.addCleanup(self.gateway.stderr.close)
        self.addCleanup(self.gateway.kill)

    def queued(self):
        """The queued messages, oldest first, as (topic, payload as JSON)."""
        database = self.folder / "state" / "queue.db"
        if not database.exists():
            return []
        db = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
        try:
            rows = db.execute("select topic, payload from messages order by seq").fetchall()
        except sqlite3.OperationalError:  # the file exists a moment before its table
            return []
        finally:
            db.close()
        return [(topic, json.loads(bytes(payload))) for topic, payload in rows]

    def latest(self, topic):
        for queued_topic, payload in reversed(self.queued()):
            if queued_topic == topic:
                return payload
        return None

    def test_polls_queues_and_stops_cleanly(self):
        wait_for(lambda: len(self.queued()) >= 9)
        flow = self.latest("iotgw/it/boiler/flow_temp")
        self.assertEqual((flow["value"], flow["unit"], flow["quality"]), (21.5, "°C", "good"))
        self.assertRegex(flow["ts"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertEqual(self.latest("iotgw/it/boiler/pressure")["value"], 12.34)
        self.assertEqual(self.latest("iotgw/it/boiler/pump_on")["value"], True)

        # The port goes away: its points are queued once as port_down.
        self.sim.kill()
        self.socat.terminate()
        wait_for(lambda: (self.latest("iotgw/it/boiler/flow_temp") or {}).get("quality") == "port_down")
        self.assertIsNone(self.latest("iotgw/it/boiler/pressure")["value"])

        self.gateway.send_signal(signal.SIGTERM)
        _, stderr = self.gateway.communicate(timeout=20)
        self.assertEqual(self.gateway.returncode, 0, stderr)
        self.assertRegex(stderr, r"stopped: \d+ readings, \d+ queued, 0 dropped")


if __name__ == "__main__":
    unittest.main(verbosity=2)
