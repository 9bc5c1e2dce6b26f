#!/usr/bin/python3
"""Hostile Modbus peers against the real `iotgw run`: small fake slaves written
here from the Modbus specs (raw sockets for Modbus TCP, a socat pty pair for
RTU) answer the gateway's reads properly, then spoil their answers one way per
test, then answer properly again. Each test asserts the readings' quality
during the attack, the counter in the metrics message, that good readings flow
again afterwards, that the gateway stays alive, and that it never sent the
device anything but reads.

  IOTGW_BINARY=build/gateway/iotgw /usr/bin/python3 tests/integration/hostile/modbus.py
"""
import os
import pathlib
import random
import select
import socket
import struct
import sys
import threading
import time
import tty
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "support"))
import iotgw_rig as rig  # noqa: E402  pylint: disable=wrong-import-position

UNIT = 1
READ_FUNCTIONS = {1, 2, 3, 4}


def config_text(name, state, broker_port, bus):
    return rig.gateway_config(
        name, state, rig.mqtt(broker_port, keepalive="5s", clean_session=True,
                              reconnect_min="100ms", reconnect_max="200ms"),
        bus, {"name": "meter", "unit_id": UNIT, "poll_interval": "100ms"},
        [rig.point("level", 0, type="uint16")],
        store={"commit_interval": "50ms"}, telemetry={"metrics_interval": "1s"})


# The timing of every test's bus, whichever slave is on it.
BUS_KEYS = {"timeout": "100ms", "retries": 1}


def registers_pdu(function, address, quantity, extra=0):
    """A read registers response (6.3, 6.4): values 100 + address, with
    `extra` registers more than were asked for."""
    count = quantity + extra
    return (struct.pack(">BB", function, 2 * count) +
            b"".join(struct.pack(">H", (100 + address + i) & 0xFFFF) for i in range(count)))


class Slave:
    """What both fake slaves share: the attack in force (`mode`) and every
    request seen, as (unit, function) pairs."""

    def __init__(self):
        self.mode = "good"
        self.requests = []
        self.lock = threading.Lock()
        self.noise = random.Random(11)

    def seen(self, unit, function):
        with self.lock:
            self.requests.append((unit, function))

    def writes(self):
        with self.lock:
            return [r for r in self.requests if r[1] not in READ_FUNCTIONS]

    def units(self):
        with self.lock:
            return {unit for unit, _ in self.requests}

    def count(self):
        with self.lock:
            return len(self.requests)


class RtuSlave(Slave):
    """A slave on one end of a socat pty pair; the gateway opens the other end."""

    def __init__(self, folder):
        super().__init__()
        self.pty = rig.PtyPair(folder)
        self.fd = os.open(self.pty.device, os.O_RDWR | os.O_NOCTTY)
        tty.setraw(self.fd)
        self.running = True
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        buffer = b""
        while self.running:
            ready, _, _ = select.select([self.fd], [], [], 0.1)
            if not ready:
                continue
            try:
                buffer += os.read(self.fd, 512)
            except OSError:
                return
            while len(buffer) >= 8:
                unit, function = buffer[0], buffer[1]
                size = 9 + buffer[6] if function in (15, 16) and len(buffer) > 6 else 8
                if len(buffer) < size:
                    break
                request, buffer = buffer[:size], buffer[size:]
                if rig.with_modbus_crc(request[:-2]) != request:
                    buffer = b""  # lost sync: wait for the next request
                    break
                self.seen(unit, function)
                answer = self.answer(request)
                if answer:
                    os.write(self.fd, answer)

    def answer(self, request):
        unit, function, address, quantity = struct.unpack(">BBHH", request[:6])
        if function not in (3, 4):
            return None
        good = rig.with_modbus_crc(bytes([unit]) + registers_pdu(function, address, quantity))
        mode = self.mode
        if mode == "good":
            return good
        if mode == "silent":
            return None
        if mode == "bad_crc":
            return good[:-2] + bytes(b ^ 0xFF for b in good[-2:])
        if mode == "wrong_unit":
            return rig.with_modbus_crc(bytes([unit + 1]) +
                                       registers_pdu(function, address, quantity))
        if mode == "truncated":
            return good[:len(good) - 3]
        if mode == "more_registers":
            return rig.with_modbus_crc(bytes([unit]) +
                                       registers_pdu(function, address, quantity, extra=2))
        if mode == "over_256_bytes":
            # A byte count of 255 makes a 260-byte frame, past the 256 of an RTU ADU.
            return rig.with_modbus_crc(bytes([unit, function, 255]) + bytes(255)) + bytes(40)
        if mode == "noise":
            # Never the unit id, so no byte can start a frame for this device.
            return bytes(self.noise.randrange(2, 256) for _ in range(len(good) + 20))
        if mode == "noise_then_answer":
            return bytes(self.noise.randrange(2, 256) for _ in range(20)) + good
        raise AssertionError(f"unknown mode {mode}")

    def bus(self):
        return rig.modbus_rtu("field", self.pty.gateway, **BUS_KEYS)

    def stop(self):
        self.running = False
        os.close(self.fd)
        self.pty.stop()


class TcpSlave(Slave):
    """A Modbus TCP server on a free loopback port, one thread per connection."""

    def __init__(self):
        super().__init__()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.sockets = []
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            self.sockets.append(sock)
            threading.Thread(target=self.serve, args=(sock,), daemon=True).start()

    def serve(self, sock):
        buffer = b""
        while True:
            try:
                data = sock.recv(4096)
            except OSError:
                return
            if not data:
                sock.close()
                return
            buffer += data
            # Messaging spec 3.1.3: MBAP (transaction, protocol, length, unit), PDU.
            while len(buffer) >= 7:
                length = struct.unpack(">H", buffer[4:6])[0]
                if len(buffer) < 6 + length:
                    break
                request, buffer = buffer[:6 + length], buffer[6 + length:]
                self.seen(request[6], request[7])
                answer = self.answer(request)
                if answer:
                    try:
                        sock.sendall(answer)
                    except OSError:
                        return

    def answer(self, request):
        transaction, _protocol, _length, unit, function = struct.unpack(">HHHBB", request[:8])
        if function not in (3, 4):
            return None
        address, quantity = struct.unpack(">HH", request[8:12])

        def frame(pdu, unit=unit, transaction=transaction, protocol=0, length=None):
            return struct.pack(">HHHB", transaction, protocol,
                               len(pdu) + 1 if length is None else length, unit) + pdu

        pdu = registers_pdu(function, address, quantity)
        mode = self.mode
        if mode == "good":
            return frame(pdu)
        if mode == "silent":
            return None
        if mode == "wrong_unit":
            return frame(pdu, unit=unit + 1)
        if mode == "wrong_transaction":
            return frame(pdu, transaction=(transaction + 1000) & 0xFFFF)
        if mode == "wrong_protocol":
            return frame(pdu, protocol=0x1234)
        if mode == "more_registers":
            return frame(registers_pdu(function, address, quantity, extra=2))
        if mode == "impossible_length":
            return frame(pdu, length=0xFFFF) + bytes(64)
        if mode == "truncated":
            return frame(pdu)[:-3]
        if mode == "garbage":
            # Random bytes whose first MBAP length field is impossible (over 254).
            noise = bytearray(self.noise.randbytes(64))
            noise[4] |= 0x80
            return bytes(noise)
        raise AssertionError(f"unknown mode {mode}")

    def bus(self):
        return rig.modbus_tcp("field", self.port, **BUS_KEYS)

    def stop(self):
        self.listener.close()
        for sock in self.sockets:
            sock.close()


def setUpModule():  # pylint: disable=invalid-name
    global FOLDER, MOSQUITTO, WATCHER  # pylint: disable=global-statement
    FOLDER = rig.temporary_folder(unittest.addModuleCleanup, prefix="iotgw-hostile-modbus-")
    MOSQUITTO = rig.Broker(FOLDER).start()
    WATCHER = rig.Watcher(MOSQUITTO.port)


def tearDownModule():  # pylint: disable=invalid-name
    WATCHER.stop()
    MOSQUITTO.stop()


class HostilePeer:
    """The shape of every test: good answers, the attack, good answers again."""

    def make_slave(self, folder):
        raise NotImplementedError

    def setUp(self):
        self.name = self._testMethodName.removeprefix("test_").replace("_", "-")
        self.name = f"{type(self).__name__.lower()}-{self.name}"[:48]
        self.state = FOLDER / self.name
        self.state.mkdir()
        self.slave = self.make_slave(self.state)
        self.gateway = rig.Gateway(self.state, config_text(self.name, self.state, MOSQUITTO.port,
                                                           self.slave.bus()))
        self.topic = f"iotgw/{self.name}/meter/level"
        self.started = time.monotonic()
        self.gateway.start()

    def tearDown(self):
        code = self.gateway.stop()
        self.slave.stop()
        print(f"\n  {self.name}: {time.monotonic() - self.started:.1f} s", file=sys.stderr,
              end=" ")
        self.assertEqual(code, 0, f"iotgw run did not stop cleanly:\n{self.gateway.log()[-3000:]}")

    def readings(self, since=0):
        return WATCHER.json(self.topic)[since:]

    def metrics(self):
        return WATCHER.json(f"iotgw/{self.name}/metrics")

    def wait_quality(self, quality, since, timeout=10.0):
        """The first reading after index `since` with `quality`; its index."""
        def found():
            for i, reading in enumerate(self.readings(since)):
                if reading["quality"] == quality:
                    return since + i + 1
            return None
        return rig.wait_for(found, timeout, what=lambda: (
            f"a {quality} reading after #{since} (got "
            f"{[r['quality'] for r in self.readings(since)][-8:]}):\n{self.gateway.log()[-2000:]}"))

    def device_metrics(self, after=None):
        """The newest metrics of the device, once one newer than `after` arrived."""
        def newest():
            metrics = self.metrics()
            if metrics and (after is None or metrics[-1]["uptime_s"] > after["uptime_s"] or
                            metrics[-1]["devices"]["meter"] != after["devices"]["meter"]):
                return metrics[-1]
            return None
        return rig.wait_for(newest, 5, what="a metrics message")

    def attack(self, mode, quality, counter=None, recovers_within=10.0):
        """Good readings, then `mode` until a reading of `quality` (and, when
        named, a rise of `counter` in the metrics), then good readings again."""
        seen = self.wait_quality("good", 0, timeout=15)
        self.assertEqual(self.readings()[seen - 1]["value"], 100)
        before = self.device_metrics()
        requests_before = self.slave.count()
        self.slave.mode = mode
        attacked_at = len(self.readings())
        hit = self.wait_quality(quality, attacked_at)
        self.assertIsNone(self.readings()[hit - 1]["value"])
        if counter:
            rig.wait_for(lambda: self.device_metrics(before)["devices"]["meter"][counter] >
                         before["devices"]["meter"][counter], 5,
                         what=lambda: f"{counter} rising in the metrics: {self.metrics()[-1:]}")
        self.assertGreater(self.slave.count(), requests_before)
        self.assertTrue(self.gateway.alive(), f"iotgw exited:\n{self.gateway.log()[-3000:]}")
        self.slave.mode = "good"
        recovered_from = len(self.readings())
        good = self.wait_quality("good", recovered_from, timeout=recovers_within)
        self.assertEqual(self.readings()[good - 1]["value"], 100)
        self.assertTrue(self.gateway.alive())
        # Reads only: nothing the peer sent made the gateway write to it.
        self.assertEqual(self.slave.writes(), [])
        self.assertEqual(self.slave.units(), {UNIT})
        return self.device_metrics()


class RtuPeer(HostilePeer, unittest.TestCase):
    """Modbus RTU: the slave writes raw bytes on its end of a pty pair."""

    def make_slave(self, folder):
        return RtuSlave(folder)

    def test_bad_crc(self):
        after = self.attack("bad_crc", "crc_error", counter="crc_errors")
        self.assertGreater(after["devices"]["meter"]["crc_errors"], 0)

    def test_wrong_unit_id(self):
        self.attack("wrong_unit", "timeout", counter="timeouts")

    def test_truncated_frame(self):
        self.attack("truncated", "timeout", counter="timeouts")

    def test_more_registers_than_asked(self):
        self.attack("more_registers", "protocol_error")

    def test_frame_over_256_bytes(self):
        self.attack("over_256_bytes", "timeout", counter="timeouts")

    def test_silence(self):
        self.attack("silent", "timeout", counter="timeouts")

    def test_noise(self):
        self.attack("noise", "timeout", counter="timeouts")

    def test_noise_before_the_answer(self):
        # Serial line spec 2.5.1: the framer resynchronises on the real frame.
        self.wait_quality("good", 0, timeout=15)
        self.slave.mode = "noise_then_answer"
        since = len(self.readings())
        rig.wait_for(lambda: len(self.readings(since)) >= 5, 10, "five readings through noise")
        self.assertEqual({(r["quality"], r["value"]) for r in self.readings(since)},
                         {("good", 100)})
        self.assertTrue(self.gateway.alive())
        self.assertEqual(self.slave.writes(), [])


class TcpPeer(HostilePeer, unittest.TestCase):
    """Modbus TCP: the slave is a raw socket server."""

    def make_slave(self, folder):
        return TcpSlave()

    def test_silence(self):
        self.attack("silent", "timeout", counter="timeouts")

    def test_wrong_unit_id(self):
        self.attack("wrong_unit", "timeout", counter="timeouts")

    def test_wrong_transaction_id(self):
        self.attack("wrong_transaction", "timeout", counter="timeouts")

    def test_wrong_protocol_id(self):
        self.attack("wrong_protocol", "timeout", counter="timeouts")

    def test_more_registers_than_asked(self):
        self.attack("more_registers", "protocol_error")

    def test_truncated_frame(self):
        self.attack("truncated", "timeout", counter="timeouts")

    def test_impossible_length_field(self):
        # The stream has lost its framing: the gateway drops the connection
        # (port_down) and connects again.
        connections = self.slave.connections
        self.attack("impossible_length", "port_down")
        self.assertGreater(self.slave.connections, connections)

    def test_random_bytes(self):
        connections = self.slave.connections
        self.attack("garbage", "port_down")
        self.assertGreater(self.slave.connections, connections)

    def test_a_peer_that_breaks_every_connection_is_backed_off(self):
        # Garbage on every connection, for 8 s: reconnects back off (0.5, 1,
        # 2, 4 s) instead of coming every half second, and so do their lines.
        self.wait_quality("good", 0, timeout=15)
        self.slave.mode = "garbage"
        connections = self.slave.connections
        rig.wait_for(lambda: self.slave.connections > connections, 5, what="a reconnection")
        start = time.monotonic()
        rig.wait_for(lambda: time.monotonic() - start >= 8.0, 10, what="8 s of attack")
        reconnections = self.slave.connections - connections
        self.assertLessEqual(reconnections, 6, f"{reconnections} reconnections in 8 s")
        self.assertLessEqual(self.gateway.log().count(": open"), 7, self.gateway.log()[-3000:])
        self.slave.mode = "good"
        self.wait_quality("good", len(self.readings()), timeout=20)


if __name__ == "__main__":
    unittest.main(verbosity=2)
