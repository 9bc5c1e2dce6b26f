#!/usr/bin/python3
"""Soak benchmark of the reliability contract (README "Reliability"): kill -9
the real `iotgw run` many times at random moments, with a separate MQTT
subscriber (the observer) attached to the broker the whole time, and check
that no accepted reading is lost, that each topic's readings arrive in order,
and that the duplicates after each kill stay within the documented bound.
Run by hand, not by scripts/test:

  tests/bench/soak/kill9_soak.py [--kills 1000] [--seed S] [--binary PATH]

The rig (tests/support/iotgw_rig.py): a real Mosquitto, the pymodbus
simulator over Modbus TCP, the gateway polling one device's points every
25 ms with the `json` payload, so that each reading's "ts" (milliseconds) is
unique per topic and increases with the reading's order. The gateway reaches
the broker through a relay in this script, which can refuse connections
(an outage that leaves the observer connected) and sees the CONNACK.

A reading is accepted once its store transaction commits. After every kill the
store's SQLite file is read read-only: every row it holds was accepted and must
reach the observer at least once (these are the "held at kills"). Everything
the observer received was accepted too. At the end the gateway runs once more
until every held reading arrived, and stops cleanly.

The kill moments, chosen at random for each kill:
- random:  a uniform moment in the first 1.5 s of the process (start-up,
           store recovery, connect, resend, steady polling);
- commit:  inside a store write: strace injects SIGKILL at the entry of the
           Nth pwrite64 of a thread (a WAL frame of a commit, or a checkpoint);
- backlog: the uplink refuses connections until the store holds a random
           number of readings, then comes back; the kill falls at a random
           point of the drain, measured in bytes the gateway sent the broker;
- connect: right after the CONNACK reached the gateway, or after its first
           few hundred bytes of PUBLISH.

Duplicates of a kill are the readings received again in the process started
after it; the documented bound per crash is the in-flight window plus fewer
than another window, 2 * mqtt.inflight - 1. Exit status: 0, or 1 when a reading
was lost, arrived out of order, or a kill's duplicates passed the bound; 2 when
the rig itself failed. A reused sequence number in the store and an end of
iotgw other than by SIGKILL (or exit 0 at the final stop) count as failures
too."""
import argparse
import calendar
import os
import pathlib
import queue
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "support"))
import iotgw_rig as rig  # noqa: E402  pylint: disable=wrong-import-position

GATEWAY_ID = "soak"
STATUS_TOPIC = f"iotgw/{GATEWAY_ID}/status"
TELEMETRY_PREFIX = f"iotgw/{GATEWAY_ID}/meter/"

POINTS = [
    rig.point("flow_temp", 0, type="float32"),
    rig.point("offset", 2, type="int16"),
    rig.point("setpoint", 3),
    rig.point("pressure", 0, register="input", scale=0.01),
    rig.point("flow", 1, register="input"),
    rig.point("pump", 0, register="coil"),
]


def config_text(state, uplink_port, modbus_port, args):
    return rig.gateway_config(
        GATEWAY_ID, state, rig.mqtt(uplink_port, keepalive="5s", reconnect_min="50ms",
                                    reconnect_max="200ms", inflight=args.inflight),
        rig.modbus_tcp("plant", modbus_port, timeout="500ms"),
        {"name": "meter", "poll_interval": args.poll}, POINTS,
        store={"commit_interval": args.commit_interval},
        # By hand on a machine whose kernel clock nothing disciplines, too.
        telemetry={"payload": "json", "metrics_interval": "0s", "clock_hold": "0s"},
        commands={"enabled": False})

KINDS = (("random", 0.45), ("commit", 0.20), ("backlog", 0.15), ("connect", 0.20))


class RigFailure(Exception):
    """The rig, not the gateway, could not go on."""


# --------------------------------------------------------------------------
# Readings as integers: (topic number << 42) | milliseconds of "ts".

class Keys:
    def __init__(self):
        self.topics = {}
        self.names = []
        self.seconds = {}

    def topic(self, name):
        number = self.topics.get(name)
        if number is None:
            number = self.topics[name] = len(self.names)
            self.names.append(name)
        return number

    def millis(self, ts):
        """"2026-11-25T19:00:00.123Z" -> milliseconds since the epoch."""
        head, _, fraction = ts.partition(".")
        seconds = self.seconds.get(head)
        if seconds is None:
            seconds = self.seconds[head] = calendar.timegm(time.strptime(head, "%Y-%m-%dT%H:%M:%S"))
        return seconds * 1000 + int((fraction.rstrip("Z") + "000")[:3])

    def key(self, topic, payload):
        text = bytes(payload).decode()
        start = text.index('"ts":"') + 6
        return (self.topic(topic) << 42) | self.millis(text[start:text.index('"', start)])

    def describe(self, key):
        ms = key & ((1 << 42) - 1)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}Z"
        return f"{self.names[key >> 42]} ts {stamp}"


# --------------------------------------------------------------------------
# The relay between the gateway and the broker.

class Uplink:
    """A TCP relay from a port of its own to the broker. `down()` closes the
    listening socket (connections are refused, as by a stopped broker) while
    the observer stays connected to the broker itself. It counts the
    connections the broker accepted (a CONNACK with return code 0) and can
    call a function once, in the next accepted connection, as soon as the
    gateway has sent a given number of bytes after the CONNACK."""

    def __init__(self, broker_port):
        self.broker_port = broker_port
        self.port = rig.free_port()
        self.changed = threading.Condition()
        self.listener = None
        self.open = 0          # connections not finished on both sides
        self.accepted = 0      # connections the broker accepted, ever
        self.trigger = None    # [threshold, function]
        self.sockets = set()

    def up(self):
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self):
        listener, self.listener = self.listener, None
        if listener is not None:
            rig.shutdown_quietly(listener)
            listener.close()
        with self.changed:
            for sock in list(self.sockets):
                rig.shutdown_quietly(sock)

    def arm(self, threshold, function):
        with self.changed:
            self.trigger = [threshold, function]

    def disarm(self):
        with self.changed:
            self.trigger = None

    def wait_idle(self, timeout=20.0):
        with self.changed:
            if not self.changed.wait_for(lambda: self.open == 0, timeout):
                raise RigFailure(f"uplink: {self.open} connections still open after {timeout} s")

    def _accept(self, listener):
        while True:
            try:
                gateway_side, _ = listener.accept()
            except OSError:
                return
            try:
                broker_side = socket.create_connection(("127.0.0.1", self.broker_port), timeout=5)
                broker_side.settimeout(None)
            except OSError:
                gateway_side.close()
                continue
            for sock in (gateway_side, broker_side):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            state = {"connack": False, "sent": 0, "trigger": None, "ends": 0}
            with self.changed:
                self.open += 1
                self.sockets.update((gateway_side, broker_side))
            threading.Thread(target=self._upstream, daemon=True,
                             args=(gateway_side, broker_side, state)).start()
            threading.Thread(target=self._downstream, daemon=True,
                             args=(gateway_side, broker_side, state)).start()

    def _fire(self, state):
        """Calls the trigger function once the gateway sent enough after the CONNACK."""
        trigger = state["trigger"]
        if trigger is not None and state["sent"] >= trigger[0]:
            state["trigger"] = None
            trigger[1]()

    def _upstream(self, gateway_side, broker_side, state):
        """Gateway -> broker; at the gateway's end, half-closes towards the
        broker so that the broker's answers (a CONNACK) are still seen."""
        try:
            while (chunk := gateway_side.recv(65536)):
                broker_side.sendall(chunk)
                if state["connack"]:
                    state["sent"] += len(chunk)
                    self._fire(state)
        except OSError:
            pass
        rig.shutdown_quietly(broker_side, socket.SHUT_WR)
        self._end(gateway_side, broker_side, state)

    def _downstream(self, gateway_side, broker_side, state):
        """Broker -> gateway; the first packet from the broker is the CONNACK."""
        first = True
        try:
            while (chunk := broker_side.recv(65536)):
                if first:
                    first = False
                    if len(chunk) >= 4 and chunk[0] == 0x20 and chunk[3] == 0:
                        with self.changed:
                            self.accepted += 1
                            state["trigger"], self.trigger = self.trigger, None
                        try:
                            gateway_side.sendall(chunk)
                        except OSError:
                            pass
                        state["connack"] = True
                        self._fire(state)
                        continue
                try:
                    gateway_side.sendall(chunk)
                except OSError:
                    pass  # keep reading until the broker closes
        except OSError:
            pass
        rig.shutdown_quietly(gateway_side)
        self._end(gateway_side, broker_side, state)

    def _end(self, gateway_side, broker_side, state):
        with self.changed:
            state["ends"] += 1
            if state["ends"] == 2:
                self.open -= 1
                self.sockets.difference_update((gateway_side, broker_side))
                gateway_side.close()
                broker_side.close()
                self.changed.notify_all()


# --------------------------------------------------------------------------
# The observer: what reached the broker, checked as it arrives.

class Observer:
    def __init__(self, broker_port, keys):
        self.keys = keys
        self.watcher = rig.Watcher(broker_port, f"iotgw/{GATEWAY_ID}/#", name="soak-observer")
        self.lost_connection = threading.Event()
        self.watcher.client.on_disconnect = lambda *_: self.lost_connection.set()
        self.received = set()
        self.last = {}             # topic number -> newest ts (ms) received
        self.messages = 0
        self.duplicates = 0        # in the current process of the gateway
        self.order_violations = []
        self.offline = 0
        self.online = 0

    def take(self):
        """Takes in everything the watcher has received so far."""
        if self.lost_connection.is_set():
            raise RigFailure("the observer lost its connection to the broker")
        messages = self.watcher.messages
        while True:
            try:
                topic, payload, retained = messages.get_nowait()
            except queue.Empty:
                return
            if retained:
                continue  # a retained status from before the subscription
            if topic == STATUS_TOPIC:
                if payload == b"offline":
                    self.offline += 1
                elif payload == b"online":
                    self.online += 1
                continue
            if not topic.startswith(TELEMETRY_PREFIX):
                continue
            self.messages += 1
            key = self.keys.key(topic, payload)
            if key in self.received:
                self.duplicates += 1
                continue
            self.received.add(key)
            topic_number = key >> 42
            previous = self.last.get(topic_number)
            if previous is not None and (key & ((1 << 42) - 1)) < previous:
                self.order_violations.append(key)
            else:
                self.last[topic_number] = key & ((1 << 42) - 1)

    def wait(self, condition, timeout, what):
        def check():
            self.take()
            return condition()
        return rig.wait_for(check, timeout, what)

    def stop(self):
        self.watcher.stop()


# --------------------------------------------------------------------------
# The store, read read-only.

def store_rows(database, keys):
    """{key: seq} of every row the store's committed state holds."""
    rows = rig.read_store(database, "select seq, topic, payload from messages")
    return {keys.key(topic, payload): seq for seq, topic, payload in rows
            if topic.startswith(TELEMETRY_PREFIX)}


def store_backlog(database):
    """(rows, bytes of topics and payloads) the store holds now."""
    rows = rig.read_store(database, "select count(*), coalesce(sum(size), 0) from messages")
    return rows[0] if rows else (0, 0)


# --------------------------------------------------------------------------

class Soak:
    def __init__(self, args, folder, binary):
        self.args = args
        self.folder = folder
        self.rng = random.Random(args.seed)
        self.keys = Keys()
        self.database = folder / "state" / "queue.db"
        self.broker = rig.Broker(folder, extra="max_queued_messages 0\nmax_inflight_messages 100\n")
        self.broker.start()
        self.sim = rig.Simulator.over_tcp()
        self.uplink = Uplink(self.broker.port)
        self.uplink.up()
        self.observer = Observer(self.broker.port, self.keys)
        (folder / "state").mkdir()
        self.gateway = rig.Gateway(folder, config_text(folder / "state", self.uplink.port,
                                                       self.sim.port, args), binary=binary)
        code, text = rig.check_config(self.gateway.config, binary)
        if code != 0:
            raise RigFailure(f"iotgw check refused the soak configuration:\n{text}")
        self.held = {}            # key -> number of the kill after which the store held it
        self.seqs = {}            # seq -> key, to see a sequence number reused
        self.store_anomalies = []  # failures: a sequence number reused, ...
        self.notes = []           # the rig's own troubles, not failures
        self.kills = []           # per kill: {"kind", "duplicates", ...}
        self.unexpected_exits = []
        self.by_kind = {kind: 0 for kind, _ in KINDS}
        self.fallbacks = {kind: 0 for kind, _ in KINDS}
        self.kills_kind = None
        self.wills = 0            # wills the broker owes: connections it accepted
        self.wrapped = False      # the gateway runs under strace
        self.wills_missing = 0    # wills awaited in vain (none so far)

    # -- one process of the gateway --------------------------------------

    def iotgw_pid(self):
        """The pid of iotgw itself: the child of strace when wrapped."""
        pid = self.gateway.process.pid
        children = pathlib.Path(f"/proc/{pid}/task/{pid}/children")
        if self.wrapped:
            try:
                listed = children.read_text().split()
            except OSError:
                return None
            return int(listed[0]) if listed else None
        return pid

    def kill_now(self):
        pid = self.iotgw_pid()
        if pid is not None:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def start(self, wrapper=()):
        self.wrapped = bool(wrapper)
        self.gateway.start(wrapper=wrapper)

    def wait_dead(self, timeout):
        """True if the process ended within `timeout` s (killed by a trigger)."""
        try:
            self.gateway.process.wait(timeout=timeout)
            return True
        except subprocess.TimeoutExpired:
            return False

    def check_exit(self, number):
        """Records an end other than SIGKILL (strace passes iotgw's end on)."""
        code = self.gateway.process.wait()
        if code not in (-signal.SIGKILL, 128 + signal.SIGKILL):
            self.unexpected_exits.append((number, code))
            print(f"kill {number}: iotgw ended by itself with {code}; log tail:\n"
                  f"{self.gateway.log()[-2000:]}", flush=True)

    def run_random(self, number):  # pylint: disable=unused-argument
        self.start()
        time.sleep(self.rng.uniform(0.0, 1.5))  # the random moment
        self.kill_now()
        self.gateway.process.wait()

    def run_commit(self, number):  # pylint: disable=unused-argument
        nth = self.rng.randint(1, self.args.max_pwrite)
        self.start(wrapper=["strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=pwrite64",
                            "-e", f"inject=pwrite64:signal=KILL:when={nth}"])
        if not self.wait_dead(10.0):
            self.fallbacks["commit"] += 1
            self.kill_now()
            self.gateway.process.wait()

    def wait_triggered(self, timeout):
        """Waits for the relay's trigger to kill the gateway; kills it if it did not."""
        if not self.wait_dead(timeout):
            self.fallbacks[self.kills_kind] += 1
            self.uplink.disarm()
            self.kill_now()
            self.gateway.process.wait()

    def run_backlog(self, number):
        wanted = self.rng.randint(200, 1500)
        self.uplink.down()
        self.start()

        def queued():
            if self.gateway.process.poll() is not None:
                return (0, 0)  # it ended by itself: check_exit tells
            rows, size = store_backlog(self.database)
            return (rows, size) if rows >= wanted else None

        rows, size = rig.wait_for(queued, timeout=60,
                                  what=f"{wanted} readings queued while the uplink is down")
        # What the store holds now is committed: accepted.
        for key, seq in store_rows(self.database, self.keys).items():
            self.hold(key, seq, number)
        # A PUBLISH costs its topic, payload and about 7 bytes of header; the
        # kill falls at a random point of the backlog's drain.
        self.uplink.arm(int(self.rng.random() * (size + 7 * rows)), self.kill_now)
        self.uplink.up()
        self.wait_triggered(10.0)

    def run_connect(self, number):  # pylint: disable=unused-argument
        threshold = 0 if self.rng.random() < 0.5 else self.rng.randint(1, 3000)
        self.uplink.arm(threshold, self.kill_now)
        self.start()
        self.wait_triggered(10.0)

    # -- bookkeeping -----------------------------------------------------

    def hold(self, key, seq, number):
        self.held.setdefault(key, number)
        known = self.seqs.get(seq)
        if known is None:
            self.seqs[seq] = key
        elif known != key:
            self.store_anomalies.append(
                f"after kill {number}: seq {seq} holds {self.keys.describe(key)}, "
                f"held {self.keys.describe(known)} before")

    def settle(self, number):
        """After a kill: the relay closed, the observer has every message the
        broker took from that process (the broker publishes the will after
        them), and what the store holds is recorded."""
        self.check_exit(number)
        self.uplink.disarm()
        if self.uplink.listener is None:
            self.uplink.up()
        self.uplink.wait_idle()
        self.wills = self.uplink.accepted - self.wills_missing
        try:
            self.observer.wait(lambda: self.observer.offline >= self.wills, 30,
                               lambda: f"the will of connection {self.wills} after kill {number} "
                                       f"(offline seen {self.observer.offline})")
        except AssertionError as error:
            # Only the attribution of duplicates to this kill is less sure.
            self.notes.append(str(error))
            self.wills_missing += self.wills - self.observer.offline
            self.wills = self.observer.offline
        for key, seq in store_rows(self.database, self.keys).items():
            self.hold(key, seq, number)

    def one_kill(self, number):
        kind = self.rng.choices([k for k, _ in KINDS], weights=[w for _, w in KINDS])[0]
        self.by_kind[kind] += 1
        self.kills_kind = kind
        getattr(self, f"run_{kind}")(number)
        self.settle(number)
        # Duplicates received while this process ran were caused by the
        # kill before it.
        if self.kills:
            self.kills[-1]["duplicates"] = self.observer.duplicates
        elif self.observer.duplicates:
            self.store_anomalies.append(f"{self.observer.duplicates} duplicates before any kill")
        self.observer.duplicates = 0
        self.kills.append({"kind": kind, "duplicates": 0})

    def final_run(self):
        """Runs the gateway until every reading held at a kill arrived, then
        stops it cleanly (exit 0 expected)."""
        births = self.observer.online
        self.start()
        missing = lambda: [k for k in self.held if k not in self.observer.received]  # noqa: E731
        try:
            # Connected (its birth arrived) and every held reading delivered.
            self.observer.wait(lambda: self.observer.online > births and not missing(),
                               self.args.final_timeout,
                               lambda: f"the birth and {len(missing())} held readings")
        except AssertionError as error:
            print(f"final run: {error}", flush=True)
        code = self.gateway.stop()
        self.uplink.wait_idle()
        if code != 0:
            self.unexpected_exits.append(("final stop", code))
        # A clean stop publishes "offline" itself, after the last readings.
        try:
            self.observer.wait(lambda: self.observer.offline > self.wills, 10, "offline after the stop")
        except AssertionError as error:
            print(f"final run: {error}", flush=True)
        if self.kills:
            self.kills[-1]["duplicates"] = self.observer.duplicates
        return store_rows(self.database, self.keys)

    def progress(self, done, started):
        elapsed = time.monotonic() - started
        received = self.observer.received
        waiting = sum(1 for k in self.held if k not in received)
        duplicates = sum(k["duplicates"] for k in self.kills) + self.observer.duplicates
        worst = max([k["duplicates"] for k in self.kills] + [self.observer.duplicates])
        print(f"[{done:5d}/{self.args.kills}] {elapsed:7.1f} s ({elapsed / done:.2f} s/kill)  "
              f"held at kills {len(self.held)}  delivered {len(received)}  "
              f"not yet delivered {waiting}  duplicates {duplicates}  max/kill {worst}  "
              f"order violations {len(self.observer.order_violations)}", flush=True)

    def run(self):
        started = time.monotonic()
        for number in range(1, self.args.kills + 1):
            self.one_kill(number)
            if number % 50 == 0 or number == self.args.kills:
                self.progress(number, started)
        left = self.final_run()
        wall = time.monotonic() - started
        return self.report(left, wall)

    def report(self, left, wall):
        received = self.observer.received
        lost = sorted(k for k in self.held if k not in received)
        queued = [k for k in left if k not in received]
        accepted = len(received | set(self.held) | set(left))
        duplicates = sum(k["duplicates"] for k in self.kills)
        worst = max((k["duplicates"] for k in self.kills), default=0)
        worst_at = [i + 1 for i, k in enumerate(self.kills) if k["duplicates"] == worst][:5]
        bound = 2 * self.args.inflight - 1
        over = [(i + 1, k["kind"], k["duplicates"]) for i, k in enumerate(self.kills)
                if k["duplicates"] > bound]
        for kind, count in self.by_kind.items():
            counts = [k["duplicates"] for k in self.kills if k["kind"] == kind]
            print(f"{kind:8s} {count:5d} kills, duplicates {sum(counts)}, at most {max(counts, default=0)} "
                  f"after one; {self.fallbacks[kind]} killed by the script as the trigger did not fire")
        for key in lost[:20]:
            number = self.held[key]
            print(f"LOST: {self.keys.describe(key)}, held by the store after kill {number} "
                  f"({self.kills[number - 1]['kind']})")
        for key in self.observer.order_violations[:20]:
            print(f"OUT OF ORDER: {self.keys.describe(key)} arrived after a newer reading")
        for number, kind, count in over[:20]:
            print(f"OVER THE BOUND: kill {number} ({kind}): {count} duplicates > {bound}")
        for text in self.store_anomalies[:20]:
            print(f"STORE: {text}")
        for text in self.notes[:20]:
            print(f"NOTE (rig): {text}")
        for number, code in self.unexpected_exits:
            print(f"UNEXPECTED EXIT: kill {number}: exit {code}")
        print(f"still queued after the final clean stop (not lost): {len(queued)}; "
              f"messages received {self.observer.messages}; "
              f"most duplicates after one kill at kill {worst_at}")
        print(f"soak: kills={len(self.kills)} accepted={accepted} held_at_kills={len(self.held)} "
              f"delivered={len(received)} lost={len(lost)} duplicates={duplicates} "
              f"max_duplicates_per_kill={worst} (bound {bound} = 2 x inflight {self.args.inflight} - 1) "
              f"order_violations={len(self.observer.order_violations)} "
              f"wall={wall:.1f}s ({wall / max(1, len(self.kills)):.2f} s/kill)", flush=True)
        failed = (lost or self.observer.order_violations or over or self.store_anomalies
                  or self.unexpected_exits)
        return 1 if failed else 0

    def close(self):
        if self.gateway.process is not None and self.gateway.process.poll() is None:
            self.kill_now()
            self.gateway.kill()
        self.observer.stop()
        self.uplink.down()
        self.sim.stop()
        self.broker.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: from the clock, printed)")
    parser.add_argument("--binary", default=os.environ.get("IOTGW_BINARY", str(rig.REPO / "build" / "gateway" / "iotgw")))
    parser.add_argument("--inflight", type=int, default=64, help="mqtt.inflight (64, the default)")
    parser.add_argument("--commit-interval", default="50ms", help="store.commit_interval (50ms)")
    parser.add_argument("--poll", default="25ms", help="the device's poll_interval (25ms, 6 points)")
    parser.add_argument("--max-pwrite", type=int, default=500,
                        help="commit kills fall on the Nth pwrite64 of a thread, N in 1..this (500)")
    parser.add_argument("--final-timeout", type=float, default=120.0)
    parser.add_argument("--keep", action="store_true", help="keep the work folder (kept anyway on a failure)")
    args = parser.parse_args()
    if args.seed is None:
        args.seed = int(time.time())
    binary = pathlib.Path(args.binary).resolve()
    if not os.access(binary, os.X_OK):
        print(f"no iotgw binary at {binary} (--binary or IOTGW_BINARY)", file=sys.stderr)
        return 2
    if shutil.which("strace") is None or shutil.which("mosquitto") is None:
        print("needs strace and mosquitto", file=sys.stderr)
        return 2

    folder = pathlib.Path(tempfile.mkdtemp(prefix="iotgw-soak-"))
    print(f"kill -9 soak: {args.kills} kills, seed {args.seed}, binary {binary}, "
          f"inflight {args.inflight}, commit_interval {args.commit_interval}, poll {args.poll}; "
          f"work folder {folder}; load average {os.getloadavg()[0]:.2f}", flush=True)
    soak = None
    status = 2
    try:
        soak = Soak(args, folder, str(binary))
        status = soak.run()
    except (RigFailure, AssertionError) as error:
        print(f"rig failure: {error}", file=sys.stderr)
        if soak is not None:
            print(f"gateway log tail:\n{soak.gateway.log()[-3000:]}", file=sys.stderr)
    finally:
        if soak is not None:
            soak.close()
        print(f"load average at the end {os.getloadavg()[0]:.2f}", flush=True)
    if status == 0 and not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    else:
        print(f"work folder kept: {folder}")
    return status


if __name__ == "__main__":
    sys.exit(main())
