#!/usr/bin/env python3
"""TLS to a real broker: TlsStream (bridge/mqtt/tls) alone through tls_probe,
the MQTT client over mqtts:// through mqtt_tls_client, and `iotgw run`.

Certificates are made here with openssl at run time: a CA, a server certificate
for localhost/127.0.0.1, a client certificate, a second unrelated CA, an expired
server certificate and one for another host name. Four Mosquitto brokers serve
a TLS listener each on free loopback ports and openssl s_server plays a TLS
1.1-only broker. Over each connection tls_probe sends a hand-written MQTT CONNECT and
expects CONNACK 20 02 00 00, or reports why the connection was refused;
mqtt_tls_client makes MQTT round trips through the broker, one per connection,
or reports why each attempt failed."""
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "support"))
import iotgw_rig as rig  # noqa: E402  pylint: disable=wrong-import-position

PROBE = os.environ["IOTGW_TLS_PROBE"]
CLIENT = os.environ["IOTGW_MQTT_TLS_CLIENT"]

# MQTT 3.1.1 CONNECT (section 3.1), written out field by field.
CONNECT = "".join([
    "10",                # fixed header: CONNECT
    "0f",                # remaining length: 10 (variable header) + 5 (payload)
    "0004 4d515454",     # protocol name "MQTT"
    "04",                # protocol level 4 (3.1.1)
    "02",                # connect flags: clean session
    "003c",              # keep alive: 60 s
    "0003 746c73",       # client identifier "tls"
]).replace(" ", "")
# CONNACK (section 3.2): type 2, remaining length 2, no session present, accepted.
CONNACK = "20020000"



class Pki:
    """Keys and certificates made with the openssl command line."""

    def __init__(self, directory):
        self.dir = pathlib.Path(directory)
        self.serial = 1000

    def path(self, name):
        return str(self.dir / name)

    def run(self, *args):
        subprocess.run(["openssl", *args], check=True, capture_output=True)

    def ca(self, name, common_name):
        self.run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                 "-keyout", self.path(f"{name}.key"), "-out", self.path(f"{name}.pem"),
                 "-subj", f"/CN={common_name}", "-days", "2",
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign")

    def leaf(self, name, ca, common_name, san, usage, days=2):
        """A certificate signed by `ca`; days=-1 makes one that has already expired."""
        self.serial += 1
        ext = self.dir / f"{name}.ext"
        lines = ["basicConstraints=CA:FALSE", "keyUsage=critical,digitalSignature",
                 f"extendedKeyUsage={usage}"]
        if san:
            lines.append(f"subjectAltName={san}")
        ext.write_text("\n".join(lines) + "\n")
        self.run("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                 "-keyout", self.path(f"{name}.key"), "-out", self.path(f"{name}.csr"),
                 "-subj", f"/CN={common_name}")
        self.run("x509", "-req", "-in", self.path(f"{name}.csr"), "-CA", self.path(f"{ca}.pem"),
                 "-CAkey", self.path(f"{ca}.key"), "-set_serial", str(self.serial),
                 "-days", str(days), "-extfile", str(ext), "-out", self.path(f"{name}.pem"))


def printed(process, log, word, timeout=10.0):
    """True once `word` appears in the log; False if the process exits first
    or says nothing of the kind within `timeout` s."""
    try:
        rig.wait_for(lambda: word in log.read_text(errors="replace") or process.poll() is not None,
                     timeout)
    except AssertionError:
        return False
    return process.poll() is None


class Tls(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="iotgw-08-tls-")
        os.chmod(cls.tmp, 0o755)
        cls.brokers = []
        cls.processes = []
        try:
            cls.make_certificates()
            cls.start_brokers()
            # A broker that speaks TLS 1.1 and nothing newer.
            cls.tls11_port = cls.start_s_server("tls11", "-tls1_1", "-cipher",
                                                "DEFAULT@SECLEVEL=0")
            # AWS IoT's MQTT over port 443 is selected by ALPN.
            cls.alpn_port = cls.start_s_server("alpn", "-tls1_2", "-alpn", "x-amzn-mqtt-ca")
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for broker in cls.brokers:
            broker.stop()
        for process in cls.processes:
            rig.stop_process(process, timeout=5)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def make_certificates(cls):
        pki = cls.pki = Pki(cls.tmp)
        pki.ca("ca", "iotgw test CA")
        pki.ca("other_ca", "unrelated test CA")
        pki.leaf("server", "ca", "localhost", "DNS:localhost,IP:127.0.0.1", "serverAuth")
        pki.leaf("client", "ca", "iotgw-test-client", "", "clientAuth")
        pki.leaf("expired", "ca", "localhost", "DNS:localhost,IP:127.0.0.1", "serverAuth", days=-1)
        pki.leaf("wrong_host", "ca", "broker.other.example", "DNS:broker.other.example",
                 "serverAuth")
        for entry in pathlib.Path(cls.tmp).iterdir():
            os.chmod(entry, 0o644)

    @classmethod
    def start_brokers(cls):
        """Mosquitto with a TLS listener of each kind: the good server
        certificate, the same requiring a client certificate, an expired one
        and one for another host name."""
        pki = cls.pki
        cls.ports = {}
        for name in ("server", "mutual", "expired", "wrong_host"):
            cert = "server" if name == "mutual" else name
            tls = rig.BrokerTls(pki.path("ca.pem"), pki.path(f"{cert}.pem"),
                                pki.path(f"{cert}.key"), require_certificate=name == "mutual")
            broker = rig.Broker(cls.tmp, tls=tls)
            cls.brokers.append(broker)
            cls.ports[name] = broker.start().port

    @classmethod
    def start_s_server(cls, name, *options):
        """openssl s_server with the good server certificate and `options`. It
        prints ACCEPT once it listens, or exits if its port was taken meanwhile
        (then it is tried again on another port). Returns the port."""
        pki = cls.pki
        for attempt in range(3):
            port = rig.free_port()
            log = pathlib.Path(cls.tmp) / f"s_server-{name}-{attempt}.log"
            with open(log, "wb") as out:
                process = subprocess.Popen(
                    ["openssl", "s_server", "-accept", f"127.0.0.1:{port}",
                     "-cert", pki.path("server.pem"), "-key", pki.path("server.key"), *options],
                    stdin=subprocess.PIPE, stdout=out, stderr=subprocess.STDOUT)
            cls.processes.append(process)
            if printed(process, log, "ACCEPT"):
                return port
            rig.stop_process(process, timeout=5)
        raise AssertionError("openssl s_server did not start:\n" + log.read_text(errors="replace"))

    def probe(self, port, *args, connects=1, ca="ca.pem", server_name="localhost", send=CONNECT,
              expect=CONNACK):
        command = [PROBE, "--port", str(port), "--send", send, "--expect", expect,
                   "--connects", str(connects), "--server-name", server_name, "--timeout-ms",
                   "5000"]
        if ca:
            command += ["--ca", self.pki.path(ca)]
        result = subprocess.run(command + list(args), capture_output=True, text=True, timeout=30)
        return result

    def assert_connected(self, result, connects=1):
        lines = [line for line in result.stdout.splitlines() if line.startswith("connect ")]
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual(len(lines), connects, result.stdout)
        for line in lines:
            self.assertIn(f"reply={CONNACK}", line)
        return lines

    def assert_refused(self, result, pattern):
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertRegex(result.stdout, r"connect 1: error: " + pattern)

    def test_server_authentication(self):
        lines = self.assert_connected(self.probe(self.ports["server"]))
        self.assertRegex(lines[0], r"suite=TLS-ECDHE-ECDSA-WITH-(AES-\d+-GCM|CHACHA20-POLY1305)")

    def test_mutual_tls(self):
        self.assert_connected(self.probe(self.ports["mutual"], "--cert",
                                         self.pki.path("client.pem"), "--key",
                                         self.pki.path("client.key")))

    def test_mutual_tls_listener_refuses_without_client_certificate(self):
        result = self.probe(self.ports["mutual"])
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertIn("connect 1: error:", result.stdout)

    def test_unknown_ca_is_refused(self):
        self.assert_refused(self.probe(self.ports["server"], ca="other_ca.pem"),
                            r"iotgw\.tls\.verify:\d+: .*unknown or untrusted CA")

    def test_wrong_host_name_is_refused(self):
        self.assert_refused(self.probe(self.ports["wrong_host"]),
                            r"iotgw\.tls\.verify:\d+: .*host name mismatch")

    def test_server_name_is_checked_against_our_setting(self):
        # The right certificate, but we expect another name: refused all the same.
        self.assert_refused(self.probe(self.ports["server"], server_name="broker.other.example"),
                            r"iotgw\.tls\.verify:\d+: .*host name mismatch")

    def test_ip_address_matches_an_ip_san(self):
        # mbedTLS 2.28 alone checks CN and dNSName only; TlsContext adds iPAddress.
        self.assert_connected(self.probe(self.ports["server"], server_name="127.0.0.1"))

    def test_ip_address_not_in_the_certificate_is_refused(self):
        self.assert_refused(self.probe(self.ports["server"], server_name="127.0.0.2"),
                            r"iotgw\.tls\.verify:4: .*host name mismatch")

    def test_ip_san_match_does_not_excuse_an_unknown_ca(self):
        self.assert_refused(self.probe(self.ports["server"], server_name="127.0.0.1",
                                       ca="other_ca.pem"),
                            r"iotgw\.tls\.verify:8: .*unknown or untrusted CA")

    def test_expired_certificate_is_refused(self):
        self.assert_refused(self.probe(self.ports["expired"]),
                            r"iotgw\.tls\.verify:\d+: .*certificate expired")

    def test_tls_1_1_only_server_is_refused(self):
        # The server works for a TLS 1.1 client, so the refusal is our minimum version.
        check = subprocess.run(
            ["openssl", "s_client", "-connect", f"127.0.0.1:{self.tls11_port}", "-tls1_1",
             "-cipher", "DEFAULT@SECLEVEL=0"],
            input="", capture_output=True, text=True, timeout=10)
        self.assertRegex(check.stdout, r"Protocol\s*: TLSv1\.1")
        result = self.probe(self.tls11_port)
        # OpenSSL answers a TLS 1.2-only hello with protocol_version or, finding no
        # TLS 1.1 suite among ours, handshake_failure; both mean refused.
        self.assert_refused(result, r"iotgw\.tls\.alert:\d+: .*(protocol_version|handshake_failure)")

    def test_alpn_is_negotiated(self):
        # s_server is no MQTT broker: handshake, nothing to send, close_notify.
        result = self.probe(self.alpn_port, "--alpn", "x-amzn-mqtt-ca", send="", expect="")
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertRegex(result.stdout, r"connect 1: ok .* alpn=x-amzn-mqtt-ca ")

    def test_insecure_skip_verify_connects_to_untrusted_server_and_warns(self):
        result = self.probe(self.ports["server"], "--insecure", ca="other_ca.pem")
        self.assert_connected(result)
        self.assertRegex(result.stdout + result.stderr, r"verification is OFF")

    def test_session_resumed_on_second_connection(self):
        lines = self.assert_connected(self.probe(self.ports["server"], connects=2), connects=2)
        first = dict(re.findall(r"(\w+)=(\S+)", lines[0]))
        second = dict(re.findall(r"(\w+)=(\S+)", lines[1]))
        self.assertEqual(first["resumed"], "0")
        self.assertEqual(second["resumed"], "1", lines)
        self.assertLess(int(second["handshake_in"]), int(first["handshake_in"]) // 2, lines)

    def test_large_message_echoed_by_the_broker(self):
        # SUBSCRIBE to "t" (section 3.8), then PUBLISH 100 kB of random bytes to
        # it at QoS 0 (section 3.3): the broker sends SUBACK and the same PUBLISH
        # back, so several TLS records flow each way while a read is pending.
        subscribe = bytes.fromhex("82 06" "0001" "0001 74" "00")
        suback = bytes.fromhex("90 03" "0001" "00")
        payload = os.urandom(100_000)
        variable = bytes.fromhex("0001 74")  # topic "t"; QoS 0 has no packet id
        publish = (b"\x30" + rig.mqtt_remaining_length(len(variable) + len(payload)) + variable
                   + payload)
        send = pathlib.Path(self.tmp) / "echo.send"
        expect = pathlib.Path(self.tmp) / "echo.expect"
        send.write_bytes(subscribe + publish)
        expect.write_bytes(suback + publish)
        result = self.probe(self.ports["server"], "--send-file", str(send), "--expect-file",
                            str(expect))
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn(f"reply={4 + len(suback) + len(publish)}B", result.stdout)

    def test_broker_closing_the_connection_reads_as_eof(self):
        # A second CONNECT is a protocol violation (section 3.1): Mosquitto sends
        # close_notify and closes, which the stream reports as asio's eof.
        result = self.probe(self.ports["server"], "--expect-close", send=CONNECT + CONNECT)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("connect 1: closed by peer: asio.misc:2: End of file", result.stdout)

    def test_garbage_ca_file_is_a_clear_error(self):
        garbage = pathlib.Path(self.tmp) / "garbage.pem"
        garbage.write_text("-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n")
        result = self.probe(self.ports["server"], ca="garbage.pem")
        self.assertEqual(result.returncode, 2, result.stdout + result.stderr)
        self.assertIn(f'mqtt.tls.ca_file "{garbage}"', result.stdout)

    # The MQTT client over mqtts:// (bridge/mqtt client with the TLS transport).

    def client(self, port, *args, name, ca="ca.pem", connects=1, failures=3):
        command = [CLIENT, "--host", "127.0.0.1", "--port", str(port), "--server-name",
                   "localhost", "--client-id", name, "--connects", str(connects), "--failures",
                   str(failures)]
        if ca:
            command += ["--ca", self.pki.path(ca)]
        return subprocess.run(command + list(args), capture_output=True, text=True, timeout=60)

    def assert_round_trips(self, result, connects):
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        received = [line for line in result.stdout.splitlines() if line.startswith("received ")]
        self.assertEqual(received, [f"received round trip {n}" for n in range(1, connects + 1)],
                         result.stdout)

    def assert_every_attempt_refused(self, result, pattern, attempts=3):
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        failed = [line for line in result.stdout.splitlines() if line.startswith("failed: ")]
        self.assertEqual(len(failed), attempts, result.stdout)
        for line in failed:
            self.assertRegex(line, pattern)
        self.assertNotIn("connected", result.stdout.splitlines())

    def test_client_round_trips_and_resumes_the_tls_session_on_reconnect(self):
        result = self.client(self.ports["server"], name="tls-rt", connects=3)
        self.assert_round_trips(result, 3)
        # The client logs (spdlog) to stdout, beside its event lines.
        handshakes = re.findall(r"TLS: connected to localhost with .*?, (full handshake|session "
                                r"resumed)", result.stdout)
        self.assertEqual(handshakes, ["full handshake", "session resumed", "session resumed"],
                         result.stdout)

    def test_client_mutual_tls(self):
        result = self.client(self.ports["mutual"], "--cert", self.pki.path("client.pem"), "--key",
                             self.pki.path("client.key"), name="tls-mutual")
        self.assert_round_trips(result, 1)

    def test_client_without_certificate_is_refused_by_a_mutual_tls_listener(self):
        result = self.client(self.ports["mutual"], name="tls-no-cert")
        self.assert_every_attempt_refused(result, r"cannot connect to 127\.0\.0\.1:\d+: ")

    def test_client_refuses_an_unknown_ca_at_every_attempt(self):
        self.assert_every_attempt_refused(
            self.client(self.ports["server"], name="tls-ca", ca="other_ca.pem"),
            r"unknown or untrusted CA")

    def test_client_refuses_a_wrong_host_name_at_every_attempt(self):
        self.assert_every_attempt_refused(self.client(self.ports["wrong_host"], name="tls-host"),
                                          r"host name mismatch")

    def test_client_refuses_an_expired_certificate_at_every_attempt(self):
        self.assert_every_attempt_refused(self.client(self.ports["expired"], name="tls-expired"),
                                          r"certificate expired")

    def test_client_refuses_a_tls_1_1_only_broker_at_every_attempt(self):
        self.assert_every_attempt_refused(self.client(self.tls11_port, name="tls-11"),
                                          r"cannot connect to 127\.0\.0\.1:\d+: .*(version|alert)")

    def test_client_insecure_skip_verify_warns_at_every_connect(self):
        result = self.client(self.ports["server"], "--insecure", name="tls-insecure",
                             ca="other_ca.pem", connects=2)
        self.assert_round_trips(result, 2)
        self.assertEqual(len(re.findall(r"verification is OFF", result.stdout)), 2, result.stdout)

    # The gateway itself over mqtts://.

    def test_gateway_publishes_status_and_readings_over_tls(self):
        # One Modbus TCP device nobody answers for: the gateway queues and
        # publishes its port_down readings, enough to show the store drained
        # over TLS.
        state = pathlib.Path(self.tmp) / "gateway-state"
        state.mkdir()
        gateway = rig.Gateway(self.tmp, rig.gateway_config(
            "gw-tls", state,
            rig.mqtt(self.ports["server"], host="localhost", scheme="mqtts", reconnect_min="100ms",
                     reconnect_max="500ms", tls={"ca_file": self.pki.path("ca.pem")}),
            rig.modbus_tcp("plc", rig.free_port()), {"name": "meter", "poll_interval": "200ms"},
            [rig.point("voltage", 0, register="input")]))
        # Subscribed before the gateway starts: a live reading goes out as
        # soon as the connection is up.
        watcher = rig.Watcher(self.ports["server"], topics="iotgw/gw-tls/#", name="tls-watcher",
                              tls_ca=self.pki.path("ca.pem"))
        self.addCleanup(watcher.stop)
        gateway.start()
        self.addCleanup(gateway.kill)
        watcher.wait_payload("iotgw/gw-tls/status", b"online", timeout=30,
                             what=lambda: "online; gateway log:\n" + gateway.log())
        readings = rig.wait_for(lambda: watcher.payloads("iotgw/gw-tls/meter/voltage"), timeout=30,
                                what=lambda: "a reading; gateway log:\n" + gateway.log())
        code = gateway.stop(timeout=5)
        log = gateway.log()
        self.assertIn(b'"quality":"port_down"', readings[0])
        self.assertIn("connected to localhost", log)
        self.assertEqual(code, 0, log)

if __name__ == "__main__":
    unittest.main(verbosity=2)
