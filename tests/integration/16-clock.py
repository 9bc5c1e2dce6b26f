#!/usr/bin/python3
"""Timestamps that are right on a board without a clock, with the real binary.

The gateway starts with its wall clock years off (libfaketime, from Debian's
faketime package, moving only the wall clock) and the kernel saying the clock
is not synchronised (tests/support/clock_shim.c, reporting STA_UNSYNC until a
file appears). It polls a pymodbus simulator whose input registers 100-101
hold the simulator's own, true, time at each read. Readings are held in the
store, none published; then the wall clock is set right and the shim reports
it synchronised: every held reading arrives with its true acquisition time,
within a second, none dated in the wrong year, and polling went on at its
interval through the step, neither pausing nor bursting. The same holds for
Sparkplug B's DDATA, whose metric timestamps (decoded by Eclipse Tahu) are
rewritten with the true time."""
import json
import os
import pathlib
import sys
import sysconfig
import time
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "support"))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent / "sparkplug"))
import iotgw_rig as rig  # noqa: E402  pylint: disable=wrong-import-position
import tahu  # noqa: E402  pylint: disable=wrong-import-position

FAKETIME = pathlib.Path("/usr/lib") / sysconfig.get_config_var("MULTIARCH") / \
    "faketime" / "libfaketime.so.1"
TRUE_TIME = rig.point("true_time", 100, register="input", type="uint32")
SETPOINT = rig.point("setpoint", 10, type="int16", writable=True)
TOPIC = "iotgw/clk/sensor/true_time"
HELD = 6  # readings taken on the wrong clock before it is set right


class Clock(unittest.TestCase):
    def setUp(self):
        self.folder = rig.temporary_folder(self.addCleanup)
        self.broker = rig.Broker(self.folder).start()
        self.addCleanup(self.broker.stop)
        port = rig.free_port()
        self.simulator = rig.Simulator("--tcp", f"127.0.0.1:{port}", "--clock-at", "100",
                                       port=port)
        self.addCleanup(self.simulator.kill)
        self.watcher = rig.Watcher(self.broker.port, "iotgw/clk/#")
        self.addCleanup(self.watcher.stop)

    def start_gateway(self, telemetry, **tables):
        self.fake_time = self.folder / "faketime"
        self.fake_time.write_text("@2019-03-01 00:00:00\n")  # then it runs on from there
        self.synced = self.folder / "synced"
        env = dict(os.environ)
        env.update({
            "LD_PRELOAD": f"{env['LD_PRELOAD']}:{FAKETIME}",
            "FAKETIME_TIMESTAMP_FILE": str(self.fake_time),
            "FAKETIME_NO_CACHE": "1",
            "DONT_FAKE_MONOTONIC": "1",
            "IOTGW_TEST_CLOCK_SYNCED_FILE": str(self.synced),
        })
        self.gateway = rig.Gateway(self.folder, rig.gateway_config(
            "clk", self.folder / "state", rig.mqtt(self.broker.port),
            rig.modbus_tcp("plant", self.simulator.port),
            {"name": "sensor", "poll_interval": "1s"}, [TRUE_TIME, SETPOINT],
            telemetry={"metrics_interval": "1s", **telemetry}, **tables), env=env)
        self.addCleanup(self.gateway.kill)
        self.gateway.start()
        self.gateway.wait_ready()

    def readings(self):
        return [json.loads(payload) for payload in self.watcher.payloads(TOPIC)]

    def set_clock_right(self):
        self.fake_time.write_text("+0\n")
        self.synced.touch()

    def clock_metrics(self):
        metrics = self.watcher.json("iotgw/clk/metrics")
        return metrics[-1]["clock"] if metrics else None

    def test_held_readings_arrive_with_their_true_time(self):
        self.start_gateway({})
        rig.wait_for(lambda: (self.clock_metrics() or {}).get("held", 0) >= HELD, timeout=30,
                     what=f"{HELD} readings held")
        self.assertEqual(self.readings(), [], "a reading went out with a wrong time")
        self.assertFalse(self.clock_metrics()["synchronised"])
        held = self.clock_metrics()["held"]
        self.set_clock_right()
        rig.wait_for(lambda: len(self.readings()) >= held + 4, timeout=30,
                     what="the held readings and live ones after them")
        readings = self.readings()
        for reading in readings:
            ts = rig.epoch(reading["ts"])
            self.assertFalse(reading["ts"].startswith("2019"), reading)
            self.assertNotIn("clock", reading, reading)
            # The register's second was read within the second the reading was taken.
            self.assertGreaterEqual(ts, reading["value"] - 0.5, reading)
            self.assertLess(ts, reading["value"] + 1.5, reading)
        times = [rig.epoch(reading["ts"]) for reading in readings]
        gaps = [b - a for a, b in zip(times, times[1:])]
        self.assertTrue(all(0.5 < gap < 1.5 for gap in gaps), f"polls not 1 s apart: {gaps}")
        clock = self.clock_metrics()
        self.assertTrue(clock["synchronised"])
        self.assertGreaterEqual(clock["corrected"], held)
        self.assertEqual(clock["held"], 0)

    def test_readings_held_longer_than_the_hold_go_out_marked(self):
        self.start_gateway({"clock_hold": "3s"})
        rig.wait_for(lambda: len(self.readings()) >= 3, timeout=30, what="readings past the hold")
        for reading in self.readings():
            self.assertEqual(reading["clock"], "unsynced", reading)
            self.assertTrue(reading["ts"].startswith("2019"), reading)
        # The younger ones still wait: what went out was taken 3 s ago or more.
        self.assertGreaterEqual(self.clock_metrics()["held"], 1)
        newest = max(reading["value"] for reading in self.readings())
        self.assertLessEqual(newest, time.time() - 2)

    def test_without_a_hold_readings_go_out_at_once_marked(self):
        self.start_gateway({"clock_hold": "0s"})
        rig.wait_for(lambda: len(self.readings()) >= 2, what="readings")
        for reading in self.readings():
            self.assertEqual(reading["clock"], "unsynced")
            self.assertTrue(reading["ts"].startswith("2019"), reading)

    def test_a_command_age_is_not_judged_on_an_unsynchronised_clock(self):
        """Its true ts is years ahead of the gateway's clock: judged, it would
        be refused; not judged, it runs, and the result says so."""
        self.start_gateway({})
        result_topic = "iotgw/clk/cmd/sensor/setpoint/result"
        sender = rig.Publisher(self.broker.port, "clk-sender")
        self.addCleanup(sender.stop)
        ts = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        sender.publish("iotgw/clk/cmd/sensor/setpoint/set",
                       json.dumps({"value": 42, "id": "c1", "ts": ts}))
        rig.wait_for(lambda: self.watcher.payloads(result_topic), what="the command's result")
        result = json.loads(self.watcher.payloads(result_topic)[0])
        self.assertTrue(result["ok"], result)
        self.assertIn("not synchronised", result["note"])
        rig.wait_for(lambda: "write holding 10 [42]" in self.simulator.writes(), what="the write")

    def test_held_sparkplug_data_arrives_with_its_true_time(self):
        self.watcher.stop()
        self.watcher = rig.Watcher(self.broker.port, "spBv1.0/#", name="sparkplug-watcher")
        decoder = tahu.Decoder(os.environ["IOTGW_NPM_PREFIX"])
        self.addCleanup(decoder.stop)
        self.start_gateway({}, sparkplug={"enabled": True, "group_id": "site"})
        held = 1  # store.WallClock
        rig.wait_for(lambda: (rig.read_store(self.folder / "state" / "queue.db",
                                             "SELECT count(*) FROM messages WHERE clock = ?",
                                             (held,)) or [[0]])[0][0] >= 3,
                     timeout=30, what="data held in the store")
        ddata = "spBv1.0/site/DDATA/clk/sensor"
        self.assertEqual(self.watcher.payloads(ddata), [], "data went out with a wrong time")
        self.set_clock_right()
        rig.wait_for(lambda: len(self.watcher.payloads(ddata)) >= 6, timeout=30,
                     what="the held data and live data after it")
        messages = [decoder.decode(payload) for topic, payload, _ in self.watcher.drain()
                    if topic.split("/")[2] in ("DBIRTH", "DDATA")]
        names = {m["alias"]: m["name"] for m in messages[0]["metrics"]}
        for data in messages[1:]:
            metric = next(m for m in data["metrics"] if names[m["alias"]] == "true_time")
            stamp = int(metric["timestamp"]) / 1000
            self.assertGreaterEqual(stamp, int(metric["value"]) - 0.5, data)
            self.assertLess(stamp, int(metric["value"]) + 1.5, data)
            self.assertLess(abs(int(data["timestamp"]) / 1000 - stamp), 1.5, data)


if __name__ == "__main__":
    unittest.main()
