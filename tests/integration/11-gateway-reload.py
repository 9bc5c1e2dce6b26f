#!/usr/bin/python3
"""Reload and device_json end to end, with the real iotgw binary, Mosquitto,
the pymodbus simulator on a socat pty pair and a separate paho subscriber
(tests/support/iotgw_rig.py): SIGHUP with a broken file keeps the running
configuration and logs every error with its place; SIGHUP with a changed file
(another topic prefix, a new point) takes effect and every reading the old
configuration queued still arrives; payload = "device_json" publishes one
object per device poll; systemd hears RELOADING=1 then READY=1, and WATCHDOG=1
keeps coming while the broker is down."""
import json
import pathlib
import re
import signal
import sys
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "support"))
import iotgw_rig as rig  # noqa: E402  pylint: disable=wrong-import-position

PUMP = rig.point("pump", 0, register="coil")


class Reload(unittest.TestCase):
    def setUp(self):
        self.folder = rig.temporary_folder(self.addCleanup)
        self.broker = rig.Broker(self.folder, persistence=True).start()
        self.addCleanup(self.broker.stop)
        self.pty, _ = rig.simulated_rtu_device(self.addCleanup, self.folder)
        self.watcher = rig.Watcher(self.broker.port, "#", persistent=True, reconnect_delay=(1, 1))
        self.addCleanup(self.watcher.stop)
        self.gateway = None

    def config_text(self, prefix="iotgw", telemetry=None, poll="250ms", points=()):
        return rig.gateway_config(
            "e2e", self.folder / "state",
            rig.mqtt(self.broker.port, keepalive="2s", reconnect_min="100ms",
                     reconnect_max="500ms", topic_prefix=prefix),
            rig.modbus_rtu("rs485", self.pty.gateway), {"name": "boiler", "poll_interval": poll},
            [rig.FLOW_TEMP, rig.OFFSET, rig.PRESSURE, *points],
            store={"commit_interval": "100ms"},
            telemetry={**(telemetry or {}), "metrics_interval": "0s"})

    def write_config(self, **changes):
        """Writes the configuration file again, as an operator edits it before a reload."""
        self.gateway.config.write_text(self.config_text(**changes))

    def start_gateway(self, env=None, **changes):
        self.gateway = rig.Gateway(self.folder, self.config_text(**changes), env=env)
        self.addCleanup(self.gateway.kill)
        return self.gateway.start()

    def readings(self, point):
        return self.watcher.json(f"iotgw/e2e/boiler/{point}")

    def telemetry(self, prefix):
        """(topic, ts) of every reading received under prefix/e2e/boiler/, with repeats."""
        return [(t, json.loads(p)["ts"]) for t, p, _ in self.watcher.drain()
                if t.startswith(f"{prefix}/e2e/boiler/")]

    def queued_rows(self):
        """Rows the store holds (accepted, not yet acknowledged)."""
        rows = rig.read_store(self.folder / "state" / "queue.db", "select count(*) from messages")
        return rows[0][0] if rows else 0

    def test_a_broken_file_changes_nothing_and_says_why(self):
        gateway = self.start_gateway()
        rig.wait_for(lambda: self.readings("flow_temp"), what="a reading")
        gateway.config.write_text(gateway.config.read_text()
                                  .replace('poll_interval = "250ms"', 'poll_interval = "often"')
                                  .replace('baud = 19200', 'baud = 19200\nspeed = 2'))
        gateway.reload()
        refused = rig.wait_for(
            lambda: re.search(r"reload refused: (\d+) errors in ", gateway.log()),
            what="the refusal in the log")
        self.assertEqual(refused.group(1), "2")
        log = gateway.log()
        # Every error with file, line and column, as iotgw check prints them.
        self.assertRegex(log, re.escape(str(gateway.config)) + r":\d+:\d+: error: .*poll_interval")
        self.assertRegex(log, re.escape(str(gateway.config)) + r":\d+:\d+: error: .*speed")
        self.assertIn("still running on the previous configuration, unchanged", log)
        # Still polling, on the same topics.
        before = len(self.readings("flow_temp"))
        rig.wait_for(lambda: len(self.readings("flow_temp")) >= before + 4,
                     what="readings after the refused reload")
        self.assertIsNone(gateway.process.poll())
        self.assertEqual(gateway.stop(timeout=15), 0)

    def test_a_changed_file_takes_effect_and_no_reading_is_lost(self):
        gateway = self.start_gateway()
        rig.wait_for(lambda: len(self.readings("flow_temp")) >= 4, what="readings")
        # A broker that answers nothing for a while: readings pile up in the
        # store, unacknowledged, when the reload comes.
        self.broker.pause()
        rig.wait_for(lambda: self.queued_rows() >= 8, what="rows waiting in the store")
        self.write_config(prefix="site", points=[PUMP])
        gateway.reload()
        rig.wait_for(lambda: "starting on the new configuration" in gateway.log(),
                     what="the switch")
        self.broker.resume()
        # The new prefix and the new point are in use...
        pump = rig.wait_for(lambda: self.watcher.json("site/e2e/boiler/pump"),
                            what="the new point on the new prefix")[-1]
        self.assertEqual(pump["quality"], "good")
        self.assertIsInstance(pump["value"], bool)
        self.watcher.wait_payload("site/e2e/status", b"online",
                                  what="online on the new status topic")
        # ...the old status topic was closed, since it moved...
        self.assertEqual(self.watcher.payloads("iotgw/e2e/status")[-1], b"offline")
        # ...and every reading the old configuration queued arrived, on its old
        # topics, whether it went out before the reload or after it.
        stopped = rig.wait_for(lambda: re.search(
            r"previous configuration stopped: (\d+) readings, (\d+) queued, (\d+) dropped",
            gateway.log()), what="the old configuration's counts")
        readings, queued, dropped = map(int, stopped.groups())
        self.assertEqual((readings, dropped), (queued, 0))
        rig.wait_for(lambda: len(set(self.telemetry("iotgw"))) == queued,
                     what=lambda: f"{queued} readings of the old configuration, "
                                  f"{len(set(self.telemetry('iotgw')))} arrived")
        self.assertNotIn("error", gateway.log())
        print(f"\nreload: {queued} readings queued before it, all delivered; log:\n"
              + gateway.log())
        self.assertEqual(gateway.stop(timeout=15), 0)

    def test_device_json_sends_one_object_per_poll(self):
        gateway = self.start_gateway(telemetry={"topic": "{prefix}/{gateway}/{device}",
                                                "payload": "device_json"}, poll="300ms")
        objects = rig.wait_for(lambda: self.watcher.json("iotgw/e2e/boiler")[1:4],
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
        self.assertEqual(gateway.stop(timeout=15), 0)

    def notify_socket(self):
        notify = rig.NotifySocket(self.folder, timeout=20)
        self.addCleanup(notify.close)
        return notify

    def test_systemd_hears_reloading_then_ready(self):
        notify = self.notify_socket()
        gateway = self.start_gateway(env=notify.environment())
        self.assertEqual(notify.receive(), "READY=1\nSTATUS=polling 1 buses")
        self.write_config(points=[PUMP])
        gateway.reload()
        self.assertRegex(notify.receive(), r"^RELOADING=1\nMONOTONIC_USEC=\d+$")
        self.assertEqual(notify.receive(),
                         "READY=1\nSTATUS=configuration reloaded; polling 1 buses")
        gateway.config.write_text("[gateway]\n")
        gateway.reload()
        self.assertRegex(notify.receive(), r"^RELOADING=1\n")
        self.assertRegex(notify.receive(),
                         r"^READY=1\nSTATUS=reload refused: \d+ errors? in .*; "
                         r"running on the previous configuration$")
        gateway.send_signal(signal.SIGTERM)
        self.assertEqual(notify.receive(), "STOPPING=1")
        self.assertEqual(gateway.wait(timeout=15), 0)

    def test_the_watchdog_is_fed_through_a_broker_outage(self):
        notify = self.notify_socket()
        gateway = self.start_gateway(env=notify.environment(WATCHDOG_USEC="200000"))
        self.assertEqual(notify.receive(), "READY=1\nSTATUS=polling 1 buses")
        rig.wait_for(lambda: len(self.readings("flow_temp")) >= 2, what="readings")
        self.broker.stop()
        # Readings pile up in the store, the client retries, and systemd keeps
        # hearing that all is well: an outage is no reason to be restarted.
        watchdogs, statuses = 0, []
        while watchdogs < 20:
            message = notify.receive()
            watchdogs += message == "WATCHDOG=1"
            if message.startswith("STATUS="):
                statuses.append(message)
        self.assertRegex(statuses[-1], r"^STATUS=not connected; [1-9]\d* in the queue; ")
        self.assertNotIn("watchdog: not fed", gateway.log())
        gateway.send_signal(signal.SIGTERM)
        while notify.receive() != "STOPPING=1":
            pass
        self.assertEqual(gateway.wait(timeout=15), 0)

if __name__ == "__main__":
    unittest.main(verbosity=2)
