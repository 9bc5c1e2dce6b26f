#!/usr/bin/python3
"""Reload and device_json end to end, with the real iotgw binary, Mosquitto,
the pymodbus simulator on a socat pty pair and a separate paho subscriber
(the helpers of 06-gateway.py): SIGHUP with a broken file keeps the running
configuration and logs every error with its place; SIGHUP with a changed file
(another topic prefix, a new point) takes effect and every reading the old
configuration queued still arrives; payload = "device_json" publishes one
object per device poll; systemd hears RELOADING=1 then READY=1, and WATCHDOG=1
keeps coming while the broker is down."""
import importlib.util
import json
import os
import pathlib
import re
import signal
import socket
import sqlite3
import subprocess
import tempfile
import unittest

HERE = pathlib.Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location("gateway_e2e", HERE / "06-gateway.py")
e2e = importlib.util.module_from_spec(spec)
spec.loader.exec_module(e2e)

IOTGW = os.environ["IOTGW_BINARY"]

CONFIG = """
[gateway]
id = "e2e"
state_dir = "{state}"

[mqtt]
url = "mqtt://127.0.0.1:{broker}"
keepalive = "2s"
reconnect_min = "100ms"
reconnect_max = "500ms"
topic_prefix = "{prefix}"

[store]
commit_interval = "100ms"

[telemetry]
{telemetry}
metrics_interval = "0s"

[[bus]]
name = "rs485"
protocol = "modbus-rtu"
port = "{port}"
baud = 19200

  [[bus.device]]
  name = "boiler"
  poll_interval = "{poll}"

    [[bus.device.point]]
    name = "flow_temp"
    address = 0
    type = "float32"
    unit = "°C"

    [[bus.device.point]]
    name = "offset"
    address = 2
    type = "int16"

    [[bus.device.point]]
    name = "pressure"
    register = "input"
    address = 0
    scale = 0.01
    unit = "bar"
{extra}
"""

NEW_POINT = """
    [[bus.device.point]]
    name = "pump"
    register = "coil"
    address = 0
"""


class Reload(unittest.TestCase):
    def setUp(self):
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.folder = pathlib.Path(folder.name)
        self.broker = e2e.Broker(self.folder, e2e.free_port())
        self.broker.start()
        self.addCleanup(self.broker.stop)
        self.gateway_port, device_port = self.folder / "gateway", self.folder / "device"
        socat = subprocess.Popen(["socat", f"pty,raw,echo=0,link={self.gateway_port}",
                                  f"pty,raw,echo=0,link={device_port}"])
        self.addCleanup(socat.kill)
        e2e.wait_for(lambda: self.gateway_port.exists() and device_port.exists(),
                     what="pty pair")
        sim = subprocess.Popen(["/usr/bin/python3", str(e2e.SIM), "--rtu", str(device_port),
                                "--baud", "19200"], stdout=subprocess.PIPE, text=True)
        self.addCleanup(sim.kill)
        self.addCleanup(sim.stdout.close)
        self.assertEqual(sim.stdout.readline().strip(), "ready")
        self.config = self.folder / "iotgw.toml"
        self.log = self.folder / "gateway.log"
        self.watcher = e2e.Watcher(self.broker.port, topics="#")
        self.addCleanup(self.watcher.stop)

    def write_config(self, prefix="iotgw", telemetry="", poll="250ms", extra=""):
        self.config.write_text(CONFIG.format(state=self.folder / "state", broker=self.broker.port,
                                             port=self.gateway_port, prefix=prefix,
                                             telemetry=telemetry, poll=poll, extra=extra))

    def start_gateway(self, env=None):
        log = open(self.log, "w")
        self.addCleanup(log.close)
        gateway = subprocess.Popen([IOTGW, "run", "-c", str(self.config)], stderr=log, env=env)
        self.addCleanup(gateway.wait)
        self.addCleanup(gateway.kill)
        return gateway

    def log_text(self):
        return self.log.read_text()

    def telemetry(self, prefix):
        """(topic, ts) of every reading received under prefix/e2e/boiler/, with repeats."""
        return [(t, json.loads(p)["ts"]) for t, p, _ in self.watcher.drain()
                if t.startswith(f"{prefix}/e2e/boiler/")]

    def queued_rows(self):
        """Rows the store holds (accepted, not yet acknowledged)."""
        database = self.folder / "state" / "queue.db"
        try:
            db = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
            try:
                return db.execute("select count(*) from messages").fetchone()[0]
            finally:
                db.close()
        except sqlite3.Error:
            return 0

    def test_a_broken_file_changes_nothing_and_says_why(self):
        self.write_config()
        gateway = self.start_gateway()
        e2e.wait_for(lambda: self.watcher.readings("flow_temp"), what="a reading")
        self.config.write_text(self.config.read_text()
                               .replace('poll_interval = "250ms"', 'poll_interval = "often"')
                               .replace('baud = 19200', 'baud = 19200\nspeed = 2'))
        gateway.send_signal(signal.SIGHUP)
        refused = e2e.wait_for(lambda: re.search(r"reload refused: (\d+) errors in ", self.log_text()),
                               what="the refusal in the log")
        self.assertEqual(refused.group(1), "2")
        log = self.log_text()
        # Every error with file, line and column, as iotgw check prints them.
        self.assertRegex(log, re.escape(str(self.config)) + r":\d+:\d+: error: .*poll_interval")
        self.assertRegex(log, re.escape(str(self.config)) + r":\d+:\d+: error: .*speed")
        self.assertIn("still running on the previous configuration, unchanged", log)
        # Still polling, on the same topics.
        before = len(self.watcher.readings("flow_temp"))
        e2e.wait_for(lambda: len(self.watcher.readings("flow_temp")) >= before + 4,
                     what="readings after the refused reload")
        self.assertIsNone(gateway.poll())
        gateway.send_signal(signal.SIGTERM)
        self.assertEqual(gateway.wait(timeout=15), 0)

    def test_a_changed_file_takes_effect_and_no_reading_is_lost(self):
        self.write_config()
        gateway = self.start_gateway()
        e2e.wait_for(lambda: len(self.watcher.readings("flow_temp")) >= 4, what="readings")
        # A broker that answers nothing for a while: readings pile up in the
        # store, unacknowledged, when the reload comes.
        self.broker.process.send_signal(signal.SIGSTOP)
        self.addCleanup(self.broker.process.send_signal, signal.SIGCONT)
        e2e.wait_for(lambda: self.queued_rows() >= 8, what="rows waiting in the store")
        self.write_config(prefix="site", extra=NEW_POINT)
        gateway.send_signal(signal.SIGHUP)
        e2e.wait_for(lambda: "starting on the new configuration" in self.log_text(),
                     what="the switch")
        self.broker.process.send_signal(signal.SIGCONT)
        # The new prefix and the new point are in use...
        pump = json.loads(e2e.wait_for(lambda: self.watcher.payloads("site/e2e/boiler/pump"),
                                       what="the new point on the new prefix")[-1])
        self.assertEqual(pump["quality"], "good")
        self.assertIsInstance(pump["value"], bool)
        e2e.wait_for(lambda: b"online" in self.watcher.payloads("site/e2e/status"),
                     what="online on the new status topic")
        # ...the old status topic was closed, since it moved...
        self.assertEqual(self.watcher.payloads("iotgw/e2e/status")[-1], b"offline")
        # ...and every reading the old configuration queued arrived, on its old
        # topics, whether it went out before the reload or after it.
        stopped = e2e.wait_for(lambda: re.search(
            r"previous configuration stopped: (\d+) readings, (\d+) queued, (\d+) dropped",
            self.log_text()), what="the old configuration's counts")
        readings, queued, dropped = map(int, stopped.groups())
        self.assertEqual((readings, dropped), (queued, 0))
        e2e.wait_for(lambda: len(set(self.telemetry("iotgw"))) == queued,
                     what=lambda: f"{queued} readings of the old configuration, "
                                  f"{len(set(self.telemetry('iotgw')))} arrived")
        self.assertNotIn("error", self.log_text())
        print(f"\nreload: {queued} readings queued before it, all delivered; log:\n"
              + self.log_text())
        gateway.send_signal(signal.SIGTERM)
        self.assertEqual(gateway.wait(timeout=15), 0)

    def test_device_json_sends_one_object_per_poll(self):
        self.write_config(telemetry='topic = "{prefix}/{gateway}/{device}"\npayload = "device_json"',
                          poll="300ms")
        gateway = self.start_gateway()
        objects = e2e.wait_for(lambda: [json.loads(p) for p in
                                        self.watcher.payloads("iotgw/e2e/boiler")][1:4],
                               what="device objects")
        for received in objects:
            self.assertEqual(set(received), {"ts", "values"})
            self.assertRegex(received["ts"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
            # Holding and input registers are two requests; both are in the object.
            self.assertEqual(received["values"], {
                "flow_temp": {"value": 21.5, "unit": "°C", "quality": "good"},
                "offset": {"value": -123, "quality": "good"},
                "pressure": {"value": 12.34, "unit": "bar", "quality": "good"},
            })
        stamps = [o["ts"] for o in objects]
        self.assertEqual(len(set(stamps)), len(stamps))
        self.assertEqual([t for t, _, _ in self.watcher.drain() if t.startswith("iotgw/e2e/boiler/")],
                         [])
        gateway.send_signal(signal.SIGTERM)
        self.assertEqual(gateway.wait(timeout=15), 0)

    def test_systemd_hears_reloading_then_ready(self):
        self.write_config()
        notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        notify.bind(str(self.folder / "notify"))
        notify.settimeout(20)
        self.addCleanup(notify.close)
        gateway = self.start_gateway(env={"PATH": os.environ["PATH"],
                                          "NOTIFY_SOCKET": str(self.folder / "notify")})
        self.assertEqual(notify.recv(4096).decode(), "READY=1\nSTATUS=polling 1 buses")
        self.write_config(extra=NEW_POINT)
        gateway.send_signal(signal.SIGHUP)
        self.assertRegex(notify.recv(4096).decode(), r"^RELOADING=1\nMONOTONIC_USEC=\d+$")
        self.assertEqual(notify.recv(4096).decode(),
                         "READY=1\nSTATUS=configuration reloaded; polling 1 buses")
        self.config.write_text("[gateway]\n")
        gateway.send_signal(signal.SIGHUP)
        self.assertRegex(notify.recv(4096).decode(), r"^RELOADING=1\n")
        self.assertRegex(notify.recv(4096).decode(),
                         r"^READY=1\nSTATUS=reload refused: \d+ errors? in .*; "
                         r"running on the previous configuration$")
        gateway.send_signal(signal.SIGTERM)
        self.assertEqual(notify.recv(4096).decode(), "STOPPING=1")
        self.assertEqual(gateway.wait(timeout=15), 0)

    def test_the_watchdog_is_fed_through_a_broker_outage(self):
        self.write_config()
        notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        notify.bind(str(self.folder / "notify"))
        notify.settimeout(20)
        self.addCleanup(notify.close)
        gateway = self.start_gateway(env={"PATH": os.environ["PATH"],
                                          "NOTIFY_SOCKET": str(self.folder / "notify"),
                                          "WATCHDOG_USEC": "200000"})
        self.assertEqual(notify.recv(4096).decode(), "READY=1\nSTATUS=polling 1 buses")
        e2e.wait_for(lambda: len(self.watcher.readings("flow_temp")) >= 2, what="readings")
        self.broker.stop()
        # Readings pile up in the store, the client retries, and systemd keeps
        # hearing that all is well: an outage is no reason to be restarted.
        watchdogs, statuses = 0, []
        while watchdogs < 20:
            message = notify.recv(4096).decode()
            watchdogs += message == "WATCHDOG=1"
            if message.startswith("STATUS="):
                statuses.append(message)
        self.assertRegex(statuses[-1], r"^STATUS=not connected; [1-9]\d* in the queue; ")
        self.assertNotIn("watchdog: not fed", self.log_text())
        gateway.send_signal(signal.SIGTERM)
        while notify.recv(4096).decode() != "STOPPING=1":
            pass
        self.assertEqual(gateway.wait(timeout=15), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
