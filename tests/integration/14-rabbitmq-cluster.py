#!/usr/bin/python3
"""A node of a RabbitMQ cluster dies under the gateway: the real iotgw binary
given the three nodes of a RabbitMQ 3.10 cluster on loopback as its broker
list (mqtt.url), MQTT 3.1.1 (the plugin of 3.10 speaks no MQTT 5), and an
observer of its own: a QoS 1 subscriber with a persistent session on the
third node, whose subscription is a quorum queue (mqtt.durable_queue_type =
quorum) with a member on every node. The node the gateway is connected to is
killed with SIGKILL and later started again. The gateway publishes through
another node within two keepalives, every reading the store accepted reaches
the observer, and what reaches it twice is within the in-flight window."""
import json
import pathlib
import sys
import time
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "support"))
import iotgw_rig as rig  # noqa: E402  pylint: disable=wrong-import-position
import rabbitmq_cluster  # noqa: E402  pylint: disable=wrong-import-position

TOPICS = "iotgw/cl/#"
FLOW = "iotgw/cl/boiler/flow_temp"
METRICS = "iotgw/cl/metrics"
KEEPALIVE = 2.0
INFLIGHT = 16


class RabbitmqCluster(unittest.TestCase):
    def setUp(self):
        self.folder = rig.temporary_folder(self.addCleanup)
        started = time.monotonic()
        self.cluster = rabbitmq_cluster.Cluster(self.folder, self.addCleanup).start()
        print(f"cluster of three started in {time.monotonic() - started:.1f} s", file=sys.stderr)
        self.a, self.b, self.c = self.cluster.nodes
        # On the third node, before the gateway publishes anything: its queue
        # takes every reading from the start.
        self.observer = rig.Watcher(self.c.mqtt_port, TOPICS, "observer", persistent=True,
                                    reconnect_delay=(1, 1))
        self.addCleanup(self.observer.stop)
        pty, _ = rig.simulated_rtu_device(self.addCleanup, self.folder)
        mqtt = {"url": self.cluster.urls, "version": "3.1.1", "failback": "0s",
                "keepalive": f"{KEEPALIVE:g}s", "inflight": INFLIGHT,
                "reconnect_min": "100ms", "reconnect_max": "500ms"}
        self.gateway = rig.Gateway(self.folder, rig.gateway_config(
            "cl", self.folder / "state", mqtt, rig.modbus_rtu("rs485", pty.gateway),
            {"name": "boiler", "poll_interval": "200ms"}, [rig.FLOW_TEMP],
            store={"commit_interval": "100ms"}, telemetry={"metrics_interval": "1s"}))
        self.addCleanup(self.gateway.kill)

    def readings(self):
        """The time stamps of the readings the observer received, in arrival order."""
        return [json.loads(payload)["ts"] for payload in self.observer.payloads(FLOW)]

    def connected_to(self, node):
        return f"mqtt: connected to 127.0.0.1:{node.mqtt_port} "

    def metrics(self, check):
        """Waits for metrics (received after now) for which `check` is true."""
        already = len(self.observer.payloads(METRICS))
        return rig.wait_for(lambda: [m for m in self.observer.json(METRICS)[already:]
                                     if check(m)], what="metrics as expected")[-1]

    def test_a_killed_node_loses_no_reading(self):
        try:
            self.survives_the_kill()
        except Exception:
            print(f"--- gateway log\n{self.gateway.log()[-4000:]}\n{self.cluster.logs()}",
                  file=sys.stderr)
            raise

    def survives_the_kill(self):
        self.gateway.start()
        self.gateway.wait_log(self.connected_to(self.a))
        rig.wait_for(lambda: len(self.readings()) >= 3, what="readings at the observer")
        self.assertEqual(self.metrics(lambda m: True)["broker"]["current"], 0)

        killed_wall = time.time()
        killed = time.monotonic()
        self.a.kill()
        # A node killed has its connections closed at once (by the kernel):
        # the gateway goes on to the next node of its list.
        self.gateway.wait_log("mqtt: connected to 127.0.0.1:", count=2, timeout=30)
        reconnected = time.monotonic() - killed
        rig.wait_for(lambda: [ts for ts in self.readings() if rig.epoch(ts) > killed_wall],
                     timeout=30, what="a reading taken after the kill at the observer")
        publishing = time.monotonic() - killed
        log = self.gateway.run_log()
        now_on = next(node for node in self.cluster.nodes if self.connected_to(node) in log
                      and node is not self.a)
        print(f"connected to {now_on.name} {reconnected:.2f} s after the kill, a reading taken "
              f"after the kill at the observer {publishing:.2f} s after it; "
              f"{log.count('refused the connection')} connections refused", file=sys.stderr)
        self.assertLess(publishing, 2 * KEEPALIVE)
        metrics = self.metrics(lambda m: m["broker"]["failovers"] >= 1)
        self.assertEqual(metrics["broker"]["current"], self.cluster.nodes.index(now_on))

        restarted = time.monotonic()
        self.cluster.restart(self.a)
        print(f"the killed node back in the cluster after {time.monotonic() - restarted:.1f} s",
              file=sys.stderr)
        after = len(self.readings())
        rig.wait_for(lambda: len(self.readings()) > after + 2, what="readings going on")

        # Every reading the store accepted reached the observer, at least once.
        self.assertEqual(self.gateway.stop(), 0)
        left = rig.read_store(self.folder / "state" / "queue.db",
                              "select count(*) from messages")[0][0]
        stopped = [line for line in self.gateway.log().splitlines() if "stopped:" in line][-1]
        accepted = int(stopped.split(" readings, ")[1].split(" queued")[0])
        self.assertIn(" queued, 0 dropped", stopped)
        rig.wait_for(lambda: len(set(self.readings())) + left >= accepted,
                     what=lambda: f"{accepted} readings at the observer "
                                  f"({len(set(self.readings()))}, and {left} in the store)")
        received = self.readings()
        duplicates = len(received) - len(set(received))
        print(f"{accepted} readings accepted, {len(received)} received, {duplicates} of them "
              f"again, {left} left in the store", file=sys.stderr)
        self.assertLessEqual(duplicates, INFLIGHT)


if __name__ == "__main__":
    unittest.main(verbosity=2)
