#!/usr/bin/python3
"""The gateway speaking MQTT 5 end to end: the real iotgw binary with
mqtt.version = "5" against a real Mosquitto, the pymodbus simulator on a socat
pty pair, checked by independent MQTT 5 clients (paho) and by a relay that
records the bytes the gateway sends. Telemetry carries what is left of
telemetry.expiry and its content type, and goes out under topic aliases; a
reading whose expiry passed while a subscriber was offline is not delivered
to it; readings that expired in the gateway's store during an outage are
dropped, counted and never sent; readings the broker refuses (PUBACK 0x87)
are dropped without holding up the others; a command with a Response Topic
and Correlation Data gets its result there."""
import json
import pathlib
import socket
import sys
import threading
import time
import unittest

from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "support"))
import iotgw_rig as rig  # noqa: E402  pylint: disable=wrong-import-position

BOILER = "iotgw/m5/boiler/"
SETPOINT = rig.point("setpoint", 10, type="int16", scale=0.1, writable=True, min=5, max=80)
JSON_TYPE = "application/json"


def config_text(state, broker_port, serial_port, poll_interval="250ms", expiry="1h"):
    return rig.gateway_config(
        "m5", state, rig.mqtt(broker_port, version="5", keepalive="2s", reconnect_min="100ms",
                              reconnect_max="500ms"),
        rig.modbus_rtu("rs485", serial_port), {"name": "boiler", "poll_interval": poll_interval},
        [rig.FLOW_TEMP, rig.OFFSET, rig.PRESSURE, SETPOINT],
        store={"commit_interval": "100ms"},
        telemetry={"metrics_interval": "1s", "expiry": expiry})


class Relay:
    """A TCP relay from a free loopback port to the broker that records what
    each client connection sends (the gateway's side of the conversation)."""

    def __init__(self, broker_port):
        self.broker_port = broker_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sent = []  # one bytearray per connection
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                broker = socket.create_connection(("127.0.0.1", self.broker_port))
            except OSError:  # the broker is down: so is the connection through here
                client.close()
                continue
            with self.lock:
                self.sent.append(bytearray())
                record = self.sent[-1]
            threading.Thread(target=self._pump, args=(client, broker, record), daemon=True).start()
            threading.Thread(target=self._pump, args=(broker, client, None), daemon=True).start()

    def _pump(self, source, target, record):
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                data = b""
            if not data:
                rig.shutdown_quietly(target, socket.SHUT_WR)
                return
            if record is not None:
                with self.lock:
                    record.extend(data)
            target.sendall(data)

    def packets(self, since=0):
        """Every whole packet each connection sent, from the `since`-th on:
        (type, flags, body)."""
        with self.lock:
            streams = [bytes(stream) for stream in self.sent[since:]]
        packets = []
        for stream in streams:
            at = 0
            while at + 2 <= len(stream):
                length, used = read_variable_integer(stream, at + 1)
                if used == 0 or at + 1 + used + length > len(stream):
                    break
                body = stream[at + 1 + used:at + 1 + used + length]
                packets.append((stream[at] >> 4, stream[at] & 0x0F, body))
                at += 1 + used + length
        return packets

    def stop(self):
        self.listener.close()


def read_variable_integer(data, at):
    """5.0 1.5.5: (value, bytes used), or (0, 0) when it is cut off."""
    value, shift, used = 0, 0, 0
    while at + used < len(data):
        byte = data[at + used]
        value |= (byte & 0x7F) << shift
        used += 1
        if not byte & 0x80:
            return value, used
        shift += 7
    return 0, 0


# The wire sizes of the properties the gateway sends in PUBLISH (5.0 2.2.2.2).
FIXED_SIZE = {0x01: 1, 0x02: 4, 0x23: 2}
PREFIXED = {0x03, 0x08, 0x09}  # two-byte length, then the bytes
USER_PROPERTY = 0x26  # two of those: name and value


def publish_fields(flags, body):
    """A PUBLISH body as (topic, {property id: value}, payload)."""
    topic_length = int.from_bytes(body[0:2], "big")
    topic = body[2:2 + topic_length].decode()
    at = 2 + topic_length + (2 if (flags >> 1) & 3 else 0)
    length, used = read_variable_integer(body, at)
    at += used
    end = at + length
    properties = {}
    while at < end:
        identifier = body[at]
        at += 1
        if identifier in FIXED_SIZE:
            size = FIXED_SIZE[identifier]
            properties[identifier] = int.from_bytes(body[at:at + size], "big")
            at += size
        elif identifier in PREFIXED:
            size = int.from_bytes(body[at:at + 2], "big")
            properties[identifier] = body[at + 2:at + 2 + size]
            at += 2 + size
        elif identifier == USER_PROPERTY:
            pair = []
            for _ in range(2):
                size = int.from_bytes(body[at:at + 2], "big")
                pair.append(body[at + 2:at + 2 + size].decode())
                at += 2 + size
            properties.setdefault(identifier, []).append(tuple(pair))
        else:
            raise AssertionError(f"unexpected property 0x{identifier:02X} in a PUBLISH")
    return topic, properties, body[end:]


def subscribe_options(body):
    """A SUBSCRIBE body's (filter, options byte) pairs."""
    at = 2  # packet id
    length, used = read_variable_integer(body, at)
    at += used + length
    entries = []
    while at < len(body):
        size = int.from_bytes(body[at:at + 2], "big")
        entries.append((body[at + 2:at + 2 + size].decode(), body[at + 2 + size]))
        at += 3 + size
    return entries


class Mqtt5Gateway(unittest.TestCase):
    def setUp(self):
        self.folder = rig.temporary_folder(self.addCleanup)
        self.broker = rig.Broker(self.folder).start()
        self.addCleanup(self.broker.stop)
        self.pty, self.sim = rig.simulated_rtu_device(self.addCleanup, self.folder)

    def gateway(self, broker_port=None, **keys):
        gateway = rig.Gateway(self.folder, config_text(self.folder / "state",
                                                       broker_port or self.broker.port,
                                                       self.pty.gateway, **keys))
        self.addCleanup(gateway.kill)
        return gateway.start()

    def client(self, name, topics=(), session_expiry=0):
        client = rig.Client5(self.broker.port, name, topics, session_expiry)
        self.addCleanup(client.disconnect)
        return client

    def test_telemetry_carries_expiry_and_content_type_under_topic_aliases(self):
        relay = Relay(self.broker.port)
        self.addCleanup(relay.stop)
        watcher = self.client("watcher", [BOILER + "#"])
        gateway = self.gateway(broker_port=relay.port)
        gateway.wait_log("with MQTT 5")
        rig.wait_for(lambda: len(watcher.on(BOILER + "flow_temp")) >= 3, what="three readings")
        payload, properties = watcher.on(BOILER + "flow_temp")[-1]
        self.assertEqual(json.loads(payload)["value"], 21.5)
        self.assertEqual(properties.ContentType, JSON_TYPE)
        self.assertEqual(properties.PayloadFormatIndicator, 1)
        # What is left of the hour after its time in the store and on the way.
        self.assertLessEqual(properties.MessageExpiryInterval, 3600)
        self.assertGreater(properties.MessageExpiryInterval, 3500)

        # On the wire: each topic named once with its alias, then the alias alone.
        publishes = [publish_fields(flags, body)[:2]
                     for kind, flags, body in relay.packets() if kind == 3]
        named = {props[0x23]: topic for topic, props in publishes if topic and 0x23 in props}
        aliased_only = [props[0x23] for topic, props in publishes if not topic]
        self.assertGreaterEqual(len([t for t in named.values() if t.startswith(BOILER)]), 4,
                                publishes[:10])
        self.assertTrue(aliased_only, "no PUBLISH used an alias alone")
        self.assertTrue(set(aliased_only) <= set(named))
        # The command subscription asks not to get the gateway's own messages back.
        subscriptions = [entry for kind, _, body in relay.packets() if kind == 8
                         for entry in subscribe_options(body)]
        self.assertIn(("iotgw/m5/cmd/#", 0x01 | 0x04), subscriptions)

    def test_reading_expired_while_a_subscriber_was_away_is_not_delivered_to_it(self):
        away = self.client("away", [BOILER + "#"], session_expiry=3600)
        away.disconnect()
        watcher = self.client("watcher", [BOILER + "#"])
        # One poll, whose readings may live 2 s.
        self.gateway(poll_interval="1h", expiry="2s")
        first = rig.wait_for(lambda: watcher.on(BOILER + "flow_temp"), what="a reading")
        self.assertLessEqual(first[0][1].MessageExpiryInterval, 2)
        published = time.monotonic()
        rig.wait_for(lambda: time.monotonic() > published + 3, timeout=5,
                     what="the expiry passed")
        away.connect()
        # A marker sent after the session resumed comes after anything the
        # broker kept for it.
        marker = self.client("marker")
        marker.publish(BOILER + "marker", b"after")
        rig.wait_for(lambda: away.on(BOILER + "marker"), what="the marker")
        self.assertEqual([topic for topic, _, _ in away.drain()], [BOILER + "marker"])

    def test_readings_that_expired_in_the_store_are_dropped_and_counted(self):
        relay = Relay(self.broker.port)
        self.addCleanup(relay.stop)
        watcher = self.client("watcher", ["iotgw/m5/#"])
        gateway = self.gateway(broker_port=relay.port, expiry="2s")
        rig.wait_for(lambda: watcher.on(BOILER + "flow_temp"), what="a reading")
        self.broker.stop()
        outage_start = time.time()
        time.sleep(4)  # the outage itself: the gateway keeps polling into the store
        back = time.time()
        connections = len(relay.sent)
        self.broker.start()
        gateway.wait_log("dropping queued readings older than telemetry.expiry")
        watcher.disconnect()
        watcher.connect(subscribe=True)
        metrics = rig.wait_for(lambda: [json.loads(p) for p, _ in watcher.on("iotgw/m5/metrics")
                                        if json.loads(p)["expired"] > 0],
                               what="metrics counting expired readings")
        self.assertGreater(metrics[-1]["expired"], 0)
        rig.wait_for(lambda: [p for p, _ in watcher.on(BOILER + "flow_temp")
                              if rig.epoch(json.loads(p)["ts"]) > back],
                     what="a reading taken after the outage")
        # What the gateway sent after the outage (bar resends of what was in
        # flight as it began) was younger than 2 s when sent.
        published = [publish_fields(flags, body)
                     for kind, flags, body in relay.packets(since=connections) if kind == 3]
        payloads = [payload for _, _, payload in published]
        readings = [json.loads(p)["ts"] for p in payloads if p.startswith(b'{"ts"')]
        self.assertTrue(readings, payloads[:5])
        stale = [ts for ts in readings if outage_start < rig.epoch(ts) < back - 2]
        self.assertEqual(stale, [])
        # Readings taken during the outage are marked as backlog, in the
        # payload and in a user property; those taken after it are not.
        for _, properties, payload in published:
            if not payload.startswith(b'{"ts"'):
                continue
            taken = rig.epoch(json.loads(payload)["ts"])
            if outage_start + 1 < taken < back:
                self.assertEqual(properties.get(USER_PROPERTY), [("backfill", "true")], payload)
                self.assertIs(json.loads(payload)["backfill"], True)
            elif taken > back + 1:
                self.assertNotIn(USER_PROPERTY, properties, payload)
                self.assertNotIn("backfill", json.loads(payload))

    def test_a_reading_the_broker_refuses_is_dropped_and_the_others_flow(self):
        # The broker's access control refuses one point's topic: PUBACK 0x87.
        acl = self.folder / "acl"
        acl.write_text("topic readwrite iotgw/m5/#\ntopic deny iotgw/m5/boiler/offset\n")
        self.broker.stop()
        self.broker = rig.Broker(self.folder, extra=f"acl_file {acl}\n").start()
        self.addCleanup(self.broker.stop)
        watcher = self.client("watcher", ["iotgw/m5/#"])
        gateway = self.gateway()
        gateway.wait_log("the broker refused a message: Not authorized")
        metrics = rig.wait_for(lambda: [json.loads(p) for p, _ in watcher.on("iotgw/m5/metrics")
                                        if json.loads(p)["refused"].get("Not authorized", 0) > 1],
                               what="metrics counting refused readings")
        # Every refusal dropped its row: the queue does not grow behind them.
        rig.wait_for(lambda: len(watcher.on(BOILER + "flow_temp")) >= 8, what="readings flowing")
        self.assertLess(metrics[-1]["queued"], 60)
        self.assertEqual(watcher.on(BOILER + "offset"), [])
        self.assertEqual(gateway.run_log().count("the broker refused a message"), 1)

    def test_command_with_response_topic_gets_its_result_there(self):
        replies = self.client("app", ["app/replies/#", "iotgw/m5/cmd/+/+/result"])
        status = self.client("status", ["iotgw/m5/status"])
        self.gateway()
        # The gateway subscribes to commands before it publishes "online".
        rig.wait_for(lambda: b"online" in [p for p, _ in status.on("iotgw/m5/status")],
                     what="online")
        request = Properties(PacketTypes.PUBLISH)
        request.ResponseTopic = "app/replies/7"
        request.CorrelationData = b"\x00\x01request-7"
        replies.publish("iotgw/m5/cmd/boiler/setpoint/set", '{"value":22.5,"id":"r7"}', request)
        rig.wait_for(lambda: replies.on("app/replies/7"), what="a result on the Response Topic")
        payload, properties = replies.on("app/replies/7")[0]
        self.assertEqual(json.loads(payload), {"id": "r7", "ok": True, "value": 22.5})
        self.assertEqual(properties.CorrelationData, b"\x00\x01request-7")
        self.assertEqual(properties.ContentType, JSON_TYPE)

        # A Response Topic under the command topic is refused on …/result.
        hostile = Properties(PacketTypes.PUBLISH)
        hostile.ResponseTopic = "iotgw/m5/cmd/boiler/setpoint/set"
        hostile.CorrelationData = b"loop"
        replies.publish("iotgw/m5/cmd/boiler/setpoint/set", '{"value":30,"id":"r8"}', hostile)
        result = "iotgw/m5/cmd/boiler/setpoint/result"
        rig.wait_for(lambda: replies.on(result), what="the refusal on …/result")
        payload, properties = replies.on(result)[0]
        self.assertEqual(json.loads(payload)["ok"], False)
        self.assertIn("is under the command topic", json.loads(payload)["error"])
        self.assertFalse(hasattr(properties, "CorrelationData"))
        # The results of r7 went to the Response Topic only; r8 wrote nothing.
        self.assertEqual(len(replies.on(result)), 1)
        self.assertEqual(self.sim.writes(), ["write holding 10 [225]"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
