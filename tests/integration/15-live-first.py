#!/usr/bin/python3
"""Live readings before the backlog, with the real binary: iotgw polling the
pymodbus simulator on a socat pty pair loses its broker (a real Mosquitto,
stopped) for a few seconds, then gets it back. Readings taken during the
outage are the backlog: each carries "backfill": true in its JSON payload and
the user property backfill=true (MQTT 5); live ones carry neither. With
store.delivery = "live_first" the readings taken after the broker returned
reach an independent MQTT 5 subscriber while the backlog still drains, at
store.backfill_rate, oldest first; with "fifo" the whole backlog goes first.
Either way every reading the store accepted arrives."""
import json
import pathlib
import sys
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "support"))
import iotgw_rig as rig  # noqa: E402  pylint: disable=wrong-import-position

BOILER = "iotgw/lf/boiler/"
POINTS = [rig.FLOW_TEMP, rig.OFFSET, rig.PRESSURE]
# Polls every 100 ms: 30 readings a second, so an outage of about three
# seconds leaves a backlog of about 90.
BACKLOG = 60
BACKFILL_RATE = 15


class Reading:
    """One telemetry message as the subscriber got it."""

    def __init__(self, topic, payload, properties):
        self.topic = topic
        self.body = json.loads(payload)
        self.ts = rig.epoch(self.body["ts"])
        self.user_properties = dict(getattr(properties, "UserProperty", []) or [])

    @property
    def backfill(self):
        return self.body.get("backfill") is True


class LiveFirst(unittest.TestCase):
    def setUp(self):
        self.folder = rig.temporary_folder(self.addCleanup)
        self.broker = rig.Broker(self.folder, persistence=True).start()
        self.addCleanup(self.broker.stop)
        self.pty, _ = rig.simulated_rtu_device(self.addCleanup, self.folder)
        # A session kept in the broker: what is published while the
        # subscriber reconnects after the broker's restart waits for it.
        self.subscriber = rig.Client5(self.broker.port, "lf-subscriber", [BOILER + "#"],
                                      session_expiry=300)
        self.addCleanup(self.subscriber.disconnect)

    def start_gateway(self, delivery):
        mqtt = rig.mqtt(self.broker.port, version="5", keepalive="2s", reconnect_min="100ms",
                        reconnect_max="300ms")
        self.gateway = rig.Gateway(self.folder, rig.gateway_config(
            "lf", self.folder / "state", mqtt, rig.modbus_rtu("rs485", self.pty.gateway),
            {"name": "boiler", "poll_interval": "100ms"}, POINTS,
            store={"commit_interval": "100ms", "delivery": delivery,
                   "backfill_rate": BACKFILL_RATE if delivery == "live_first" else 0},
            telemetry={"metrics_interval": "0s"}))
        self.addCleanup(self.gateway.kill)
        self.gateway.start()
        self.gateway.wait_ready()

    def readings(self):
        return [Reading(topic, payload, properties)
                for topic, payload, properties in self.subscriber.drain()
                if topic.startswith(BOILER) and topic != BOILER + "status"]

    def backlog_in_store(self):
        rows = rig.read_store(self.folder / "state" / "queue.db",
                              "select count(*) from messages where backfill = 1")
        return rows[0][0] if rows else 0

    def outage(self):
        """Readings flow, the broker goes away until the store holds a
        backlog, comes back, and the whole backlog arrives; then the gateway
        stops. What the subscriber got, in arrival order."""
        rig.wait_for(lambda: len(self.readings()) >= 10, what="live readings")
        self.broker.stop()
        rig.wait_for(lambda: self.backlog_in_store() >= BACKLOG,
                     what=lambda: f"{BACKLOG} backlog rows (now {self.backlog_in_store()})")
        self.broker.start()
        rig.wait_for(lambda: self.backlog_in_store() == 0, timeout=60,
                     what=lambda: f"the backlog drained ({self.backlog_in_store()} left)")
        # Some live readings after the last backlog one, then a clean stop.
        rig.wait_for(lambda: not self.readings()[-1].backfill, what="live readings again")
        self.assertEqual(self.gateway.stop(), 0)
        self.assert_nothing_lost()
        return self.readings()

    def assert_nothing_lost(self):
        stopped = [line for line in self.gateway.log().splitlines() if "stopped:" in line][-1]
        accepted = int(stopped.split(" readings, ")[1].split(" queued")[0])
        left = rig.read_store(self.folder / "state" / "queue.db",
                              "select count(*) from messages")[0][0]
        rig.wait_for(lambda: len({(r.topic, r.ts) for r in self.readings()}) + left >= accepted,
                     what=lambda: f"{accepted} readings at the subscriber")

    def assert_marked(self, readings):
        backlog = [r for r in readings if r.backfill]
        live = [r for r in readings if not r.backfill]
        self.assertGreaterEqual(len(backlog), BACKLOG)
        for reading in backlog:
            self.assertEqual(reading.user_properties, {"backfill": "true"}, reading.body)
        for reading in live:
            self.assertNotIn("backfill", reading.body)
            self.assertEqual(reading.user_properties, {}, reading.body)
        # The backlog goes out oldest first, topic by topic.
        for topic in {r.topic for r in backlog}:
            times = [r.ts for r in backlog if r.topic == topic]
            self.assertEqual(times, sorted(times), topic)
        return backlog

    def test_live_readings_overtake_the_backlog(self):
        self.start_gateway("live_first")
        readings = self.outage()
        backlog = self.assert_marked(readings)
        outage_end = max(r.ts for r in backlog)
        first_live_after = next(i for i, r in enumerate(readings)
                                if not r.backfill and r.ts > outage_end)
        behind = [r for r in readings[first_live_after:] if r.backfill]
        # Paced at 15 a second, most of the backlog is still to come when the
        # first reading taken after the outage arrives.
        self.assertGreater(len(behind), len(backlog) // 2,
                           f"{len(behind)} of {len(backlog)} backlog readings arrived after the "
                           "first live one")
        code, output = rig.check_config(self.gateway.config)
        self.assertEqual(code, 0, output)
        self.assertIn(f"live first, backlog at most {BACKFILL_RATE}/s", output)

    def test_fifo_sends_the_backlog_before_newer_readings(self):
        self.start_gateway("fifo")
        readings = self.outage()
        backlog = self.assert_marked(readings)
        outage_end = max(r.ts for r in backlog)
        last_backlog = max(i for i, r in enumerate(readings) if r.backfill)
        overtaking = [r for r in readings[:last_backlog] if r.ts > outage_end]
        self.assertEqual(overtaking, [], "readings taken after the outage overtook its backlog")


if __name__ == "__main__":
    unittest.main(verbosity=2)
