"""The parts the hostile-input tests start for real: a Mosquitto broker on a
free loopback port, the pymodbus simulator (tests/sim/modbus_sim.py) over TCP
or a socat pty pair, a separate paho subscriber that records what arrives, and
the iotgw binary itself with a configuration written for the test. Every wait
is for a condition, with a deadline; nothing sleeps for a fixed time."""
import json
import os
import pathlib
import queue
import socket
import subprocess
import time

import paho.mqtt.client as paho

IOTGW = os.environ.get("IOTGW_BINARY", "iotgw")
TESTS = pathlib.Path(__file__).resolve().parents[2]
SIM = TESTS / "sim" / "modbus_sim.py"
PYTHON = "/usr/bin/python3"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, timeout=20.0, what="condition"):
    """Polls `condition` until it returns something true, which it returns."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.02)
    raise AssertionError(f"{what() if callable(what) else what} not met in {timeout} s")


def accepting(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


class Broker:
    """Mosquitto on 127.0.0.1:port, without persistence unless asked."""

    def __init__(self, folder, port=None, persistence=False, extra=""):
        self.port = port or free_port()
        folder = pathlib.Path(folder)
        self.config = folder / f"mosquitto-{self.port}.conf"
        lines = [f"listener {self.port} 127.0.0.1", "allow_anonymous true"]
        if persistence:
            # Mosquitto started as root drops to its own user, which must be
            # able to write its persistence file.
            folder.chmod(0o711)
            data = folder / f"broker-{self.port}"
            data.mkdir(exist_ok=True)
            data.chmod(0o777)
            lines += ["persistence true", f"persistence_location {data}/"]
        self.config.write_text("\n".join(lines) + "\n" + extra)
        self.process = None

    def start(self):
        self.process = subprocess.Popen(["mosquitto", "-c", str(self.config)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: accepting(self.port), what="mosquitto listening")
        return self

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


class Watcher:
    """A separate subscriber recording (topic, payload, retain) in arrival order."""

    def __init__(self, port, topics="#", name="watcher"):
        self.messages = queue.Queue()
        self.seen = []
        self.subscribed = False
        self.client = paho.Client(client_id=name, clean_session=True)
        self.client.on_message = lambda _c, _u, m: self.messages.put((m.topic, m.payload, m.retain))
        self.client.on_subscribe = lambda *_: setattr(self, "subscribed", True)
        self.client.on_connect = lambda c, _u, _f, _rc: c.subscribe(topics, qos=1)
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        wait_for(lambda: self.subscribed, what="watcher subscribed")

    def drain(self):
        while True:
            try:
                self.seen.append(self.messages.get_nowait())
            except queue.Empty:
                return self.seen

    def payloads(self, topic):
        return [payload for t, payload, _ in self.drain() if t == topic]

    def json(self, topic):
        return [json.loads(p) for p in self.payloads(topic)]

    def stop(self):
        self.client.loop_stop()
        self.client.disconnect()


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


class ModbusSim:
    """The pymodbus simulator serving Modbus TCP on a free port; `writes()`
    returns the writes it reported so far. `stderr` goes to subprocess.Popen
    (the default: this process's; subprocess.DEVNULL for quiet)."""

    def __init__(self, unit=1, stderr=None):
        self.port = free_port()
        self.process = subprocess.Popen([PYTHON, str(SIM), "--tcp", f"127.0.0.1:{self.port}",
                                         "--unit", str(unit)], stdout=subprocess.PIPE, text=True,
                                        stderr=stderr)
        line = self.process.stdout.readline().strip()
        if line != "ready":
            raise AssertionError(f"modbus_sim.py did not start: {line!r}")
        os.set_blocking(self.process.stdout.fileno(), False)
        self.seen_writes = []

    def writes(self):
        while (line := self.process.stdout.readline()):
            self.seen_writes.append(line.strip())
        return self.seen_writes

    def stop(self):
        self.process.kill()
        self.process.wait()
        self.process.stdout.close()


class Gateway:
    """`iotgw run` with the given configuration text, its log in folder/NAME.log."""

    def __init__(self, folder, config_text, name="gateway", args=(), env=None):
        self.folder = pathlib.Path(folder)
        self.config = self.folder / f"{name}.toml"
        self.config.write_text(config_text)
        self.log_path = self.folder / f"{name}.log"
        self.args = list(args)
        self.env = env
        self.process = None

    def start(self, wrapper=()):
        with open(self.log_path, "a") as log:
            self.process = subprocess.Popen([*wrapper, IOTGW, "run", "-c", str(self.config),
                                             *self.args], stderr=log, env=self.env)
        return self

    def log(self):
        return self.log_path.read_text(errors="replace")

    def wait_log(self, text, timeout=20.0, count=1):
        return wait_for(lambda: self.log().count(text) >= count, timeout,
                        what=lambda: f"{text!r} in the log (exit {self.process.poll()}):\n"
                                     f"{self.log()[-3000:]}")

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout=15):
        """SIGTERM, and the exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def kill(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def check(config_path):
    """`iotgw check -c FILE`: (exit code, stdout + stderr)."""
    done = subprocess.run([IOTGW, "check", "-c", str(config_path)], capture_output=True,
                          text=True, errors="replace", timeout=60)
    return done.returncode, done.stdout + done.stderr
