#!/usr/bin/python3
"""The gateway end to end: the real iotgw binary against a real Mosquitto and
the pymodbus simulator on a socat pty pair, watched by a separate MQTT
subscriber (paho). Readings with the right values on the right topics;
commands that write (and ones that must not); the online/offline status on a
graceful stop and the will on kill -9; a broker outage during which every
reading is kept and delivered afterwards, in order."""
import json
import pathlib
import random
import sys
import time
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "support"))
import iotgw_rig as rig  # noqa: E402  pylint: disable=wrong-import-position

TOPICS = "iotgw/e2e/#"
STATUS = "iotgw/e2e/status"
SETPOINT = rig.point("setpoint", 10, type="int16", scale=0.1, writable=True, min=5, max=80)


def config_text(state, broker_port, serial_port):
    return rig.gateway_config(
        "e2e", state, rig.mqtt(broker_port, keepalive="2s", reconnect_min="100ms",
                               reconnect_max="500ms"),
        rig.modbus_rtu("rs485", serial_port), {"name": "boiler", "poll_interval": "250ms"},
        [rig.FLOW_TEMP, rig.OFFSET, rig.PRESSURE, SETPOINT],
        store={"commit_interval": "100ms"}, telemetry={"metrics_interval": "1s"})


class Gateway(unittest.TestCase):
    def setUp(self):
        self.folder = rig.temporary_folder(self.addCleanup)
        # Persistence keeps the watchers' sessions across the broker's restart.
        self.broker = rig.Broker(self.folder, persistence=True).start()
        self.addCleanup(self.broker.stop)
        pty, self.sim = rig.simulated_rtu_device(self.addCleanup, self.folder)
        self.gateway = rig.Gateway(self.folder, config_text(self.folder / "state",
                                                            self.broker.port, pty.gateway))
        self.addCleanup(self.gateway.kill)
        self.watcher = self.new_watcher("watcher")
        self.addCleanup(self.watcher.stop)

    def new_watcher(self, name):
        """A separate subscriber to every message under iotgw/e2e/, in arrival
        order. Its session persists, so that the broker keeps what arrives
        while the watcher itself is reconnecting after a broker restart."""
        return rig.Watcher(self.broker.port, TOPICS, name, persistent=True, reconnect_delay=(1, 1))

    def readings(self, point):
        return self.watcher.json(f"iotgw/e2e/boiler/{point}")

    def command(self, point, payload, by_topic=False):
        """Sends a command and waits for its result: the one with the payload's
        id, or (by_topic: refused from the topic alone, so without one) the
        first on the point's result topic."""
        publisher = rig.Publisher(self.broker.port, "commander")
        publisher.publish(f"iotgw/e2e/cmd/boiler/{point}/set", payload)
        publisher.stop()
        topic = f"iotgw/e2e/cmd/boiler/{point}/result"
        request_id = json.loads(payload).get("id") if payload.startswith("{") and not by_topic \
            else None
        return rig.wait_for(lambda: next((json.loads(p) for p in self.watcher.payloads(topic)
                                          if json.loads(p)["id"] == request_id), None),
                            what=f"a result on {topic}")

    def wait_online(self):
        self.watcher.wait_payload(STATUS, b"online", what="online")

    def test_readings_arrive_with_their_values(self):
        self.gateway.start()
        rig.wait_for(lambda: self.readings("pressure"), what="a pressure reading")
        flow = rig.wait_for(lambda: self.readings("flow_temp"))[-1]
        self.assertEqual((flow["value"], flow["unit"], flow["quality"]), (21.5, "°C", "good"))
        self.assertEqual(rig.wait_for(lambda: self.readings("offset"))[-1]["value"], -123)
        self.assertEqual(self.readings("pressure")[-1]["value"], 12.34)
        self.wait_online()
        metrics = rig.wait_for(lambda: self.watcher.json("iotgw/e2e/metrics"))[-1]
        self.assertGreater(metrics["readings"], 0)
        self.assertIn("boiler", metrics["devices"])

    def test_commands_write_only_what_they_may(self):
        self.gateway.start()
        self.wait_online()
        self.assertEqual(self.command("setpoint", '{"value":22.5,"id":"w1"}'),
                         {"id": "w1", "ok": True, "value": 22.5})
        rig.wait_for(lambda: self.readings("setpoint")
                     and self.readings("setpoint")[-1]["value"] == 22.5,
                     what="the written value read back")
        refused = self.command("setpoint", '{"value":95,"id":"w2"}')
        self.assertEqual((refused["id"], refused["ok"]), ("w2", False))
        self.assertIn("outside the allowed range", refused["error"])
        refused = self.command("flow_temp", '{"value":30,"id":"w3"}', by_topic=True)
        self.assertEqual(refused, {"id": None, "ok": False,
                                   "error": 'point "flow_temp" is not writable'})
        self.assertEqual(self.sim.writes(), ["write holding 10 [225]"])

    def test_graceful_stop_leaves_offline_retained(self):
        self.gateway.start()
        self.wait_online()
        self.assertEqual(self.gateway.stop(timeout=15), 0)
        late = self.new_watcher("late-watcher")
        self.addCleanup(late.stop)
        status = rig.wait_for(lambda: [(p, r) for t, p, r in late.drain() if t == STATUS],
                              what="the retained status")
        self.assertEqual(status[0], (b"offline", 1))

    def test_kill_9_publishes_the_will(self):
        self.gateway.start()
        self.wait_online()
        self.gateway.kill()
        self.watcher.wait_payload(STATUS, b"offline", timeout=10, last=True, what="the will")

    def queued_rows(self):
        """(topic, ts) of every message the store holds: accepted, not yet acknowledged."""
        rows = rig.read_store(self.folder / "state" / "queue.db",
                              "select topic, payload from messages")
        return {(topic, json.loads(bytes(payload))["ts"]) for topic, payload in rows}

    def received(self):
        """(topic, ts) of every telemetry message the watcher received, with repeats."""
        return [(t, json.loads(p)["ts"]) for t, p, _ in self.watcher.drain()
                if t.startswith("iotgw/e2e/boiler/")]

    def test_kill_9_at_random_moments_loses_no_accepted_reading(self):
        rng = random.Random(20261125)
        accepted = set()
        for kill in range(10):
            self.gateway.start()
            self.watcher.wait_payload(STATUS, b"online", last=True,
                                      what=f"online before kill {kill}")
            time.sleep(rng.uniform(0.2, 1.0))
            # Readings the broker acknowledges before their commit are never
            # written; a broker that answers nothing for a while makes the
            # store hold some at the kill, committed and in flight.
            self.broker.pause()
            time.sleep(rng.uniform(0.1, 1.0))  # a random moment to kill at
            self.gateway.kill()
            self.broker.resume()
            self.watcher.wait_payload(STATUS, b"offline", last=True,
                                      what=f"the will after kill {kill}")
            # What the store committed and still holds was accepted and must arrive.
            accepted |= self.queued_rows()
        self.gateway.start()
        rig.wait_for(lambda: accepted <= set(self.received()), timeout=30,
                     what=lambda: f"{len(accepted - set(self.received()))} accepted readings")
        received = self.received()
        duplicates = len(received) - len(set(received))
        print(f"kill -9 x10: {len(accepted)} accepted readings held at the kills, all delivered; "
              f"{duplicates} duplicates in {len(received)} messages")
        self.assertGreater(len(accepted), 0)
        # At most the in-flight window may go out again per kill.
        self.assertLessEqual(duplicates, 10 * 60)

    def retained_status(self):
        """The status the broker keeps retained, as a new subscriber gets it
        within a second; None if none came."""
        late = self.new_watcher(f"status-{time.monotonic_ns()}")
        try:
            return rig.wait_for(lambda: [p for t, p, _ in late.drain() if t == STATUS],
                                timeout=1, what="a retained status")[-1]
        except AssertionError:
            return None
        finally:
            late.stop()

    def test_readings_taken_during_an_outage_arrive_in_order(self):
        self.gateway.start()
        rig.wait_for(lambda: len(self.readings("flow_temp")) >= 2, what="readings")
        self.broker.stop()
        outage_start = time.time()
        time.sleep(20)  # the outage itself: the gateway keeps polling into the store
        outage_end = time.time()
        # Everything taken during the outage is in the store now, committed.
        held = self.queued_rows()
        self.broker.start()
        # The broker sent the will as it went down; the birth after the
        # reconnect replaces it.
        rig.wait_for(lambda: self.retained_status() == b"online",
                     what=lambda: "online again; gateway log:\n" + self.gateway.log()[-3000:])
        # Every reading the store held arrives, and readings keep coming every
        # 250 ms in order. Those taken while the broker was down fill its
        # window: at least half of its 76 polls (a simulator slowed by a loaded
        # machine can miss a poll, which the scheduler skips rather than drift).
        rig.wait_for(lambda: held <= set(self.received()), timeout=30,
                     what=lambda: f"{len(held - set(self.received()))} of {len(held)} "
                                  "held readings")
        times = [rig.epoch(r["ts"]) for r in self.readings("flow_temp")]
        self.assertEqual(times, sorted(times))
        inside = [t for t in times if outage_start + 0.5 <= t <= outage_end - 0.5]
        self.assertGreaterEqual(len(inside), 40, times)

if __name__ == "__main__":
    unittest.main(verbosity=2)
