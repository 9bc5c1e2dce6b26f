#!/usr/bin/python3
"""Hostile store: the real `iotgw run` against a full disk and against store
files that are not what they should be.

- A full disk: the state directory is a 2 MiB tmpfs (mounted in a mount
  namespace of the gateway's own, so nothing outlives it), the broker is down
  while 100 registers polled every 50 ms fill it several times over, then the
  broker comes back. Under drop_oldest the newest readings of the outage are
  delivered and the oldest are not; under drop_newest the oldest are and the
  newest are not. Either way every reading is delivered or counted in the
  metrics message's "evicted", and readings flow again once the store drained.
- Store files of every kind of wrong (half a database, a zeroed header, a
  garbage write-ahead log, a directory, a symbolic link): the gateway starts,
  says so in its log, moves the thing aside and publishes readings.

Readings are told apart by their acquisition time ("ts"); every wait is for a
condition, with a deadline."""
import json
import os
import pathlib
import queue
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "support"))
import iotgw_rig as rig  # noqa: E402  pylint: disable=wrong-import-position

GATEWAY = "hs"
POINTS = 100
# What the forwarder takes out of the store at once: its window (mqtt.inflight
# 64, less the room kept for status and results) and half a window read
# ahead. Taken while the broker is down, they wait in memory for the connect;
# the store does not evict rows in flight.
HANDED_OUT = 60 + 30


def config_text(state, broker, modbus, overflow="drop_oldest", poll="50ms", points=POINTS):
    return rig.gateway_config(
        GATEWAY, state, rig.mqtt(broker, keepalive="2s", reconnect_min="100ms",
                                 reconnect_max="300ms"),
        rig.modbus_tcp("plc", modbus, timeout="500ms"), {"name": "d", "poll_interval": poll},
        [rig.point(f"p{n}", n) for n in range(points)],
        store={"commit_interval": "100ms", "overflow": overflow},
        telemetry={"payload": "json", "metrics_interval": "1s"})


class Subscriber:
    """A QoS 1 subscriber to everything of the gateway, with a session the
    broker keeps (persistence on) while the broker itself is down: what the
    gateway publishes before this client is back is waiting for it."""

    def __init__(self, port, name):
        self.watcher = rig.Watcher(port, f"iotgw/{GATEWAY}/#", name, persistent=True,
                                   reconnect_delay=(0.1, 0.5))
        self.telemetry = []  # (point, reading) in arrival order
        self.metrics = []

    def drain(self):
        """Sorts what arrived into telemetry and metrics; returns nothing, so
        that a wait can drain first and then look."""
        while True:
            try:
                topic, payload, _ = self.watcher.messages.get_nowait()
            except queue.Empty:
                return
            levels = topic.split("/")
            if levels[-1] == "metrics":
                self.metrics.append(json.loads(payload))
            elif len(levels) == 4 and levels[2] == "d":
                self.telemetry.append((levels[3], json.loads(payload)))

    def last_metrics(self):
        self.drain()
        return self.metrics[-1] if self.metrics else None

    def stop(self):
        self.watcher.stop()


def tmpfs_wrapper(state, size="2m"):
    """A command prefix that runs the rest in a mount namespace of its own with
    a tmpfs of `size` on `state`; root, or a user namespace mapped to root."""
    namespace = ["unshare", "--mount"] if os.geteuid() == 0 else \
        ["unshare", "--user", "--map-root-user", "--mount"]
    return [*namespace, "--", "sh", "-c",
            f'mount -t tmpfs -o size={size},mode=0700 tmpfs "$0" && exec "$@"', str(state)]


def tmpfs_available(folder):
    probe = pathlib.Path(folder) / "probe"
    probe.mkdir()
    done = subprocess.run([*tmpfs_wrapper(probe), "true"], capture_output=True, check=False)
    return done.returncode == 0


class FullDisk(unittest.TestCase):
    """The broker down while the readings fill a 2 MiB state directory many
    times over, then up again."""

    def setUp(self):
        self.folder = rig.temporary_folder(self.addCleanup, prefix="iotgw-hostile-store-")
        if not tmpfs_available(self.folder):
            self.skipTest("cannot mount a tmpfs in a mount namespace here")
        self.sim = rig.Simulator.over_tcp()
        self.addCleanup(self.sim.stop)
        # Persistence keeps the subscriber's session across the broker's
        # outage; nothing limits what it queues for the subscriber meanwhile.
        self.broker = rig.Broker(self.folder, persistence=True,
                                 extra="max_queued_messages 0\nmax_inflight_messages 0\n").start()
        self.addCleanup(self.broker.stop)
        self.subscriber = Subscriber(self.broker.port, f"store-{self.id()}")
        self.addCleanup(self.subscriber.stop)
        self.broker.stop()

    def outage(self, overflow):
        """Runs the gateway through the outage; returns the times (start, disk
        full, broker back), the telemetry outage readings and the metrics once
        everything settled."""
        state = self.folder / "state"
        state.mkdir()
        gateway = rig.Gateway(self.folder, config_text(state, self.broker.port, self.sim.port,
                                                       overflow=overflow))
        started = time.time()
        gateway.start(wrapper=tmpfs_wrapper(state))
        self.addCleanup(gateway.kill)
        gateway.wait_log("disk full", timeout=60)
        full = time.time()
        # Readings past the disk's capacity: at least twice as long again as
        # it took to fill, so the oldest and the newest cannot both fit.
        rig.wait_for(lambda: time.time() >= full + max(4.0, 2 * (full - started)), timeout=120,
                     what="the outage to outlast the disk")
        self.assertTrue(gateway.alive(), gateway.log()[-2000:])
        back = time.time()
        self.broker.start()
        # Drained: connected again with nothing queued.
        rig.wait_for(lambda: (m := self.subscriber.last_metrics()) and m["queued"] < POINTS * 2,
                     timeout=60, what="the store to drain after the broker came back")
        # Live readings flow again: some taken well after the broker returned.
        rig.wait_for(lambda: self.subscriber.drain() or any(
            rig.epoch(r["ts"]) > back + 2 for _, r in self.subscriber.telemetry),
                     timeout=30, what="live readings after the outage")
        # Settle the counts: no more readings, everything delivered.
        self.sim.stop()
        settled = rig.wait_for(
            lambda: self.settled(), timeout=60,
            what=lambda: f"settled metrics, last {self.subscriber.last_metrics()}")
        self.assertTrue(gateway.alive())
        log = gateway.log()
        self.assertEqual(gateway.stop(), 0, log[-3000:])
        # Rate-limited: once a minute at most, however many writes were refused.
        self.assertLessEqual(log.count("disk full ("), 1 + int((time.time() - started) / 60), log)
        return started, full, back, settled, log

    def settled(self):
        """The last metrics, once two in a row show no new reading and nothing queued."""
        self.subscriber.drain()
        metrics = self.subscriber.metrics
        if len(metrics) < 2:
            return None
        before, last = metrics[-2], metrics[-1]
        if last["queued"] == 0 and last["readings"] == before["readings"] and \
                last["published"] == before["published"]:
            return last
        return None

    def readings_before(self, moment):
        """Per point, the acquisition times delivered that were taken before `moment`."""
        per_point = {}
        for point, reading in self.subscriber.telemetry:
            if reading.get("quality") == "good" and rig.epoch(reading["ts"]) < moment:
                per_point.setdefault(point, set()).add(rig.epoch(reading["ts"]))
        return {point: sorted(times) for point, times in per_point.items()}

    def assert_counted(self, metrics):
        """Every reading was delivered or counted as evicted, none both."""
        self.assertGreater(metrics["evicted"], 1000, metrics)
        self.assertEqual(metrics["readings"] - metrics["suppressed"],
                         metrics["published"] + metrics["evicted"], metrics)

    def test_drop_oldest_delivers_the_newest_readings_of_the_outage(self):
        started, full, back, metrics, log = self.outage("drop_oldest")
        outage = self.readings_before(back - 0.3)
        self.assertEqual(len(outage), POINTS, "every point has readings from the outage")
        # None of its beginning, but what the forwarder had taken out of the
        # store before: the readings taken before the disk filled were evicted
        # to make room for newer ones.
        early = sorted(t for times in outage.values() for t in times if t <= full)
        self.assertLessEqual(len(early), HANDED_OUT, (started, full, early[:5], log[-3000:]))
        outage = {p: [t for t in times if t > full] for p, times in outage.items()}
        self.assertTrue(all(outage.values()), "every point has readings newer than the full disk")
        # The newest of the outage are there for every point, without holes.
        newest = min(times[-1] for times in outage.values())
        self.assertGreater(newest, back - 1.5, (started, full, back, newest))
        for point, times in outage.items():
            gaps = [b - a for a, b in zip(times, times[1:])]
            self.assertLess(max(gaps, default=0), 1.0, f"{point}: a hole in the newest part")
        self.assert_counted(metrics)

    def test_drop_newest_delivers_the_oldest_readings_of_the_outage(self):
        started, full, back, metrics, _ = self.outage("drop_newest")
        outage = self.readings_before(back - 0.3)
        self.assertEqual(len(outage), POINTS, "every point has readings from the outage")
        oldest = max(times[0] for times in outage.values())
        # The beginning of the outage is there for every point...
        self.assertLess(oldest, started + 3, (started, full, back, oldest))
        # ...and nothing of its end: once full, the new readings were refused.
        latest = max(times[-1] for times in outage.values())
        self.assertLess(latest, full + 1.0, (started, full, back, latest))
        for point, times in outage.items():
            gaps = [b - a for a, b in zip(times, times[1:])]
            self.assertLess(max(gaps, default=0), 1.0, f"{point}: a hole in the oldest part")
        self.assert_counted(metrics)


class BadStoreFiles(unittest.TestCase):
    """Each case puts something wrong where the store lives, starts the gateway
    with the broker up and expects: logged, moved aside, readings published."""

    @classmethod
    def setUpClass(cls):
        cls.folder = rig.temporary_folder(cls.addClassCleanup, prefix="iotgw-hostile-store-")
        cls.sim = rig.Simulator.over_tcp()
        cls.addClassCleanup(cls.sim.stop)
        cls.broker = rig.Broker(cls.folder).start()
        cls.addClassCleanup(cls.broker.stop)
        cls.seed = cls.make_seed_store()

    @classmethod
    def make_seed_store(cls):
        """A store with readings in it, written by the gateway while the broker
        was unreachable and closed cleanly: (its database bytes, the
        acquisition times in it)."""
        state = cls.folder / "seed"
        state.mkdir()
        nobody = rig.free_port()  # no broker there
        gateway = rig.Gateway(cls.folder, config_text(state, nobody, cls.sim.port,
                                                      poll="100ms", points=10), name="seed")
        gateway.start()
        try:
            rig.wait_for(lambda: (state / "queue.db-wal").exists() and
                         (state / "queue.db-wal").stat().st_size > 128 * 1024,
                         timeout=30, what="readings committed to the seed store")
        finally:
            assert gateway.stop() == 0, gateway.log()
        times = [rig.epoch(json.loads(payload)["ts"]) for (payload,) in
                 rig.read_store(state / "queue.db", "SELECT payload FROM messages ORDER BY seq")]
        assert len(times) > 50, len(times)
        return (state / "queue.db").read_bytes(), times

    def start(self, prepare):
        """A fresh state directory, `prepare(state)` on it, the gateway on it."""
        state = pathlib.Path(tempfile.mkdtemp(dir=self.folder, prefix="state-"))
        prepare(state)
        subscriber = Subscriber(self.broker.port, f"bad-{self.id()}")
        self.addCleanup(subscriber.stop)
        gateway = rig.Gateway(state.parent, config_text(state, self.broker.port, self.sim.port,
                                                        poll="100ms", points=10),
                              name=f"gateway-{state.name}")
        gateway.start()
        self.addCleanup(gateway.kill)
        return state, gateway, subscriber

    def assert_running_with_fresh_store(self, state, gateway, subscriber, logged):
        gateway.wait_log(logged)
        started = time.time()
        rig.wait_for(lambda: subscriber.drain() or any(
            rig.epoch(r["ts"]) >= started for _, r in subscriber.telemetry),
                     timeout=30, what=lambda: f"new readings published:\n{gateway.log()[-2000:]}")
        self.assertTrue(gateway.alive(), gateway.log())
        self.assertTrue((state / "queue.db").is_file())
        self.assertFalse((state / "queue.db").is_symlink())
        self.assertEqual(gateway.stop(), 0, gateway.log())
        return sorted(p.name for p in state.iterdir() if ".corrupt-" in p.name)

    def test_half_a_database_is_moved_aside(self):
        database = self.seed[0]
        state, gateway, subscriber = self.start(
            lambda s: (s / "queue.db").write_bytes(database[:len(database) // 2]))
        moved = self.assert_running_with_fresh_store(state, gateway, subscriber,
                                                     "is not a readable queue database")
        self.assertEqual(len(moved), 1, moved)
        self.assertEqual((state / moved[0]).read_bytes(), database[:len(database) // 2])

    def test_a_zeroed_header_is_moved_aside(self):
        database = bytes(100) + self.seed[0][100:]
        state, gateway, subscriber = self.start(lambda s: (s / "queue.db").write_bytes(database))
        moved = self.assert_running_with_fresh_store(state, gateway, subscriber,
                                                     "is not a readable queue database")
        self.assertEqual(len(moved), 1, moved)
        self.assertEqual((state / moved[0]).read_bytes(), database)

    def test_a_garbage_wal_is_moved_aside_and_the_readings_before_it_delivered(self):
        database, times = self.seed
        garbage = bytes((i * 7919) % 251 for i in range(64 * 1024))

        def prepare(state):
            (state / "queue.db").write_bytes(database)
            (state / "queue.db-wal").write_bytes(garbage)
        state, gateway, subscriber = self.start(prepare)
        moved = self.assert_running_with_fresh_store(state, gateway, subscriber,
                                                     "is not a write-ahead log")
        self.assertEqual(len(moved), 1, moved)
        self.assertTrue(moved[0].startswith("queue.db-wal.corrupt-"), moved)
        self.assertEqual((state / moved[0]).read_bytes(), garbage)
        # The database beside it was sound: its readings went out.
        delivered = {rig.epoch(r["ts"]) for _, r in subscriber.telemetry}
        self.assertTrue(set(times) <= delivered, f"{len(set(times) - delivered)} not delivered")

    def test_a_directory_at_the_store_path_is_moved_aside(self):
        def prepare(state):
            (state / "queue.db").mkdir()
            (state / "queue.db" / "something").write_text("kept")
        state, gateway, subscriber = self.start(prepare)
        moved = self.assert_running_with_fresh_store(state, gateway, subscriber,
                                                     "is a directory, not a queue database")
        self.assertEqual(len(moved), 1, moved)
        self.assertEqual((state / moved[0] / "something").read_text(), "kept")

    def test_a_symlink_at_the_store_path_is_moved_aside_not_written_through(self):
        victim = self.folder / f"victim-{time.monotonic_ns()}"
        victim.write_text("someone else's file")

        def prepare(state):
            (state / "queue.db").symlink_to(victim)
        state, gateway, subscriber = self.start(prepare)
        moved = self.assert_running_with_fresh_store(state, gateway, subscriber,
                                                     f"is a symbolic link to {victim}")
        self.assertEqual(len(moved), 1, moved)
        self.assertTrue((state / moved[0]).is_symlink())
        self.assertEqual(victim.read_text(), "someone else's file")

    def test_a_symlinked_wal_is_moved_aside_not_written_through(self):
        database, times = self.seed
        victim = self.folder / f"victim-{time.monotonic_ns()}"
        victim.write_bytes(b"")

        def prepare(state):
            (state / "queue.db").write_bytes(database)
            (state / "queue.db-wal").symlink_to(victim)
        state, gateway, subscriber = self.start(prepare)
        self.assert_running_with_fresh_store(state, gateway, subscriber,
                                             f"queue.db-wal is a symbolic link to {victim}")
        self.assertEqual(victim.read_bytes(), b"")
        delivered = {rig.epoch(r["ts"]) for _, r in subscriber.telemetry}
        self.assertTrue(set(times) <= delivered, f"{len(set(times) - delivered)} not delivered")


if __name__ == "__main__":
    unittest.main(verbosity=2)
