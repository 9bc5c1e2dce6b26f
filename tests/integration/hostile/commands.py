#!/usr/bin/python3
"""Hostile commands through the real binary: whoever may publish to the command
topic is assumed to be an attacker. Each case sends what an attacker would,
with a real Mosquitto in between and the pymodbus simulator as the device, and
checks the outcome: an error result for each command that is refused, no write
at the device for any of them, and the gateway still publishing readings."""
import json
import pathlib
import sys
import time
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "support"))
import iotgw_rig as rig  # noqa: E402  pylint: disable=wrong-import-position
import paho.mqtt.client as paho  # noqa: E402  pylint: disable=wrong-import-order
from paho.mqtt.packettypes import PacketTypes  # noqa: E402
from paho.mqtt.properties import Properties  # noqa: E402

POINTS = [
    rig.point("temp", 0, type="float32"),
    rig.point("setpoint", 10, type="int16", writable=True, min=5, max=80),
    rig.point("raw_a", 20, writable=True),
    rig.point("raw_b", 21, writable=True),
    rig.point("label", 20, type="string", length=4),
]


def config_text(state, broker_port, modbus_port):
    return rig.gateway_config(
        "hostile", state, rig.mqtt(broker_port, keepalive="5s", reconnect_min="100ms",
                                   reconnect_max="500ms"),
        rig.modbus_tcp("plc", modbus_port, timeout="500ms"),
        {"name": "boiler", "poll_interval": "100ms"}, POINTS,
        store={"commit_interval": "50ms"}, telemetry={"metrics_interval": "1s"})


BASE = "iotgw/hostile"
CMD = f"{BASE}/cmd/boiler"
TEMP = f"{BASE}/boiler/temp"

# Mosquitto's default queue of 1,000 messages per client would drop part of a
# burst of 10,000 before the gateway could read it: that would test the broker.
BROKER_LIMITS = "max_queued_messages 100000\nmax_inflight_messages 0\n"


class Commands(unittest.TestCase):
    def setUp(self):
        self.folder = rig.temporary_folder(self.addCleanup)
        self.broker = rig.Broker(self.folder, extra=BROKER_LIMITS).start()
        self.addCleanup(self.broker.stop)
        self.device = rig.Simulator.over_tcp()
        self.addCleanup(self.device.stop)
        self.watcher = rig.Watcher(self.broker.port, topics=f"{BASE}/#")
        self.addCleanup(self.watcher.stop)
        self.attacker = rig.Publisher(self.broker.port)
        self.addCleanup(self.attacker.stop)
        self.gateway = rig.Gateway(self.folder, config_text(self.folder / "state", self.broker.port,
                                                            self.device.port))
        self.addCleanup(self.gateway.kill)

    def start(self):
        self.gateway.start()
        self.gateway.wait_log("mqtt: connected")
        self.watcher.wait_payload(f"{BASE}/status", b"online", last=True, what="online")

    def readings(self):
        return self.watcher.json(TEMP)

    def assert_still_publishing(self):
        """New readings arrive after this point, and the process runs."""
        seen = len(self.readings())
        rig.wait_for(lambda: len(self.readings()) >= seen + 5, timeout=10,
                     what="five more readings")
        self.assertTrue(self.gateway.alive())

    def results(self, point):
        return self.watcher.json(f"{CMD}/{point}/result")

    def result_for(self, point, count=1):
        """Waits for `count` results on the point's result topic; returns the last."""
        return rig.wait_for(lambda: self.results(point)[count - 1:count],
                            what=f"result {count} on {point}")[0]

    def refuses(self, point, payload, error_start, retain=False):
        before = len(self.results(point))
        self.attacker.publish(f"{CMD}/{point}/set", payload, retain=retain)
        result = self.result_for(point, before + 1)
        self.assertFalse(result["ok"], result)
        self.assertTrue(result["error"].startswith(error_start), result["error"])
        return result

    def test_deep_nesting_is_refused_and_the_gateway_keeps_publishing(self):
        self.start()
        nested = "[" * 100_000 + "]" * 100_000
        self.refuses("setpoint", nested, "malformed payload: the payload has 200000 bytes")
        self.refuses("setpoint", "[" * 2000 + "]" * 2000,
                     "malformed payload: the payload nests arrays or objects deeper than 8")
        self.refuses("setpoint", '{"a":' * 1000 + "1" + "}" * 1000, "malformed payload:")
        # Parsed before anything else used to crash the process on any point.
        self.refuses("temp", nested, "point \"temp\" is not writable")
        self.assert_still_publishing()
        self.assertEqual(self.device.writes(), [])

    def test_retained_nested_command_is_refused_at_every_start(self):
        nested = "[" * 100_000 + "]" * 100_000
        self.attacker.publish(f"{CMD}/setpoint/set", nested, retain=True)
        for start in range(1, 4):
            self.start()
            result = self.result_for("setpoint", start)
            self.assertEqual(result["error"],
                             "retained commands are refused; publish the command without retain")
            self.assert_still_publishing()
            self.assertEqual(self.gateway.stop(), 0)
        self.assertEqual(self.device.writes(), [])

    def test_invalid_json_utf8_and_wrong_types_are_refused(self):
        self.start()
        cases = [
            (b'{"value":20,"id":"\xff\xfe"}', "malformed payload: not JSON"),
            (b"\xc0\xaf", "malformed payload: not JSON"),
            ('"warm"', 'point "setpoint" expects a number'),
            ("true", 'point "setpoint" expects a number'),
            ("[20]", 'point "setpoint" expects a number'),
            ('{"value":{"v":20}}', 'point "setpoint" expects a number'),
            ('{"value":20,"id":[1]}', "malformed payload: id must be a string or a number"),
            ('{"value":20,"valeu":1}', 'malformed payload: unknown member "valeu"'),
            ("", "no value"),
        ]
        for payload, error in cases:
            with self.subTest(payload=payload):
                self.refuses("setpoint", payload, error)
        self.assert_still_publishing()
        self.assertEqual(self.device.writes(), [])

    def test_non_finite_and_huge_numbers_write_nothing(self):
        self.start()
        for payload, error in [("NaN", "malformed payload"), ("Infinity", "malformed payload"),
                               ("-Infinity", "malformed payload"), ('{"value":NaN}', "malformed"),
                               ("1e400", "malformed payload"),
                               ("1e300", 'point "setpoint" 1e+300 is outside the allowed range'),
                               ("-1e300", 'point "setpoint" -1e+300 is outside the allowed range'),
                               ("30000", 'point "setpoint" 30000 is outside the allowed range')]:
            with self.subTest(payload=payload):
                self.refuses("setpoint", payload, error)
        # The raw register has no range but its type: 70000 does not fit a uint16.
        self.refuses("raw_a", "70000", "value_out_of_range: 70000 does not fit uint16")
        self.assertEqual(self.device.writes(), [])

    def test_timestamps_cannot_bypass_max_age(self):
        self.start()
        now = time.time()
        nonsense = "ts is neither an ISO 8601 UTC time"
        for ts, error in [("1e300", nonsense), ("-1e300", nonsense), ("-1e10", nonsense),
                          # 30 s past the hour or the year, so that the
                          # gateway's later clock still reads "1h…" or "365d…".
                          (repr(now + 365 * 86400 + 30), "ts is 365d"),
                          (json.dumps(time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                    time.gmtime(now + 3630))), "ts is 1h"),
                          ('"2026-02-30T00:00:00Z"', nonsense),
                          (repr(now - 3630), "the command is 1h")]:
            with self.subTest(ts=ts):
                self.refuses("setpoint", f'{{"value":20,"ts":{ts}}}', error)
        self.assertEqual(self.device.writes(), [])
        # A fresh one is written.
        self.attacker.publish(f"{CMD}/setpoint/set", f'{{"value":21,"ts":{time.time()},"id":"ok"}}')
        result = rig.wait_for(lambda: [r for r in self.results("setpoint") if r["id"] == "ok"],
                              what="the fresh command's result")[0]
        self.assertTrue(result["ok"], result)
        rig.wait_for(lambda: self.device.writes() == ["write holding 10 [21]"],
                     what=lambda: f"one write, not {self.device.writes()}")

    def test_strings_that_are_not_utf8_publish_valid_json(self):
        self.start()
        # Registers 20-21 hold the bytes 41 FF FE 42, read back by the string point.
        for point, value in [("raw_a", 0x41FF), ("raw_b", 0xFE42)]:
            self.attacker.publish(f"{CMD}/{point}/set", str(value))
            self.assertTrue(self.result_for(point)["ok"])

        def label():
            # json.loads refuses what is not UTF-8; every payload must pass it.
            values = [json.loads(p.decode("utf-8"))["value"]
                      for p in self.watcher.payloads(f"{BASE}/boiler/label")]
            return "A\ufffd\ufffdB" in values
        rig.wait_for(label, what="the label A\ufffd\ufffdB")

    def test_a_burst_of_10000_commands_gets_10000_results_and_telemetry_stays_whole(self):
        self.start()
        log_lines_before = len(self.gateway.log().splitlines())
        burst = []
        for n in range(10_000):
            kind = n % 4
            if kind == 0:
                burst.append((f"{CMD}/setpoint/set", json.dumps({"value": 5 + n % 70, "id": n})))
            elif kind == 1:
                burst.append((f"{CMD}/setpoint/set", json.dumps({"value": 1000, "id": n})))
            elif kind == 2:
                burst.append((f"{CMD}/temp/set", json.dumps({"value": 1, "id": n})))
            else:
                burst.append((f"{CMD}/setpoint/set", "{not json"))
        self.attacker.publish_many(burst)

        def all_results():
            return len(self.results("setpoint")) + len(self.results("temp"))
        rig.wait_for(lambda: all_results() >= 10_000, timeout=120,
                     what=lambda: f"10000 results, {all_results()} so far")
        setpoint = self.results("setpoint")
        ids = [r["id"] for r in setpoint if r["id"] is not None]
        self.assertEqual(sorted(ids), sorted(n for n in range(10_000) if n % 4 in (0, 1)))
        self.assertEqual(len(self.results("temp")), 2500)
        self.assertEqual(sum(1 for r in setpoint if r["id"] is None), 2500)
        # Every write at the device is one that was answered ok, and no other.
        written = [r for r in setpoint if r["ok"]]
        rig.wait_for(lambda: len(self.device.writes()) == len(written), timeout=10,
                     what=lambda: f"{len(written)} writes, {len(self.device.writes())} seen")
        for result in setpoint:
            if not result["ok"] and result["id"] is not None and result["id"] % 4 == 0:
                self.assertIn("writes already wait on bus plc", result["error"])
        self.assert_still_publishing()

        # Telemetry of that time: complete and in order. Stopped cleanly, what
        # the store accepted either arrived or is still in the store.
        self.assertEqual(self.gateway.stop(), 0)
        stopped = [line for line in self.gateway.log().splitlines() if "stopped:" in line][-1]
        accepted = int(stopped.split(" readings, ")[1].split(" queued")[0])
        received = {}
        for topic, payload, _ in self.watcher.drain():
            if topic.startswith(f"{BASE}/boiler/"):
                received.setdefault(topic, []).append(json.loads(payload)["ts"])
        for topic, stamps in received.items():
            self.assertEqual(stamps, sorted(stamps), f"readings of {topic} out of order")
            self.assertEqual(len(stamps), len(set(stamps)), f"readings of {topic} repeated")
        left = rig.read_store(self.folder / "state" / "queue.db",
                              "select count(*) from messages")[0][0]
        self.assertEqual(sum(len(s) for s in received.values()) + left, accepted)
        # A flood of refusals writes a bounded number of lines, not one each.
        log_lines = len(self.gateway.log().splitlines()) - log_lines_before
        self.assertLess(log_lines, 200, self.gateway.log()[-3000:])

    def test_large_correlation_data_and_response_topics_stay_within_the_result_bounds(self):
        """MQTT 5: each command names its own Response Topic and carries 60 KB of
        Correlation Data, which its result echoes. Results wait within their
        queue's 8 MiB (dropped and counted beyond it), memory stays bounded,
        and a Response Topic under the command topic writes nothing."""
        self.start()
        attacker = paho.Client(client_id="attacker5", protocol=paho.MQTTv5)
        attacker.max_inflight_messages_set(1000)
        attacker.max_queued_messages_set(0)
        attacker.connect("127.0.0.1", self.broker.port)
        attacker.loop_start()
        self.addCleanup(attacker.loop_stop)
        replies = rig.Watcher(self.broker.port, topics="replies/#", name="replies")
        self.addCleanup(replies.stop)
        infos = []
        for n in range(400):
            request = Properties(PacketTypes.PUBLISH)
            # Every tenth asks for its result on the setpoint's own command topic.
            request.ResponseTopic = f"{CMD}/setpoint/set" if n % 10 == 0 else f"replies/{n}"
            request.CorrelationData = n.to_bytes(4, "big") * 15_000
            infos.append(attacker.publish(f"{CMD}/setpoint/set",
                                          json.dumps({"value": 5 + n % 70, "id": n}), qos=1,
                                          properties=request))
        for info in infos:
            info.wait_for_publish()

        def answered():
            metrics = self.watcher.json(f"{BASE}/metrics")
            dropped = metrics[-1]["results_dropped"] if metrics else 0
            return len([t for t, _, _ in replies.drain()]) + len(self.results("setpoint")) \
                + dropped
        rig.wait_for(lambda: answered() >= 400, timeout=120,
                     what=lambda: f"400 results or drops, {answered()} so far")
        refused = self.results("setpoint")
        self.assertEqual(len(refused), 40)
        self.assertTrue(all("is under the command topic" in r["error"] for r in refused))
        written = len(self.device.writes())
        self.assertLessEqual(written, 360)
        # Memory after the burst, from a metrics message sent since.
        seen = len(self.watcher.json(f"{BASE}/metrics"))
        rig.wait_for(lambda: len(self.watcher.json(f"{BASE}/metrics")) > seen,
                     what="a metrics message after the burst")
        self.assertLess(self.watcher.json(f"{BASE}/metrics")[-1]["rss_kib"], 96 * 1024)
        self.assert_still_publishing()


if __name__ == "__main__":
    unittest.main(verbosity=2)
