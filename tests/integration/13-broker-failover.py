#!/usr/bin/python3
"""Broker failover and failback with the real binary: iotgw given two
Mosquitto brokers as its list (mqtt.url), watched by a separate subscriber on
each. When the first broker goes away the gateway goes on through the second;
when the first answers again it leaves the second with DISCONNECT (MQTT 5:
the second publishes the will, "offline") and connects to the first: one
connection at a time. Nothing the store accepted is lost across either move."""
import json
import pathlib
import sys
import time
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "support"))
import iotgw_rig as rig  # noqa: E402  pylint: disable=wrong-import-position

TOPICS = "iotgw/fo/#"
STATUS = "iotgw/fo/status"
FLOW = "iotgw/fo/boiler/flow_temp"


class BrokerFailover(unittest.TestCase):
    def setUp(self):
        self.folder = rig.temporary_folder(self.addCleanup)
        # Persistent, so that each watcher's session (and what is queued for
        # it) survives its broker's restart.
        self.first = rig.Broker(self.folder, persistence=True).start()
        self.addCleanup(self.first.stop)
        self.second = rig.Broker(self.folder, persistence=True).start()
        self.addCleanup(self.second.stop)
        pty, _ = rig.simulated_rtu_device(self.addCleanup, self.folder)
        mqtt = {"url": [f"mqtt://127.0.0.1:{self.first.port}",
                        f"mqtt://127.0.0.1:{self.second.port}"],
                "version": "5", "failback": "2s", "keepalive": "2s",
                "reconnect_min": "100ms", "reconnect_max": "500ms"}
        self.gateway = rig.Gateway(self.folder, rig.gateway_config(
            "fo", self.folder / "state", mqtt, rig.modbus_rtu("rs485", pty.gateway),
            {"name": "boiler", "poll_interval": "200ms"}, [rig.FLOW_TEMP],
            store={"commit_interval": "100ms"}, telemetry={"metrics_interval": "1s"}))
        self.addCleanup(self.gateway.kill)
        self.on_first = rig.Watcher(self.first.port, TOPICS, "first-watcher", persistent=True,
                                    reconnect_delay=(1, 1))
        self.addCleanup(self.on_first.stop)
        self.on_second = rig.Watcher(self.second.port, TOPICS, "second-watcher",
                                     persistent=True, reconnect_delay=(1, 1))
        self.addCleanup(self.on_second.stop)

    def readings(self, watcher):
        return [rig.epoch(json.loads(p)["ts"]) for p in watcher.payloads(FLOW)]

    def test_check_names_the_brokers_in_order(self):
        code, output = rig.check_config(self.gateway.config)
        self.assertEqual(code, 0, output)
        self.assertIn(f"brokers mqtt://127.0.0.1:{self.first.port}, "
                      f"mqtt://127.0.0.1:{self.second.port} (in this order; back to the first "
                      "after 2s)", output)

    def test_fails_over_to_the_second_broker_and_back_to_the_first(self):
        self.gateway.start()
        self.on_first.wait_payload(STATUS, b"online", what="online on the first broker")
        rig.wait_for(lambda: len(self.readings(self.on_first)) >= 3, what="readings on the first")
        self.assertEqual(self.readings(self.on_second), [])

        self.first.stop()
        lost = time.time()
        self.on_second.wait_payload(STATUS, b"online", what="online on the second broker")
        rig.wait_for(lambda: [t for t in self.readings(self.on_second) if t > lost],
                     what="readings through the second broker")
        # Within two keepalives (the first broker closed the connection itself).
        self.gateway.wait_log(f"connected to 127.0.0.1:{self.second.port}")
        metrics = rig.wait_for(lambda: [m for m in self.on_second.json("iotgw/fo/metrics")
                                        if m["broker"]["failovers"] >= 1],
                               what="metrics counting the failover")[-1]
        self.assertEqual(metrics["broker"]["current"], 1)

        self.first.start()
        back = time.time()
        self.gateway.wait_log("answers again; leaving", timeout=10)
        self.on_first.wait_payload(STATUS, b"online", last=True, what="online on the first again")
        rig.wait_for(lambda: [t for t in self.readings(self.on_first) if t > back],
                     what="readings through the first broker again")
        # The second broker published the will as the gateway left it.
        self.on_second.wait_payload(STATUS, b"offline", last=True, what="offline on the second")
        self.assertEqual(self.gateway.run_log().count("connected to 127.0.0.1"), 3)

        # Every reading the gateway took reached one broker or the other.
        self.assertEqual(self.gateway.stop(), 0)
        left = rig.read_store(self.folder / "state" / "queue.db",
                              "select count(*) from messages")[0][0]
        stopped = [line for line in self.gateway.log().splitlines() if "stopped:" in line][-1]
        accepted = int(stopped.split(" readings, ")[1].split(" queued")[0])
        rig.wait_for(lambda: len(set(self.readings(self.on_first))
                                 | set(self.readings(self.on_second))) + left >= accepted,
                     what=lambda: f"{accepted} readings across both brokers")


if __name__ == "__main__":
    unittest.main(verbosity=2)
