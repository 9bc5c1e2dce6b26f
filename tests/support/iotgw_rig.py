"""The rigs of the Python end-to-end tests (tests/integration/*.py and
tests/integration/hostile/), of the kill -9 soak (tests/bench/soak/) and of
the simulators (tests/sim/): what they start for real and how they wait for
it, in one place, so that each test keeps only what is its own.

- free_port, wait_for: loopback ports and waits for a condition with a
  deadline (nothing here sleeps for a fixed time);
- Broker, Watcher, Client5, Publisher: Mosquitto on a free loopback port and
  paho clients (3.1.1 and MQTT 5) that record or send what goes through it;
- PtyPair, Peer, Simulator: a socat pseudo-terminal pair and the device
  simulators that print "ready", tests/sim/modbus_sim.py above all;
- Gateway, check_config, read_store, NotifySocket: the iotgw binary
  ($IOTGW_BINARY) run with a configuration file, its store read while it runs
  and the sd_notify messages it sends;
- gateway_config and its parts: the TOML of a gateway with one bus and one
  device, written from the values a test chooses;
- mqtt_remaining_length, modbus_crc16: the framing details that fake peers
  written from the specs need.
"""
import dataclasses
import datetime
import getpass
import json
import os
import pathlib
import queue
import re
import select
import signal
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time

import paho.mqtt.client as paho
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

IOTGW = os.environ.get("IOTGW_BINARY", "iotgw")
TESTS = pathlib.Path(__file__).resolve().parents[1]
REPO = TESTS.parent
EXAMPLES = pathlib.Path(os.environ.get("IOTGW_EXAMPLES_DIR", REPO / "config" / "examples"))
# Debian's interpreter, where python3-pymodbus and python3-paho-mqtt live.
PYTHON = "/usr/bin/python3"
SIMULATOR = TESTS / "sim" / "modbus_sim.py"
FAULTY_RTU_DEVICE = TESTS / "sim" / "faulty_rtu_device.py"


# --------------------------------------------------------------------------
# Ports, processes and waits.

def free_port():
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, timeout=20.0, what="condition"):
    """Polls `condition` until it returns something true, which it returns.
    After `timeout` s it fails naming `what`: a text, or a function that makes
    one, so that the message can show the state at that moment."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.02)
    raise AssertionError(f"{what() if callable(what) else what} not met in {timeout} s")


def temporary_folder(add_cleanup, prefix="iotgw-"):
    """A folder of its own for a test, removed by the cleanup it registers
    with `add_cleanup` (a TestCase's addCleanup or addClassCleanup,
    unittest.addModuleCleanup)."""
    folder = tempfile.TemporaryDirectory(prefix=prefix)
    add_cleanup(folder.cleanup)
    return pathlib.Path(folder.name)


def accepting(port):
    """True once something accepts TCP connections on 127.0.0.1:port."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


def stop_process(process, timeout=10.0):
    """SIGTERM, then SIGKILL if `process` is still there after `timeout` s; its exit code."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


def shutdown_quietly(sock, how=socket.SHUT_RDWR):
    """Shuts a socket down whether or not the other side already has."""
    try:
        sock.shutdown(how)
    except OSError:
        pass


class LineReader:
    """Whole lines from a descriptor, never blocking past a deadline."""

    def __init__(self, fd):
        self.fd = fd
        self.pending = b""
        self.ended = False

    def _read(self, timeout):
        """Adds what arrives within `timeout` s; b"" if nothing did or the stream ended."""
        readable, _, _ = select.select([self.fd], [], [], max(timeout, 0))
        chunk = os.read(self.fd, 65536) if readable else b""
        self.ended = self.ended or (bool(readable) and not chunk)
        self.pending += chunk
        return chunk

    def _next_line(self):
        if b"\n" not in self.pending:
            return None
        line, self.pending = self.pending.split(b"\n", 1)
        return line.decode(errors="replace")

    def _lines(self):
        lines = []
        while (line := self._next_line()) is not None:
            lines.append(line)
        return lines

    def read_until(self, pattern, timeout=10.0):
        """The lines read up to and including the first that matches `pattern`."""
        deadline = time.monotonic() + timeout
        lines = []
        while True:
            while (line := self._next_line()) is not None:
                lines.append(line)
                if re.search(pattern, line):
                    return lines
            if not self._read(deadline - time.monotonic()):
                raise AssertionError(f"no line matched {pattern!r}; got {lines!r}")

    def available(self):
        """The whole lines that can be read now, without waiting."""
        while not self.ended and self._read(0):
            pass
        return self._lines()

    def rest(self, timeout=10.0):
        """Every line up to the end of the stream, which must come within `timeout` s."""
        deadline = time.monotonic() + timeout
        while not self.ended and time.monotonic() < deadline:
            self._read(deadline - time.monotonic())
        return self._lines()


# --------------------------------------------------------------------------
# The broker and its clients.

@dataclasses.dataclass
class BrokerTls:
    """What makes a Broker's listener TLS 1.2 (mosquitto.conf(5) of the same names)."""
    cafile: str
    certfile: str
    keyfile: str
    require_certificate: bool = False

    def lines(self):
        return [f"cafile {self.cafile}", f"certfile {self.certfile}", f"keyfile {self.keyfile}",
                "tls_version tlsv1.2"] + (["require_certificate true"] if self.require_certificate
                                          else [])


class Broker:
    """Mosquitto on a free loopback port, anonymous, without persistence
    unless asked, with `extra` lines at the end of its configuration. Its
    output goes to folder/mosquitto-PORT.log. start() after stop() restarts
    it on the same port."""

    def __init__(self, folder, persistence=False, tls=None, extra=""):
        self.folder = pathlib.Path(folder)
        self.port = free_port()
        # Once used, the port stays: clients know it.
        self.port_fixed = False
        self.persistence = persistence
        self.tls = tls
        self.extra = extra
        self.process = None
        self.paused = False

    @property
    def log_path(self):
        return self.folder / f"mosquitto-{self.port}.log"

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def _runs(self):
        """How many times Mosquitto said it runs, in its log."""
        return len(re.findall(r"mosquitto version \S+ running", self.log()))

    def _write_config(self):
        # Started as root (in containers), Mosquitto would otherwise switch to
        # a user that cannot write its persistence file in the test's folder.
        lines = [f"user {getpass.getuser()}", "log_dest stderr",
                 f"listener {self.port} 127.0.0.1", "allow_anonymous true"]
        if self.tls:
            lines += self.tls.lines()
        if self.persistence:
            data = self.folder / f"broker-{self.port}"
            data.mkdir(exist_ok=True)
            lines += ["persistence true", f"persistence_location {data}/"]
        config = self.folder / f"mosquitto-{self.port}.conf"
        config.write_text("\n".join(lines) + "\n" + self.extra)
        return config

    def _launch(self):
        """Starts Mosquitto; True once it runs and listens, False if it exited."""
        runs = self._runs()
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(["mosquitto", "-c", str(self._write_config())],
                                            stdout=log, stderr=subprocess.STDOUT)
        wait_for(lambda: self.process.poll() is not None or self._runs() > runs,
                 what=lambda: f"mosquitto running on port {self.port}:\n{self.log()[-2000:]}")
        if self.process.poll() is not None:
            return False
        wait_for(lambda: accepting(self.port), what=f"mosquitto listening on port {self.port}")
        return True

    def start(self):
        """Starts Mosquitto and waits until it listens. A free port can be
        taken by another program before Mosquitto binds it; then it exits and
        is tried again on another port, unless it ran on that port before."""
        for _ in range(3):
            if self._launch():
                self.port_fixed = True
                return self
            if self.port_fixed:
                break
            self.port = free_port()
        raise AssertionError(f"mosquitto did not start:\n{self.log()[-3000:]}")

    def pause(self):
        """SIGSTOP: connections stay open and nothing is answered."""
        self.process.send_signal(signal.SIGSTOP)
        self.paused = True

    def resume(self):
        if self.paused:
            self.process.send_signal(signal.SIGCONT)
            self.paused = False

    def stop(self):
        if self.process is not None:
            self.resume()
            stop_process(self.process)


def drain_into(seen, messages):
    """`seen` with what waits in the queue `messages` appended, in order."""
    while True:
        try:
            seen.append(messages.get_nowait())
        except queue.Empty:
            return seen


class Watcher:
    """A separate subscriber recording (topic, payload, retain) in arrival
    order: `messages` as they come, `seen` once drained. `persistent` keeps
    its session in the broker, so that what arrives while the watcher
    reconnects after a broker restart waits for it; `reconnect_delay` is
    paho's (min, max) in s; `tls_ca` connects over TLS to localhost, trusting
    that CA file."""

    def __init__(self, port, topics="#", name="watcher", persistent=False, reconnect_delay=None,
                 tls_ca=None):
        self.messages = queue.Queue()
        self.seen = []
        self.subscribed = False
        self.client = paho.Client(client_id=name, clean_session=not persistent)
        if reconnect_delay:
            self.client.reconnect_delay_set(*reconnect_delay)
        self.client.on_message = lambda _c, _u, m: self.messages.put((m.topic, m.payload, m.retain))
        self.client.on_subscribe = lambda *_: setattr(self, "subscribed", True)
        self.client.on_connect = lambda c, _u, _f, _rc: c.subscribe(topics, qos=1)
        if tls_ca:
            self.client.tls_set(ca_certs=str(tls_ca))
        self.client.connect("localhost" if tls_ca else "127.0.0.1", port)
        self.client.loop_start()
        wait_for(lambda: self.subscribed, what="watcher subscribed")

    def drain(self):
        """Every message so far, oldest first."""
        return drain_into(self.seen, self.messages)

    def payloads(self, topic):
        return [payload for t, payload, _ in self.drain() if t == topic]

    def json(self, topic):
        return [json.loads(p) for p in self.payloads(topic)]

    def wait_payload(self, topic, payload, timeout=20.0, last=False, what=None):
        """Waits until `payload` arrived on `topic` (`last`: as the newest there)."""
        def arrived():
            payloads = self.payloads(topic)
            return payloads[-1:] == [payload] if last else payload in payloads
        wait_for(arrived, timeout, what or f"{payload!r} on {topic}")

    def stop(self):
        self.client.loop_stop()
        self.client.disconnect()


class Client5:
    """A paho MQTT 5 client recording (topic, payload, properties) in arrival
    order. `session_expiry` (s) keeps its session in the broker while it is
    away; it then starts where it left off."""

    def __init__(self, port, name, topics=(), session_expiry=0):
        self.port = port
        self.name = name
        self.topics = topics
        self.session_expiry = session_expiry
        self.messages = queue.Queue()
        self.seen = []
        self.client = None
        self.connect(subscribe=True)

    def connect(self, subscribe=False):
        """Connects, and subscribes to its topics if asked (a resumed session
        has its subscriptions already)."""
        self.subscribed = threading.Event()
        self.client = paho.Client(client_id=self.name, protocol=paho.MQTTv5)
        self.client.on_message = lambda _c, _u, m: self.messages.put(
            (m.topic, m.payload, m.properties))
        self.client.on_subscribe = lambda *_: self.subscribed.set()
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = self.session_expiry
        self.client.connect("127.0.0.1", self.port, clean_start=self.session_expiry == 0,
                            properties=properties)
        self.client.loop_start()
        if subscribe and self.topics:
            self.client.subscribe([(topic, 1) for topic in self.topics])
            wait_for(self.subscribed.is_set, what=f"{self.name} subscribed")

    def disconnect(self):
        self.client.disconnect()
        self.client.loop_stop()

    def publish(self, topic, payload, properties=None):
        self.client.publish(topic, payload, qos=1, properties=properties).wait_for_publish()

    def drain(self):
        """Every message so far, oldest first."""
        return drain_into(self.seen, self.messages)

    def on(self, topic):
        """(payload, properties) of what arrived on `topic`."""
        return [(payload, properties) for t, payload, properties in self.drain() if t == topic]


class Publisher:
    """A paho client that publishes and waits for each PUBACK."""

    def __init__(self, port, name="attacker"):
        self.client = paho.Client(client_id=name, clean_session=True)
        self.client.max_queued_messages_set(0)
        self.client.max_inflight_messages_set(1000)
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def publish(self, topic, payload, qos=1, retain=False):
        self.client.publish(topic, payload, qos=qos, retain=retain).wait_for_publish()

    def publish_many(self, messages, qos=1):
        """Publishes (topic, payload) pairs as fast as the client can, then waits for all."""
        infos = [self.client.publish(t, p, qos=qos) for t, p in messages]
        for info in infos:
            info.wait_for_publish()

    def stop(self):
        self.client.loop_stop()
        self.client.disconnect()


# --------------------------------------------------------------------------
# Devices.

class PtyPair:
    """Two connected pseudo-terminals made by socat, standing in for a serial
    cable: the gateway opens `gateway`, a device `device`. Stopping socat
    makes both vanish, as an unplugged USB adapter does."""

    def __init__(self, folder, timeout=10.0):
        self.gateway = pathlib.Path(folder) / "gateway"
        self.device = pathlib.Path(folder) / "device"
        self.process = subprocess.Popen(["socat", f"pty,raw,echo=0,link={self.gateway}",
                                         f"pty,raw,echo=0,link={self.device}"])
        wait_for(lambda: self.gateway.exists() and self.device.exists(), timeout, "pty pair")

    def stop(self):
        stop_process(self.process)


class Peer:
    """A process that prints "ready" once it serves, then one line per event
    (the simulators of tests/sim)."""

    def __init__(self, argv, timeout=20.0):
        self.process = subprocess.Popen(argv, stdout=subprocess.PIPE)
        self.reader = LineReader(self.process.stdout.fileno())
        self.events = []
        try:
            printed = self.reader.read_until(r"^ready$", timeout)
        except AssertionError as error:
            printed = str(error)
        if printed != ["ready"]:
            self.kill()
            raise AssertionError(f"{argv[1]} did not start: {printed}")

    def lines(self):
        """The lines printed since "ready", so far; never waits."""
        if not self.process.stdout.closed:
            self.events += self.reader.available()
        return list(self.events)

    def _ended(self):
        if not self.process.stdout.closed:
            self.events += self.reader.rest()
            self.process.stdout.close()
        return list(self.events)

    def stop(self, timeout=10.0):
        """Ends it with SIGTERM; the lines it printed since "ready"."""
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=timeout)
        return self._ended()

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._ended()


class Simulator(Peer):
    """tests/sim/modbus_sim.py: a Modbus device with recognisable values
    (FLOW_TEMP, OFFSET, PRESSURE) that prints each write it receives
    ("write holding 10 [225]"). `port`: where it serves Modbus TCP."""

    def __init__(self, *arguments, port=None):
        super().__init__([PYTHON, str(SIMULATOR), *arguments])
        self.port = port

    @classmethod
    def over_tcp(cls, port=None, framing="--tcp"):
        """On 127.0.0.1:port (a free port unless given); framing
        "--rtu-over-tcp" for RTU frames over TCP."""
        port = port or free_port()
        return cls(framing, f"127.0.0.1:{port}", port=port)

    @classmethod
    def over_rtu(cls, device, baud=19200):
        """On the serial port `device` (a PtyPair's)."""
        return cls("--rtu", str(device), "--baud", str(baud))

    def writes(self):
        return self.lines()


def simulated_rtu_device(add_cleanup, folder):
    """The simulator at the device end of a PtyPair in `folder`, both stopped
    by cleanups registered with `add_cleanup`: (the pair, whose gateway end is
    the gateway's serial port, and the simulator)."""
    pty = PtyPair(folder)
    add_cleanup(pty.stop)
    simulator = Simulator.over_rtu(pty.device)
    add_cleanup(simulator.kill)
    return pty, simulator


# --------------------------------------------------------------------------
# The gateway.

class Gateway:
    """`iotgw run -c FOLDER/NAME.toml` with the configuration text given; its
    output in FOLDER/NAME.log, appended to by every start."""

    def __init__(self, folder, config_text, name="gateway", env=None, binary=None):
        self.folder = pathlib.Path(folder)
        self.config = self.folder / f"{name}.toml"
        self.config.write_text(config_text)
        self.log_path = self.folder / f"{name}.log"
        self.env = env
        self.binary = binary or IOTGW
        self.process = None
        self.log_start = 0

    def start(self, wrapper=()):
        """Starts it, under `wrapper` (a command prefix such as strace) if given."""
        with open(self.log_path, "ab") as log:
            self.log_start = log.tell()
            self.process = subprocess.Popen([*wrapper, self.binary, "run", "-c", str(self.config)],
                                            stdout=log, stderr=subprocess.STDOUT, env=self.env)
        return self

    def log(self):
        """The whole log, of every start."""
        return self.log_path.read_text(errors="replace")

    def run_log(self):
        """The log of the latest start."""
        with open(self.log_path, "rb") as log:
            log.seek(self.log_start)
            return log.read().decode(errors="replace")

    def wait_log(self, text, timeout=20.0, count=1):
        """Waits until the latest start logged `text` `count` times."""
        return wait_for(lambda: self.run_log().count(text) >= count, timeout,
                        what=lambda: f"{text!r} in the log (exit {self.process.poll()}):\n"
                                     f"{self.run_log()[-3000:]}")

    def wait_ready(self, timeout=20.0):
        """Waits until the latest start opened its store and polls its buses."""
        self.wait_log("open; polling", timeout)

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def send_signal(self, signum):
        self.process.send_signal(signum)

    def reload(self):
        """SIGHUP: iotgw reads its configuration file again."""
        self.send_signal(signal.SIGHUP)

    def wait(self, timeout):
        """Its exit code, once it ended within `timeout` s."""
        return self.process.wait(timeout=timeout)

    def stop(self, timeout=15.0):
        """SIGTERM, and the exit code (SIGKILL's after `timeout` s)."""
        return None if self.process is None else stop_process(self.process, timeout)

    def kill(self):
        """SIGKILL, as a crash or a power cut ends it."""
        if self.alive():
            self.process.kill()
        if self.process is not None:
            self.process.wait()


def check_config(path, binary=None):
    """`iotgw check -c FILE`: (exit code, stdout + stderr)."""
    done = subprocess.run([binary or IOTGW, "check", "-c", str(path)], capture_output=True,
                          text=True, errors="replace", timeout=60)
    return done.returncode, done.stdout + done.stderr


def read_store(database, query, parameters=(), timeout=5.0):
    """The rows of `query` on the gateway's store (queue.db), opened read-only
    while the gateway may be writing it; none while the file or its table
    does not exist yet (the file exists a moment before its table)."""
    if not pathlib.Path(database).exists():
        return []
    try:
        db = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=timeout)
    except sqlite3.OperationalError:
        return []
    try:
        return db.execute(query, parameters).fetchall()
    except sqlite3.OperationalError:
        return []
    finally:
        db.close()


def epoch(ts):
    """The gateway's "2026-11-25T19:00:00.123Z" as seconds since the epoch."""
    stamp = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ")
    return stamp.replace(tzinfo=datetime.timezone.utc).timestamp()


class NotifySocket:
    """A NOTIFY_SOCKET, as systemd gives a service, in `folder`: the sd_notify
    messages iotgw sends, each within `timeout` s."""

    def __init__(self, folder, timeout):
        self.path = pathlib.Path(folder) / "notify"
        self.socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.socket.bind(str(self.path))
        self.socket.settimeout(timeout)

    def environment(self, **more):
        """The environment of a gateway that speaks to this socket, and no more."""
        inherited = {key: os.environ[key] for key in ("LD_PRELOAD",) if key in os.environ}
        return {"PATH": os.environ["PATH"], "NOTIFY_SOCKET": str(self.path), **inherited, **more}

    def receive(self):
        return self.socket.recv(4096).decode()

    def close(self):
        self.socket.close()


# --------------------------------------------------------------------------
# The gateway's configuration.

def toml_value(value):
    """Booleans and numbers as TOML has them, lists as arrays; anything else
    (paths too) as a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def is_tables(value):
    return isinstance(value, list) and value and all(isinstance(v, dict) for v in value)


def toml_lines(table, path=""):
    """TOML for nested dicts: plain values and lists of them as `key = value`
    (paths as strings), dicts as [tables] and lists of dicts as [[arrays of
    tables]]."""
    lines = [f"{key} = {toml_value(value)}" for key, value in table.items()
             if not isinstance(value, dict) and not is_tables(value)]
    for key, value in table.items():
        if isinstance(value, dict):
            lines += ["", f"[{path}{key}]", *toml_lines(value, f"{path}{key}.")]
        elif is_tables(value):
            for item in value:
                lines += ["", f"[[{path}{key}]]", *toml_lines(item, f"{path}{key}.")]
    return lines


def mqtt(port, host="127.0.0.1", scheme="mqtt", **keys):
    """An [mqtt] table whose url is the broker on host:port."""
    return {"url": f"{scheme}://{host}:{port}", **keys}


def modbus_rtu(name, port, baud=19200, **keys):
    """A [[bus]] on the serial port `port` (a PtyPair's gateway end)."""
    return {"name": name, "protocol": "modbus-rtu", "port": str(port), "baud": baud, **keys}


def modbus_tcp(name, port, **keys):
    """A [[bus]] to a Modbus TCP device on 127.0.0.1:port."""
    return {"name": name, "protocol": "modbus-tcp", "host": f"127.0.0.1:{port}", **keys}


def point(name, address, **keys):
    """A [[bus.device.point]] at register `address` (holding unless keys say otherwise)."""
    return {"name": name, "address": address, **keys}


# Points that read the recognisable values of tests/sim/modbus_sim.py:
# 21.5 °C, -123 and 12.34 bar.
FLOW_TEMP = point("flow_temp", 0, type="float32", unit="°C")
OFFSET = point("offset", 2, type="int16")
PRESSURE = point("pressure", 0, register="input", scale=0.01, unit="bar")


def gateway_config(gateway_id, state_dir, mqtt_table, bus, device, points, **tables):
    """The TOML of a gateway `gateway_id` keeping its state in `state_dir`,
    with `mqtt_table`, the other `tables` ([store], [telemetry], [commands]:
    dicts of their keys) and one bus (a dict of its keys) with one device
    (likewise) and its `points`. No HTTP endpoint unless `http` is among the
    tables: tests run side by side, and the default port is one."""
    tables.setdefault("http", {"listen": ""})
    document = {"gateway": {"id": gateway_id, "state_dir": str(state_dir)}, "mqtt": mqtt_table,
                **tables, "bus": [{**bus, "device": [{**device, "point": list(points)}]}]}
    return "\n".join(toml_lines(document)).lstrip("\n") + "\n"


def example_config(example, state_dir):
    """An example configuration (config/examples) whose [gateway] keeps its
    state in `state_dir`, so that a run writes nowhere else."""
    text = (EXAMPLES / example).read_text().replace("[gateway]\n",
                                                    f'[gateway]\nstate_dir = "{state_dir}"\n', 1)
    # No HTTP endpoint: tests run side by side, and the default port is one.
    return text.replace("[gateway]\n", '[http]\nlisten = ""\n\n[gateway]\n', 1)


# --------------------------------------------------------------------------
# Framing details for peers written from the specs.

def mqtt_remaining_length(n):
    """MQTT 3.1.1 section 2.2.3: seven bits a byte, low first."""
    out = bytearray()
    while True:
        digit, n = n % 128, n // 128
        out.append(digit | (0x80 if n else 0))
        if not n:
            return bytes(out)


def modbus_crc16(data):
    """Modbus serial line spec 6.2.2: CRC-16/MODBUS."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def with_modbus_crc(frame):
    """An RTU frame with its CRC appended, low byte first."""
    return frame + modbus_crc16(frame).to_bytes(2, "little")
