#!/usr/bin/python3
"""Fleet benchmark: many iotgw processes publishing to a three-node RabbitMQ
3.10 cluster, one node of which is killed under them. Run by hand, not by
scripts/test:

  tests/bench/fleet/fleet.py [--gateways 100] [--duration 60] [--outage 20]
                             [--settle 10] [--keep]

The binary is $IOTGW_BINARY (default `iotgw` on the PATH). It needs Debian's
rabbitmq-server (3.10, with its MQTT plugin), python3-paho-mqtt and
python3-pymodbus.

The rig: the cluster of tests/support/rabbitmq_cluster.py (three nodes on
loopback, MQTT plugin on every node, durable subscriptions in quorum
queues); one Modbus TCP simulator (tests/sim/modbus_sim.py) shared by the
whole fleet; an observer, a paho MQTT 3.1.1 subscriber (QoS 1, persistent
session, fixed client id) on the third node, subscribed to every gateway's
telemetry before any gateway starts; then N gateways (`iotgw run`), each with
a state folder of its own and the id f000, f001, ...: MQTT 3.1.1, keepalive
5 s, reconnect 100 ms to 2 s, no failback, commands off, no metrics, the
three nodes as broker list rotated per gateway (gateway i starts on node
i % 3), one device of two points (flow_temp, offset) polled every second over
its own Modbus TCP connection to the simulator: 2 x N readings/s in all.

Once every gateway logged "mqtt: connected to", the fleet runs --duration s;
then the node (other than the observer's) with the most gateways connected is
killed with SIGKILL, stays down --outage s, is started again, and the fleet
runs --settle s more before every gateway is stopped with SIGTERM (a clean
stop, exit 0 expected). What it prints, one figure a line:

- readings/s at the observer (distinct readings by arrival time): over the
  whole run, before the kill, during the outage and after the restart, beside
  the rate the fleet polls at;
- accepted readings (the "queued" counts of the gateways' "stopped: N
  readings, M queued, K dropped" lines), distinct readings received (by topic
  and JSON "ts"), rows left in the stores, and lost = accepted readings
  neither received nor left in a store (must be 0);
- duplicates (received - distinct): in all and at most per gateway, beside
  mqtt.inflight;
- latency: from a reading's "ts" to its first arrival at the observer,
  before the kill (median, p99, max); it includes the store's group commit
  (store.commit_interval, 1 s by default);
- failover of the gateways that were on the killed node: from the kill to
  their next "mqtt: connected to" log line (log time stamps), to their next
  reading at the observer, and to the first reading taken after the kill
  arriving there (this one waits for the gateway's next poll too, up to a
  poll interval); median and max, and how many failed over;
- memory: VmRSS per gateway just before the stop (median, max) and the
  highest VmHWM, in MiB;
- CPU: the gateways' CPU time (utime + stime) over their lifetime, as % of
  one core for the fleet and per gateway; the broker nodes' (each while up:
  the killed one before the kill and from its restart), the simulator's and
  the observer's over the run, for comparison; the load average.

Odd things seen in the gateway logs (refused connections, connections lost
by gateways on nodes that stayed up, gateways that did not reconnect) are
listed after the figures.

Exit status: 0; 1 when a reading was lost, a gateway on the killed node did
not connect again, or a gateway did not exit 0 at the stop; 2 when the rig
itself failed. Every process it started is ended on every exit path (Ctrl-C
included); the work folder (gateway configurations, logs and stores, broker
data and logs) is removed unless --keep, which also writes there what the
observer received (observer.tsv) and the moments of the run (phases.json).
"""
import argparse
import contextlib
import ctypes
import datetime
import json
import os
import pathlib
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "support"))
import iotgw_rig as rig  # noqa: E402  pylint: disable=wrong-import-position
import rabbitmq_cluster  # noqa: E402  pylint: disable=wrong-import-position

import paho.mqtt.client as paho  # noqa: E402  pylint: disable=wrong-import-position

POLL_INTERVAL = 1.0
POINTS = [rig.FLOW_TEMP, rig.OFFSET]
DEVICE = "meter"
TOPICS = f"iotgw/+/{DEVICE}/#"
INFLIGHT = 64  # mqtt.inflight's default, set explicitly
CLK_TCK = os.sysconf("SC_CLK_TCK")
CONNECTED = re.compile(r"^(\S+) \S+ mqtt: connected to 127\.0\.0\.1:(\d+) ")
STOPPED = re.compile(r"stopped: (\d+) readings, (\d+) queued, (\d+) dropped")

_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)


def _ended_with_parent():
    """Between fork and exec: SIGTERM when this script dies without its cleanups."""
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def spawn(argv, output):
    """A process of its own session (Ctrl-C reaches only this script, whose
    cleanups end it), with stdout and stderr to the file `output`."""
    with open(output, "ab") as out:
        return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True,
                                preexec_fn=_ended_with_parent)


def end(process, timeout=10.0):
    """SIGTERM, SIGKILL after `timeout` s; nothing if it already ended."""
    if process is not None and process.poll() is None:
        rig.stop_process(process, timeout)


def log_time(stamp):
    """A log line's "2026-12-02T10:00:00.123" (spdlog, local time) as epoch seconds."""
    return datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%f").timestamp()


def reading_ts(payload):
    """The "ts" of a JSON telemetry payload (bytes), as text."""
    text = payload.decode() if isinstance(payload, (bytes, memoryview)) else payload
    start = text.index('"ts":"') + 6
    return text[start:text.index('"', start)]


def proc_cpu(pid):
    """utime + stime of `pid` in seconds; None once it is gone."""
    try:
        fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def group_cpu(pgid):
    """utime + stime of every live process of the process group `pgid`, in s."""
    total = 0.0
    for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:
            total += (int(fields[11]) + int(fields[12])) / CLK_TCK
    return total


def proc_memory(pid):
    """(VmRSS, VmHWM) of `pid` in KiB; None once it is gone."""
    try:
        status = pathlib.Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    values = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", status, re.M))
    return int(values["VmRSS"]), int(values["VmHWM"])


def median_max(values, unit, digits=2):
    if not values:
        return "none"
    return (f"median {statistics.median(values):.{digits}f} {unit}, "
            f"max {max(values):.{digits}f} {unit}")


# --------------------------------------------------------------------------
# The rig's parts.

class Simulator:
    """tests/sim/modbus_sim.py on 127.0.0.1:port, shared by the fleet."""

    def __init__(self, folder, add_cleanup):
        self.port = rig.free_port()
        self.output = folder / "modbus_sim.out"
        self.process = spawn([rig.PYTHON, str(rig.SIMULATOR), "--tcp", f"127.0.0.1:{self.port}"],
                             self.output)
        add_cleanup(lambda: end(self.process))
        rig.wait_for(lambda: self.process.poll() is not None or "ready" in self.text(), 30,
                     "the Modbus simulator ready")
        if self.process.poll() is not None:
            raise RuntimeError(f"the Modbus simulator exited:\n{self.text()}")

    def text(self):
        return self.output.read_text(errors="replace") if self.output.exists() else ""


class Observer:
    """A QoS 1 subscriber with a persistent session: (arrival time on the
    monotonic clock, on the wall clock, topic, payload) of every message, in
    arrival order."""

    def __init__(self, port, topics, client_id):
        self.lock = threading.Lock()
        self.received = []
        self.subscribed = threading.Event()
        self.connects = 0
        self.client = paho.Client(client_id=client_id, clean_session=False,
                                  protocol=paho.MQTTv311)
        self.client.reconnect_delay_set(1, 2)
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = lambda *_: self.subscribed.set()
        self.client.on_message = self._on_message
        self.topics = topics
        self.client.connect("127.0.0.1", port, keepalive=30)
        self.client.loop_start()
        rig.wait_for(self.subscribed.is_set, 30, "the observer subscribed")

    def _on_connect(self, client, _userdata, _flags, rc):
        self.connects += 1
        if rc == 0:
            client.subscribe(self.topics, qos=1)

    def _on_message(self, _client, _userdata, message):
        arrived, wall = time.monotonic(), time.time()
        with self.lock:
            self.received.append((arrived, wall, message.topic, bytes(message.payload)))

    def snapshot(self):
        with self.lock:
            return list(self.received)

    def count(self):
        with self.lock:
            return len(self.received)

    def stop(self):
        self.client.disconnect()
        self.client.loop_stop()


class Gateway:
    """One `iotgw run` of the fleet, in folder/ID/ (configuration, log, state)."""

    def __init__(self, index, folder, urls, modbus_port, binary):
        self.index = index
        self.id = f"f{index:03d}"
        self.folder = folder / self.id
        self.folder.mkdir()
        self.state = self.folder / "state"
        self.log_path = self.folder / "iotgw.log"
        self.config = self.folder / "iotgw.toml"
        self.binary = binary
        rotated = urls[index % len(urls):] + urls[:index % len(urls)]
        mqtt = {"url": rotated, "version": "3.1.1", "keepalive": "5s",
                "reconnect_min": "100ms", "reconnect_max": "2s", "failback": "0s",
                "inflight": INFLIGHT}
        self.config.write_text(rig.gateway_config(
            self.id, self.state, mqtt, rig.modbus_tcp("plant", modbus_port),
            {"name": DEVICE, "poll_interval": f"{POLL_INTERVAL:g}s"}, POINTS,
            # By hand on a machine whose kernel clock nothing disciplines, too.
            telemetry={"metrics_interval": "0s", "clock_hold": "0s"},
            commands={"enabled": False}))
        self.process = None
        self.started = None
        self.connected = False

    def start(self):
        self.started = time.monotonic()
        self.process = spawn([self.binary, "run", "-c", str(self.config)], self.log_path)

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def is_connected(self):
        """True once it logged a connection (remembered)."""
        self.connected = self.connected or "mqtt: connected to" in self.log()
        return self.connected

    def connections(self):
        """(epoch seconds, broker port) of every "mqtt: connected to" line."""
        found = []
        for line in self.log().splitlines():
            match = CONNECTED.match(line)
            if match:
                found.append((log_time(match.group(1)), int(match.group(2))))
        return found

    def port_at(self, wall):
        """The port of its latest connection before the epoch time `wall`."""
        before = [port for stamp, port in self.connections() if stamp <= wall]
        return before[-1] if before else None

    def stopped_counts(self):
        """(readings, queued, dropped) of its last "stopped:" line, or None."""
        found = STOPPED.findall(self.log())
        return tuple(int(n) for n in found[-1]) if found else None

    def store_rows(self):
        """(topic, ts) of every row left in its store."""
        return [(topic, reading_ts(payload)) for topic, payload in
                rig.read_store(self.state / "queue.db", "select topic, payload from messages")]

    def kill(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


# --------------------------------------------------------------------------
# The run.

class Phases:
    """Monotonic times of the run's moments."""
    connected = kill = restart = restarted = stop = 0.0


def rate_between(arrivals, start, stop):
    count = sum(1 for t in arrivals if start <= t < stop)
    return count / (stop - start) if stop > start else 0.0


def run(args, stack, folder):
    add_cleanup = stack.callback
    binary = os.environ.get("IOTGW_BINARY", "iotgw")
    if shutil.which(binary) is None:
        raise RuntimeError(f"no iotgw binary at {binary!r} (set IOTGW_BINARY)")
    load_start = os.getloadavg()
    phases = Phases()

    started = time.monotonic()
    (folder / "cluster").mkdir()
    cluster = rabbitmq_cluster.Cluster(folder / "cluster", add_cleanup)
    cluster.start()
    print(f"cluster of three started in {time.monotonic() - started:.1f} s", flush=True)
    simulator = Simulator(folder, add_cleanup)
    watched = cluster.nodes[-1]
    observer = Observer(watched.mqtt_port, TOPICS, "fleet-observer")
    add_cleanup(observer.stop)

    gateways = [Gateway(i, folder, cluster.urls, simulator.port, binary)
                for i in range(args.gateways)]
    add_cleanup(lambda: [gateway.kill() for gateway in gateways])
    fleet_started = time.monotonic()
    for gateway in gateways:
        gateway.start()

    def all_connected():
        for gateway in gateways:
            if gateway.process.poll() is not None:
                raise RuntimeError(f"gateway {gateway.id} exited {gateway.process.returncode}:\n"
                                   f"{gateway.log()[-3000:]}")
        return all(gateway.is_connected() for gateway in gateways if not gateway.connected)
    rig.wait_for(all_connected, 60 + args.gateways,
                 what=lambda: f"every gateway connected ({sum(g.connected for g in gateways)} "
                              f"of {len(gateways)})")
    phases.connected = time.monotonic()
    print(f"{len(gateways)} gateways connected {phases.connected - fleet_started:.1f} s after "
          f"the first start", flush=True)
    nodes_cpu_start = {node.name: group_cpu(node.process.pid) for node in cluster.nodes}
    sim_cpu_start = proc_cpu(simulator.process.pid)
    own_start = os.times()

    time.sleep(args.duration)

    # The node to kill: the most gateways on it, the observer's aside.
    kill_wall = time.time()
    on_port = {gateway.id: gateway.port_at(kill_wall) for gateway in gateways}
    per_node = {node.name: sum(1 for p in on_port.values() if p == node.mqtt_port)
                for node in cluster.nodes}
    victim = max((node for node in cluster.nodes if node is not watched),
                 key=lambda node: per_node[node.name])
    moved = [gateway for gateway in gateways if on_port[gateway.id] == victim.mqtt_port]
    print("gateways per node before the kill: "
          + ", ".join(f"{name} {count}" for name, count in per_node.items()), flush=True)
    # Its processes go with it: what it used so far, and anew after its restart.
    victim_cpu = group_cpu(victim.process.pid) - nodes_cpu_start[victim.name]
    kill_wall = time.time()
    phases.kill = time.monotonic()
    victim.kill()
    print(f"killed {victim.name} (SIGKILL), {len(moved)} gateways on it", flush=True)

    time.sleep(max(args.outage - (time.monotonic() - phases.kill), 0))
    phases.restart = time.monotonic()
    cluster.restart(victim)
    phases.restarted = time.monotonic()
    print(f"{victim.name} back in the cluster {phases.restarted - phases.restart:.1f} s after "
          f"its restart", flush=True)
    time.sleep(args.settle)

    # Just before the stop: memory and CPU.
    sampled = time.monotonic()
    memory = {gateway.id: proc_memory(gateway.process.pid) for gateway in gateways}
    cpu = {gateway.id: proc_cpu(gateway.process.pid) for gateway in gateways}
    nodes_cpu = {}
    for node in cluster.nodes:
        if node is victim:
            used = victim_cpu + group_cpu(node.process.pid)
            up = sampled - phases.connected - (phases.restart - phases.kill)
        else:
            used = group_cpu(node.process.pid) - nodes_cpu_start[node.name]
            up = sampled - phases.connected
        nodes_cpu[node.name] = (used, up)
    sim_cpu = proc_cpu(simulator.process.pid) - sim_cpu_start
    own = os.times()
    own_cpu = own.user + own.system - own_start.user - own_start.system

    phases.stop = time.monotonic()
    for gateway in gateways:
        gateway.process.terminate()
    exits = {}
    for gateway in gateways:
        try:
            exits[gateway.id] = gateway.process.wait(timeout=max(
                30 - (time.monotonic() - phases.stop), 1))
        except subprocess.TimeoutExpired:
            gateway.kill()
            exits[gateway.id] = "SIGKILL after 30 s"
    stopped_in = time.monotonic() - phases.stop

    # Accepted, received, left.
    counts = {gateway.id: gateway.stopped_counts() for gateway in gateways}
    accepted = sum(c[1] for c in counts.values() if c)
    dropped = sum(c[2] for c in counts.values() if c)
    left = set()
    left_rows = 0
    for gateway in gateways:
        rows = gateway.store_rows()
        left_rows += len(rows)
        left.update(rows)

    def keys():
        return {(topic, reading_ts(payload)) for _, _, topic, payload in observer.snapshot()}
    try:
        rig.wait_for(lambda: len(keys() | left) >= accepted, 30, "every accepted reading")
    except AssertionError:
        pass
    received = observer.snapshot()
    distinct = {(topic, reading_ts(payload)) for _, _, topic, payload in received}
    lost = accepted - len(distinct | left)
    per_gateway_received = {}
    per_gateway_distinct = {}
    for _, _, topic, payload in received:
        gid = topic.split("/")[1]
        per_gateway_received[gid] = per_gateway_received.get(gid, 0) + 1
    for topic, _ in distinct:
        gid = topic.split("/")[1]
        per_gateway_distinct[gid] = per_gateway_distinct.get(gid, 0) + 1
    dup_per_gateway = {gid: per_gateway_received[gid] - per_gateway_distinct.get(gid, 0)
                       for gid in per_gateway_received}

    # Arrival times of first arrivals (duplicates aside), for the rates.
    first_arrival = {}
    latency = []
    for arrived, wall, topic, payload in received:
        key = (topic, reading_ts(payload))
        if key not in first_arrival:
            first_arrival[key] = arrived
            if phases.connected <= arrived < phases.kill:
                latency.append(wall - rig.epoch(key[1]))
    arrivals = list(first_arrival.values())
    latency.sort()

    # Failover of the gateways that were on the killed node.
    reconnect = {}
    publishing = {}
    for gateway in moved:
        after = [stamp for stamp, port in gateway.connections() if stamp > kill_wall]
        if after:
            reconnect[gateway.id] = after[0] - kill_wall
    resumed = {}
    moved_ids = {gateway.id for gateway in moved}
    for arrived, _, topic, payload in received:
        gid = topic.split("/")[1]
        if gid not in moved_ids or arrived <= phases.kill:
            continue
        resumed.setdefault(gid, arrived - phases.kill)
        if gid not in publishing and rig.epoch(reading_ts(payload)) > kill_wall:
            publishing[gid] = arrived - phases.kill
    if args.keep:
        with open(folder / "observer.tsv", "w", encoding="utf-8") as out:
            out.write("arrival_monotonic\tarrival_epoch\ttopic\tts\n")
            for arrived, wall, topic, payload in received:
                out.write(f"{arrived:.6f}\t{wall:.6f}\t{topic}\t{reading_ts(payload)}\n")
        with open(folder / "phases.json", "w", encoding="utf-8") as out:
            json.dump({**vars(phases), "kill_epoch": kill_wall, "killed": victim.name,
                       "moved": sorted(moved_ids)}, out, indent=1)

    # ----------------------------------------------------------------------
    # Figures.
    expected = len(gateways) * len(POINTS) / POLL_INTERVAL
    whole = phases.stop - phases.connected
    print()
    print(f"fleet: {len(gateways)} gateways x {len(POINTS)} points every {POLL_INTERVAL:g} s "
          f"= {expected:.0f} readings/s polled; run {whole:.1f} s "
          f"({args.duration:g} s, {victim.name} down {phases.restart - phases.kill:.1f} s, "
          f"{phases.stop - phases.restart:.1f} s from its restart to the stop)")
    print(f"readings/s at the observer, whole run:     "
          f"{rate_between(arrivals, phases.connected, phases.stop):.1f}")
    print(f"readings/s at the observer, before kill:   "
          f"{rate_between(arrivals, phases.connected, phases.kill):.1f}")
    print(f"readings/s at the observer, during outage: "
          f"{rate_between(arrivals, phases.kill, phases.restart):.1f}")
    print(f"readings/s at the observer, after restart: "
          f"{rate_between(arrivals, phases.restart, phases.stop):.1f}")
    if latency:
        print(f"latency, reading taken to its arrival at the observer, before the kill: "
              f"median {statistics.median(latency):.3f} s, "
              f"p99 {latency[int(0.99 * (len(latency) - 1))]:.3f} s, max {latency[-1]:.3f} s "
              f"(store.commit_interval 1 s included)")
    print(f"accepted readings (queued by the gateways): {accepted} ({dropped} dropped)")
    print(f"received at the observer: {len(received)} messages, {len(distinct)} distinct readings")
    print(f"left in the stores: {left_rows} rows ({len(left - distinct)} of them never received)")
    print(f"lost: {lost}")
    print(f"duplicated readings: {len(received) - len(distinct)} "
          f"(at most {max(dup_per_gateway.values(), default=0)} per gateway; "
          f"{sum(1 for d in dup_per_gateway.values() if d)} gateways sent any; "
          f"mqtt.inflight {INFLIGHT})")
    print(f"failover, kill to connected again (log): {median_max(list(reconnect.values()), 's')}; "
          f"{len(reconnect)} of {len(moved)} gateways on {victim.name} failed over")
    print(f"failover, kill to the next reading at the observer: "
          f"{median_max(list(resumed.values()), 's')}; {len(resumed)} of {len(moved)}")
    print(f"failover, kill to a reading taken after the kill at the observer: "
          f"{median_max(list(publishing.values()), 's')}; {len(publishing)} of {len(moved)}")
    rss = [m[0] / 1024 for m in memory.values() if m]
    hwm = [m[1] / 1024 for m in memory.values() if m]
    print(f"RSS per gateway before the stop: {median_max(rss, 'MiB', 1)}; "
          f"VmHWM max {max(hwm, default=0):.1f} MiB; total RSS {sum(rss):.0f} MiB")
    lifetimes = {gateway.id: sampled - gateway.started for gateway in gateways}
    shares = [100 * cpu[gid] / lifetimes[gid] for gid in cpu if cpu[gid] is not None]
    total_cpu = sum(c for c in cpu.values() if c is not None)
    fleet_life = sampled - fleet_started
    print(f"CPU of the gateways: {total_cpu:.1f} s in {fleet_life:.1f} s = "
          f"{100 * total_cpu / fleet_life:.1f}% of one core for the fleet; per gateway "
          f"{median_max(shares, '%', 3)} of one core")
    window = sampled - phases.connected
    print(f"CPU over the run ({window:.1f} s), % of one core while up: "
          + ", ".join(f"{name} {100 * used / up:.1f}%" for name, (used, up) in nodes_cpu.items())
          + f" ({victim.name} up {nodes_cpu[victim.name][1]:.1f} s, its boot included); "
          f"simulator {100 * sim_cpu / window:.1f}%; "
          f"observer and this script {100 * own_cpu / window:.1f}%")
    load_end = os.getloadavg()
    print(f"load average at start {load_start[0]:.2f}, at the stop {load_end[0]:.2f}; "
          f"{os.cpu_count()} cores")
    print(f"stop: every gateway ended in {stopped_in:.1f} s; exit codes other than 0: "
          f"{ {gid: code for gid, code in exits.items() if code != 0} or 'none'}")

    # ----------------------------------------------------------------------
    # Odd things in the gateway logs.
    odd = []
    failed = [gid for gid in moved_ids if gid not in reconnect]
    if failed:
        odd.append(f"did not connect again after the kill: {', '.join(sorted(failed))}")
    no_counts = [gid for gid, c in counts.items() if c is None]
    if no_counts:
        odd.append(f"no \"stopped:\" line: {', '.join(no_counts)}")
    for gateway in gateways:
        text = gateway.log()
        refused = text.count("refused the connection")
        lost_lines = [line for line in text.splitlines() if "connection lost" in line]
        warnings = [line for line in text.splitlines()
                    if " warning " in line and "connection lost" not in line]
        if refused:
            odd.append(f"{gateway.id}: {refused} connections refused")
        if gateway.id not in moved_ids and lost_lines:
            odd.append(f"{gateway.id} (not on {victim.name}): {lost_lines[0]}")
        if gateway.id in moved_ids and len(lost_lines) > 1:
            odd.append(f"{gateway.id}: {len(lost_lines)} connections lost: {lost_lines[-1]}")
        for line in warnings[:3]:
            odd.append(f"{gateway.id}: {line}")
        if dup_per_gateway.get(gateway.id, 0) > INFLIGHT:
            odd.append(f"{gateway.id}: {dup_per_gateway[gateway.id]} duplicates, "
                       f"beyond mqtt.inflight {INFLIGHT}")
    if observer.connects != 1:
        odd.append(f"the observer connected {observer.connects} times")
    print("odd in the gateway logs: " + ("none" if not odd else f"{len(odd)} lines"))
    for line in odd[:60]:
        print(f"  {line}")
    if len(odd) > 60:
        print(f"  ... and {len(odd) - 60} more")
    sys.stdout.flush()

    bad_exit = any(code != 0 for code in exits.values())
    return 1 if lost > 0 or failed or bad_exit or no_counts else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gateways", type=int, default=100)
    parser.add_argument("--duration", type=float, default=60.0,
                        help="seconds of the fleet running before the kill")
    parser.add_argument("--outage", type=float, default=20.0,
                        help="seconds the killed node stays down")
    parser.add_argument("--settle", type=float, default=10.0,
                        help="seconds from the killed node back in the cluster to the stop")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    if args.gateways < 1:
        parser.error("--gateways: at least 1")

    def terminated(signum, _frame):
        raise SystemExit(128 + signum)
    # Ctrl-C as KeyboardInterrupt even where SIGINT came ignored (a background job).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, terminated)
    signal.signal(signal.SIGHUP, terminated)

    folder = pathlib.Path(tempfile.mkdtemp(prefix="iotgw-fleet-"))
    stack = contextlib.ExitStack()
    status = 2
    try:
        status = run(args, stack, folder)
    except SystemExit as error:  # SIGTERM or SIGHUP
        print(f"fleet: ended by signal {error.code - 128}", file=sys.stderr)
        status = error.code
    except KeyboardInterrupt:
        print("fleet: interrupted", file=sys.stderr)
        status = 130
    except Exception as error:  # pylint: disable=broad-except
        print(f"fleet: {type(error).__name__}: {error}", file=sys.stderr)
        status = 2
    finally:
        # Nothing interrupts the cleanups: every process started is ended.
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        stack.close()
        if args.keep or status == 2:
            print(f"work folder kept: {folder}", file=sys.stderr)
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
