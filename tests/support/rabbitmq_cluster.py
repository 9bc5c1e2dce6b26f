"""A three-node RabbitMQ cluster on loopback for the Python end-to-end tests
(tests/integration/14-rabbitmq-cluster.py): Debian's rabbitmq-server (3.10)
with the MQTT plugin on every node and durable MQTT subscriptions in quorum
queues (`mqtt.durable_queue_type = quorum`), so that they survive a node.

What the nodes share: one epmd of the cluster's own on a free port
(ERL_EPMD_PORT; a node would otherwise start a daemon that outlives the test)
and one HOME holding the Erlang cookie (mode 0400), which the CLI reads too.
What each node has of its own: its name (rabbit-a@localhost, ...), its data
and log folders, its configuration and enabled plugins, and its ports (MQTT,
AMQP and distribution, all free loopback ports; the default distribution port,
AMQP's + 20000, could collide).

The nodes boot in parallel, each ready once its MQTT listener answers a
CONNECT with an accepting CONNACK; the second and the third then join the
first with `rabbitmqctl join_cluster` (stop_app, join_cluster, start_app),
before any durable subscription exists (a quorum queue's members are fixed
when it is declared), and the cluster is ready once the first node reports
the three running and each answers CONNECT. A node killed and started again
keeps its data and rejoins by itself.

MQTT client ids are registered cluster-wide in a Raft cluster of every node
(mqtt_node); in 3.10 a node sends the CONNACK without waiting for that
registration (it retries in the background), so a node answers CONNECT even
while the registry elects a new leader after a node died.

Every process runs in a process group of its own, so that killing a node
(SIGKILL, as a crash or a power cut does) takes all of it and so does the
cleanup, whether or not the test passed; each is also sent SIGTERM if the
test process dies without its cleanups (PR_SET_PDEATHSIG).
"""
import ctypes
import json
import os
import pathlib
import signal
import socket
import subprocess
import time

import iotgw_rig as rig

SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"
# Not /usr/sbin/rabbitmqctl, which switches to the rabbitmq user.
CTL = "/usr/lib/rabbitmq/bin/rabbitmqctl"
EPMD = "/usr/bin/epmd"

# MQTT 3.1.1 3.1: CONNECT, clean session, keep alive 10 s; the client id follows.
CONNECT_HEAD = bytes([0x00, 0x04]) + b"MQTT" + bytes([0x04, 0x02, 0x00, 0x0A])
# 3.2: CONNACK, no session present, return code 0; 3.14: DISCONNECT.
ACCEPTED = bytes([0x20, 0x02, 0x00, 0x00])
DISCONNECT = bytes([0xE0, 0x00])

_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)


def free_ports(count):
    """`count` different loopback TCP ports nobody listens on right now
    (rig.free_port one after the other could give the same one twice)."""
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def _own_group_ended_with_parent():
    """Between fork and exec: SIGTERM when the test process dies (the process
    group of its own comes from start_new_session)."""
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _spawn(argv, env, output):
    with open(output, "ab") as out:
        return subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True,
                                preexec_fn=_own_group_ended_with_parent)


def _kill_group(process):
    """SIGKILL to the process group `process` leads, then reaps it."""
    if process is None:
        return
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def _group_alive(pgid):
    """True while a process of the process group `pgid` runs (a zombie, dead
    but not yet reaped by init, does not count)."""
    for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
        try:
            # pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses.
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def answers_connect(port, client_id, timeout=1.0):
    """The CONNACK's return code when a CONNECT as `client_id` is answered on
    127.0.0.1:port within `timeout` s (then it disconnects); None otherwise."""
    name = client_id.encode()
    body = CONNECT_HEAD + len(name).to_bytes(2, "big") + name
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(bytes([0x10]) + rig.mqtt_remaining_length(len(body)) + body)
            answer = b""
            while len(answer) < 4:
                chunk = sock.recv(4 - len(answer))
                if not chunk:
                    return None
                answer += chunk
            if answer[:2] != ACCEPTED[:2]:
                return None
            if answer == ACCEPTED:
                sock.sendall(DISCONNECT)
            return answer[3]
    except OSError:
        return None


class Node:
    """One RabbitMQ node of a Cluster: its name, ports and folders."""

    def __init__(self, cluster, letter, ports):
        self.cluster = cluster
        self.letter = letter
        self.name = f"rabbit-{letter}@localhost"
        self.folder = cluster.folder / f"node-{letter}"
        self.folder.mkdir()
        self.mqtt_port, self.amqp_port, self.dist_port = ports
        self.process = None
        self.last_error = ""
        (self.folder / "rabbitmq.conf").write_text("\n".join([
            f"listeners.tcp.default = 127.0.0.1:{self.amqp_port}",
            f"mqtt.listeners.tcp.default = 127.0.0.1:{self.mqtt_port}",
            "mqtt.allow_anonymous = true",
            "mqtt.durable_queue_type = quorum",
            # The tests' machines are small and shared: no alarm for them.
            "disk_free_limit.absolute = 1MB",
            "vm_memory_high_watermark.relative = 0.9",
            "log.file.level = info",
            ""]))
        (self.folder / "enabled_plugins").write_text("[rabbitmq_mqtt].\n")

    @property
    def url(self):
        return f"mqtt://127.0.0.1:{self.mqtt_port}"

    @property
    def log_path(self):
        return self.folder / "log" / f"{self.name}.log"

    def environment(self):
        folder = str(self.folder)
        return {**self.cluster.environment(),
                "RABBITMQ_NODENAME": self.name,
                "RABBITMQ_USE_LONGNAME": "false",
                "RABBITMQ_CONF_ENV_FILE": f"{folder}/rabbitmq-env.conf",  # none
                "RABBITMQ_CONFIG_FILE": f"{folder}/rabbitmq.conf",
                "RABBITMQ_ENABLED_PLUGINS_FILE": f"{folder}/enabled_plugins",
                "RABBITMQ_MNESIA_BASE": f"{folder}/mnesia",
                "RABBITMQ_LOG_BASE": f"{folder}/log",
                "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
                "RABBITMQ_NODE_PORT": str(self.amqp_port),
                "RABBITMQ_DIST_PORT": str(self.dist_port),
                # The cluster's epmd or none: never a daemon outliving the test.
                "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS":
                    "-start_epmd false -kernel inet_dist_use_interface {127,0,0,1}"}

    def launch(self):
        """Starts the node (its data kept from an earlier run); does not wait."""
        self.process = _spawn([SERVER], self.environment(), self.folder / "rabbitmq.out")

    def running(self):
        return self.process is not None and self.process.poll() is None

    def answers(self):
        """True once its MQTT listener accepts a CONNECT (a client id of its own per node)."""
        return answers_connect(self.mqtt_port, f"ready-{self.letter}") == 0

    def wait_answers(self, timeout):
        rig.wait_for(lambda: self.answers() or not self.running(), timeout,
                     what=lambda: f"{self.name} answering MQTT CONNECT:\n{self.log()}")
        if not self.running():
            raise AssertionError(f"{self.name} exited at start:\n{self.log()}")

    def kill(self):
        """SIGKILL to the whole node (the start script, beam and its helpers);
        returns once none of them runs. Nothing if it is not running."""
        if self.process is None:
            return
        pgid = self.process.pid
        _kill_group(self.process)
        self.process = None
        rig.wait_for(lambda: not _group_alive(pgid), 10, f"{self.name}'s processes gone")

    def ctl(self, *arguments, timeout=60):
        """`rabbitmqctl -n NODE ARGUMENTS`: its output; fails if it fails."""
        done = subprocess.run([CTL, "-n", self.name, *arguments],
                              env=self.cluster.ctl_environment(), capture_output=True,
                              text=True, errors="replace", timeout=timeout,
                              start_new_session=True)
        if done.returncode != 0:
            raise AssertionError(f"rabbitmqctl -n {self.name} {' '.join(arguments)} exited "
                                 f"{done.returncode}:\n{done.stdout}{done.stderr}")
        return done.stdout

    def running_nodes(self):
        """The running nodes of the cluster as this node sees them (a set);
        none while it cannot tell (the error in `last_error`)."""
        try:
            status = json.loads(self.ctl("cluster_status", "--formatter", "json"))
        except (AssertionError, ValueError, subprocess.TimeoutExpired) as error:
            self.last_error = str(error)
            return set()
        return set(status.get("running_nodes", []))

    def log(self, tail=3000):
        def text(path):
            return path.read_text(errors="replace")[-tail:] if path.exists() else ""
        return (f"--- {self.name} rabbitmq-server output\n{text(self.folder / 'rabbitmq.out')}"
                f"--- {self.log_path.name}\n{text(self.log_path)}")


class Cluster:
    """Three RabbitMQ nodes (a, b, c) in `folder`, clustered: start(),
    kill(node), restart(node), stop(), which `add_cleanup` is given at once,
    so that nothing is left behind whatever happens in between."""

    def __init__(self, folder, add_cleanup, letters=("a", "b", "c")):
        self.folder = pathlib.Path(folder)
        self.home = self.folder / "home"
        self.home.mkdir()
        cookie = self.home / ".erlang.cookie"
        cookie.write_text(f"IOTGWCLUSTER{os.getpid()}{int(time.time())}")
        cookie.chmod(0o400)
        ports = free_ports(1 + 3 * len(letters))
        self.epmd_port = ports.pop()
        self.epmd = None
        self.nodes = [Node(self, letter, ports[3 * i:3 * i + 3])
                      for i, letter in enumerate(letters)]
        add_cleanup(self.stop)

    @property
    def urls(self):
        return [node.url for node in self.nodes]

    def environment(self):
        """The environment of every process of the cluster: the caller's
        without its RabbitMQ and Erlang settings, plus the shared ones."""
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("RABBITMQ_", "ERL_")) and key != "HOME"}
        return {**env, "HOME": str(self.home), "ERL_EPMD_PORT": str(self.epmd_port)}

    def ctl_environment(self):
        # Any free distribution port for the CLI's own node.
        return {**self.environment(), "RABBITMQ_USE_LONGNAME": "false",
                "RABBITMQ_CTL_ERL_ARGS": "-start_epmd false",
                "RABBITMQ_CTL_DIST_PORT_MIN": "0", "RABBITMQ_CTL_DIST_PORT_MAX": "0"}

    def start(self, timeout=120.0):
        """Boots every node in parallel, joins the others to the first and
        waits until each sees them all running."""
        self.epmd = _spawn([EPMD, "-port", str(self.epmd_port), "-address", "127.0.0.1"],
                           self.environment(), self.folder / "epmd.out")
        rig.wait_for(lambda: rig.accepting(self.epmd_port) or self.epmd.poll() is not None,
                     10, "epmd listening")
        if self.epmd.poll() is not None:
            raise AssertionError(f"epmd exited {self.epmd.returncode}")
        deadline = time.monotonic() + timeout
        for node in self.nodes:
            node.launch()
        for node in self.nodes:
            node.wait_answers(deadline - time.monotonic())
        first = self.nodes[0]
        for node in self.nodes[1:]:
            node.ctl("stop_app")
            node.ctl("join_cluster", first.name)
            node.ctl("start_app")
        first.ctl("await_online_nodes", str(len(self.nodes)))
        self.wait_clustered(deadline - time.monotonic())
        return self

    def names(self):
        return {node.name for node in self.nodes}

    def wait_clustered(self, timeout, viewer=None):
        """Waits until `viewer` (default the first node) lists every node as
        running and each node answers MQTT CONNECT."""
        viewer = viewer or self.nodes[0]
        deadline = time.monotonic() + timeout
        rig.wait_for(lambda: viewer.running_nodes() == self.names(), timeout,
                     what=lambda: f"{viewer.name} seeing {sorted(self.names())} running "
                                  f"(sees {sorted(viewer.running_nodes())}; "
                                  f"{viewer.last_error})")
        for node in self.nodes:
            rig.wait_for(node.answers, max(deadline - time.monotonic(), 1.0),
                         f"{node.name} answering MQTT CONNECT")

    def kill(self, node):
        """SIGKILL to the whole of `node`."""
        node.kill()

    def restart(self, node, timeout=60.0):
        """Starts a killed `node` again, with its data (no new join), and
        waits until the cluster has it running again."""
        deadline = time.monotonic() + timeout
        node.launch()
        node.wait_answers(timeout)
        self.wait_clustered(max(deadline - time.monotonic(), 1.0), viewer=node)

    def stop(self):
        """SIGKILL to every node and to epmd: the data goes with the test's
        folder. Returns once none of their processes runs."""
        for node in self.nodes:
            node.kill()
        _kill_group(self.epmd)
        self.epmd = None

    def logs(self):
        return "\n".join(node.log() for node in self.nodes)
