#!/usr/bin/python3
"""The gateway end to end: the real iotgw binary against a real Mosquitto and
the pymodbus simulator on a socat pty pair, watched by a separate MQTT
subscriber (paho). Readings with the right values on the right topics;
commands that write (and ones that must not); the online/offline status on a
graceful stop and the will on kill -9; a broker outage during which every
reading is kept and delivered afterwards, in order."""
import calendar
import json
import os
import pathlib
import queue
import random
import signal
import sqlite3
import socket
import subprocess
import tempfile
import time
import unittest

import paho.mqtt.client as paho

IOTGW = os.environ["IOTGW_BINARY"]
SIM = pathlib.Path(__file__).resolve().parents[1] / "sim" / "modbus_sim.py"

CONFIG = """
[gateway]
id = "e2e"
state_dir = "{state}"

[mqtt]
url = "mqtt://127.0.0.1:{broker}"
keepalive = "2s"
reconnect_min = "100ms"
reconnect_max = "500ms"

[store]
commit_interval = "100ms"

[telemetry]
metrics_interval = "1s"

[[bus]]
name = "rs485"
protocol = "modbus-rtu"
port = "{port}"
baud = 19200

  [[bus.device]]
  name = "boiler"
  poll_interval = "250ms"

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

    [[bus.device.point]]
    name = "setpoint"
    address = 10
    type = "int16"
    scale = 0.1
    writable = true
    min = 5
    max = 80
"""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, timeout=20.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.02)
    raise AssertionError(f"{what() if callable(what) else what} not met in {timeout} s")


class Broker:
    def __init__(self, folder, port):
        # Mosquitto started as root drops to its own user, which must be able
        # to write its persistence file across the restart.
        folder.chmod(0o711)
        data = folder / "broker"
        data.mkdir()
        data.chmod(0o777)
        self.config = folder / "mosquitto.conf"
        self.config.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\n"
                               f"persistence true\npersistence_location {data}/\n")
        self.port = port
        self.process = None

    def start(self):
        self.process = subprocess.Popen(["mosquitto", "-c", str(self.config)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def accepting():
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return True
            except OSError:
                return False
        wait_for(accepting, what="mosquitto listening")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


class Watcher:
    """A separate subscriber: every message under iotgw/e2e/ (or `topics`), in
    arrival order. Its session persists, so that the broker keeps what arrives
    while the watcher itself is reconnecting after a broker restart."""

    def __init__(self, port, name="watcher", topics="iotgw/e2e/#"):
        self.messages = queue.Queue()
        self.seen = []
        self.client = paho.Client(client_id=name, clean_session=False)
        self.client.reconnect_delay_set(min_delay=1, max_delay=1)
        self.client.on_message = lambda _c, _u, m: self.messages.put((m.topic, m.payload, m.retain))
        self.client.on_connect = lambda c, _u, _f, _rc: c.subscribe(topics, qos=1)
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def drain(self):
        while True:
            try:
                self.seen.append(self.messages.get_nowait())
            except queue.Empty:
                return self.seen

    def payloads(self, topic):
        return [payload for t, payload, _ in self.drain() if t == topic]

    def readings(self, point):
        return [json.loads(p) for p in self.payloads(f"iotgw/e2e/boiler/{point}")]

    def stop(self):
        self.client.loop_stop()
        self.client.disconnect()


class Gateway(unittest.TestCase):
    def setUp(self):
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.folder = pathlib.Path(folder.name)
        self.broker = Broker(self.folder, free_port())
        self.broker.start()
        self.addCleanup(self.broker.stop)
        gateway_port, device_port = self.folder / "gateway", self.folder / "device"
        socat = subprocess.Popen(["socat", f"pty,raw,echo=0,link={gateway_port}",
                                  f"pty,raw,echo=0,link={device_port}"])
        self.addCleanup(socat.kill)
        wait_for(lambda: gateway_port.exists() and device_port.exists(), what="pty pair")
        self.sim = subprocess.Popen(["/usr/bin/python3", str(SIM), "--rtu", str(device_port),
                                     "--baud", "19200"], stdout=subprocess.PIPE, text=True)
        self.addCleanup(self.sim.kill)
        self.addCleanup(self.sim.stdout.close)
        self.assertEqual(self.sim.stdout.readline().strip(), "ready")
        self.config = self.folder / "iotgw.toml"
        self.config.write_text(CONFIG.format(state=self.folder / "state", broker=self.broker.port,
                                             port=gateway_port))
        self.watcher = Watcher(self.broker.port)
        self.addCleanup(self.watcher.stop)

    def start_gateway(self):
        gateway = subprocess.Popen([IOTGW, "run", "-c", str(self.config)],
                                   stderr=open(self.folder / "gateway.log", "w"))
        self.addCleanup(gateway.kill)
        return gateway

    def command(self, point, payload, by_topic=False):
        """Sends a command and waits for its result: the one with the payload's
        id, or (by_topic: refused from the topic alone, so without one) the
        first on the point's result topic."""
        publisher = paho.Client(client_id="commander")
        publisher.connect("127.0.0.1", self.broker.port)
        publisher.loop_start()
        publisher.publish(f"iotgw/e2e/cmd/boiler/{point}/set", payload, qos=1).wait_for_publish()
        publisher.loop_stop()
        publisher.disconnect()
        topic = f"iotgw/e2e/cmd/boiler/{point}/result"
        request_id = json.loads(payload).get("id") if payload.startswith("{") and not by_topic \
            else None
        return wait_for(lambda: next((json.loads(p) for p in self.watcher.payloads(topic)
                                      if json.loads(p)["id"] == request_id), None),
                        what=f"a result on {topic}")

    def simulator_writes(self):
        """The writes the simulator saw so far (its stdout is line-buffered)."""
        os.set_blocking(self.sim.stdout.fileno(), False)
        lines = []
        while (line := self.sim.stdout.readline()):
            lines.append(line.strip())
        return lines

    def test_readings_arrive_with_their_values(self):
        self.start_gateway()
        wait_for(lambda: self.watcher.readings("pressure"), what="a pressure reading")
        flow = wait_for(lambda: self.watcher.readings("flow_temp"))[-1]
        self.assertEqual((flow["value"], flow["unit"], flow["quality"]), (21.5, "°C", "good"))
        self.assertEqual(wait_for(lambda: self.watcher.readings("offset"))[-1]["value"], -123)
        self.assertEqual(self.watcher.readings("pressure")[-1]["value"], 12.34)
        wait_for(lambda: b"online" in self.watcher.payloads("iotgw/e2e/status"), what="online")
        metrics = json.loads(wait_for(lambda: self.watcher.payloads("iotgw/e2e/metrics"))[-1])
        self.assertGreater(metrics["readings"], 0)
        self.assertIn("boiler", metrics["devices"])

    def test_commands_write_only_what_they_may(self):
        self.start_gateway()
        wait_for(lambda: b"online" in self.watcher.payloads("iotgw/e2e/status"), what="online")
        self.assertEqual(self.command("setpoint", '{"value":22.5,"id":"w1"}'),
                         {"id": "w1", "ok": True, "value": 22.5})
        wait_for(lambda: self.watcher.readings("setpoint")
                 and self.watcher.readings("setpoint")[-1]["value"] == 22.5,
                 what="the written value read back")
        refused = self.command("setpoint", '{"value":95,"id":"w2"}')
        self.assertEqual((refused["id"], refused["ok"]), ("w2", False))
        self.assertIn("outside the allowed range", refused["error"])
        refused = self.command("flow_temp", '{"value":30,"id":"w3"}', by_topic=True)
        self.assertEqual(refused, {"id": None, "ok": False,
                                   "error": 'point "flow_temp" is not writable'})
        self.assertEqual(self.simulator_writes(), ["write holding 10 [225]"])

    def test_graceful_stop_leaves_offline_retained(self):
        gateway = self.start_gateway()
        wait_for(lambda: b"online" in self.watcher.payloads("iotgw/e2e/status"), what="online")
        gateway.send_signal(signal.SIGTERM)
        self.assertEqual(gateway.wait(timeout=15), 0)
        late = Watcher(self.broker.port, "late-watcher")
        self.addCleanup(late.stop)
        status = wait_for(lambda: [(p, r) for t, p, r in late.drain() if t == "iotgw/e2e/status"],
                          what="the retained status")
        self.assertEqual(status[0], (b"offline", 1))

    def test_kill_9_publishes_the_will(self):
        gateway = self.start_gateway()
        wait_for(lambda: b"online" in self.watcher.payloads("iotgw/e2e/status"), what="online")
        gateway.send_signal(signal.SIGKILL)
        gateway.wait(timeout=10)
        wait_for(lambda: self.watcher.payloads("iotgw/e2e/status")[-1] == b"offline",
                 timeout=10, what="the will")

    def queued_rows(self):
        """(topic, ts) of every message the store holds: accepted, not yet acknowledged."""
        database = self.folder / "state" / "queue.db"
        if not database.exists():
            return set()
        db = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
        try:
            rows = db.execute("select topic, payload from messages").fetchall()
        except sqlite3.OperationalError:
            return set()
        finally:
            db.close()
        return {(topic, json.loads(bytes(payload))["ts"]) for topic, payload in rows}

    def received(self):
        """(topic, ts) of every telemetry message the watcher received, with repeats."""
        return [(t, json.loads(p)["ts"]) for t, p, _ in self.watcher.drain()
                if t.startswith("iotgw/e2e/boiler/")]

    def test_kill_9_at_random_moments_loses_no_accepted_reading(self):
        rng = random.Random(20261125)
        accepted = set()
        for kill in range(10):
            gateway = self.start_gateway()
            wait_for(lambda: self.watcher.payloads("iotgw/e2e/status")[-1:] == [b"online"],
                     what=f"online before kill {kill}")
            time.sleep(rng.uniform(0.2, 1.5))  # a random moment to kill at
            gateway.send_signal(signal.SIGKILL)
            gateway.wait(timeout=10)
            wait_for(lambda: self.watcher.payloads("iotgw/e2e/status")[-1:] == [b"offline"],
                     what=f"the will after kill {kill}")
            # What the store committed and still holds was accepted and must arrive.
            accepted |= self.queued_rows()
        self.start_gateway()
        wait_for(lambda: accepted <= set(self.received()), timeout=30,
                 what=lambda: f"{len(accepted - set(self.received()))} accepted readings")
        received = self.received()
        duplicates = len(received) - len(set(received))
        print(f"kill -9 x10: {len(accepted)} accepted readings held at the kills, all delivered; "
              f"{duplicates} duplicates in {len(received)} messages")
        self.assertGreater(len(accepted), 0)
        # At most the in-flight window may go out again per kill.
        self.assertLessEqual(duplicates, 10 * 60)

    def test_readings_taken_during_an_outage_arrive_in_order(self):
        self.start_gateway()
        wait_for(lambda: len(self.watcher.readings("flow_temp")) >= 2, what="readings")
        self.broker.stop()
        outage_start = time.time()
        time.sleep(20)  # the outage itself: the gateway keeps polling into the store
        outage_end = time.time()
        # Everything taken during the outage is in the store now, committed.
        held = self.queued_rows()
        self.broker.start()
        # The broker sent the will as it went down; the birth after the
        # reconnect replaces it.
        def retained_status():
            late = Watcher(self.broker.port, f"status-{time.monotonic_ns()}")
            try:
                return wait_for(lambda: [p for t, p, _ in late.drain() if t == "iotgw/e2e/status"],
                                timeout=1, what="a retained status")[-1]
            except AssertionError:
                return None
            finally:
                late.stop()
        wait_for(lambda: retained_status() == b"online",
                 what=lambda: "online again; gateway log:\n" + (self.folder / "gateway.log").read_text()[-3000:])
        # Every reading the store held arrives, and readings keep coming every
        # 250 ms in order. Those taken while the broker was down fill its
        # window: at least half of its 76 polls (a simulator slowed by a loaded
        # machine can miss a poll, which the scheduler skips rather than drift).
        wait_for(lambda: held <= set(self.received()), timeout=30,
                 what=lambda: f"{len(held - set(self.received()))} of {len(held)} held readings")
        times = [calendar.timegm(time.strptime(r["ts"][:19], "%Y-%m-%dT%H:%M:%S"))
                 + int(r["ts"][20:23]) / 1000 for r in self.watcher.readings("flow_temp")]
        self.assertEqual(times, sorted(times))
        inside = [t for t in times if outage_start + 0.5 <= t <= outage_end - 0.5]
        self.assertGreaterEqual(len(inside), 40, times)


if __name__ == "__main__":
    unittest.main(verbosity=2)
