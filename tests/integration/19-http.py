#!/usr/bin/python3
"""The HTTP endpoint with the real binary, a real Mosquitto and a pymodbus
simulator: /metrics passes promtool's check and its counters move as readings
and an outage happen; /healthz turns 503 while the store's disk stalls (strace
delays one fsync) and 200 again after; the status page, loaded in headless
Chromium, shows a value the simulator changed within 2 s (a screenshot is
kept with the test's output); `iotgw status` prints the same state; a
non-loopback listen without a token is refused by `iotgw check` with its line
and column, and a request without the token gets 401."""
import base64
import json
import os
import pathlib
import re
import shutil
import socket
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.request

import websocket

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "support"))
import iotgw_rig as rig  # noqa: E402  pylint: disable=wrong-import-position

OUTPUT = pathlib.Path(os.environ.get("IOTGW_TEST_OUTPUT", "."))
POINTS = [rig.FLOW_TEMP, rig.point("offset", 2, type="int16", writable=True, min=-200, max=200),
          rig.PRESSURE]


def get(url, token=None, timeout=5):
    """(status, body text) of a GET."""
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def sample(metrics, name, labels=""):
    """The value of one sample of the exposition text, or None."""
    found = re.search(rf"^{re.escape(name + labels)} (\S+)$", metrics, re.MULTILINE)
    return float(found.group(1)) if found else None


class Http(unittest.TestCase):
    def setUp(self):
        self.folder = rig.temporary_folder(self.addCleanup)
        self.broker = rig.Broker(self.folder).start()
        self.addCleanup(self.broker.stop)
        self.simulator = rig.Simulator.over_tcp()
        self.addCleanup(self.simulator.kill)
        self.port = rig.free_port()
        self.base = f"http://127.0.0.1:{self.port}"

    def start_gateway(self, http=None, store=None, wrapper=()):
        config = rig.gateway_config(
            "web", self.folder / "state", rig.mqtt(self.broker.port, reconnect_min="100ms", reconnect_max="500ms"),
            rig.modbus_tcp("plant", self.simulator.port),
            {"name": "boiler", "poll_interval": "200ms"}, POINTS,
            http=http or {"listen": f"127.0.0.1:{self.port}"}, **({"store": store} if store else {}))
        self.gateway = rig.Gateway(self.folder, config)
        self.addCleanup(self.gateway.kill)
        self.gateway.start(wrapper=wrapper)
        self.gateway.wait_ready(timeout=60)
        self.gateway.wait_log("http: status on")

    def metrics(self):
        status, body = get(f"{self.base}/metrics")
        self.assertEqual(status, 200)
        return body

    def test_metrics_pass_promtool_and_move_with_readings_and_an_outage(self):
        self.start_gateway()
        labels = '{bus="plant",device="boiler",point="flow_temp"}'
        rig.wait_for(lambda: sample(self.metrics(), "iotgw_point_value", labels) == 21.5,
                     what="the first reading's value in /metrics")
        first = self.metrics()
        checked = subprocess.run(["promtool", "check", "metrics"], input=first,
                                 capture_output=True, text=True, timeout=60)
        self.assertEqual(checked.returncode, 0, checked.stdout + checked.stderr)
        self.assertEqual(checked.stdout + checked.stderr, "")
        rig.wait_for(lambda: sample(self.metrics(), "iotgw_readings_total") >
                     sample(first, "iotgw_readings_total"), what="readings counted")
        rig.wait_for(lambda: sample(self.metrics(), "iotgw_mqtt_connected") == 1, what="connected")
        self.broker.stop()
        rig.wait_for(lambda: sample(self.metrics(), "iotgw_mqtt_connected") == 0,
                     what="the outage shown")
        rig.wait_for(lambda: sample(self.metrics(), "iotgw_queue_rows") >= 10,
                     what="readings queued during the outage")
        self.assertGreater(sample(self.metrics(), "iotgw_queue_oldest_age_seconds"), 0)
        self.broker.start()
        rig.wait_for(lambda: sample(self.metrics(), "iotgw_mqtt_reconnects_total") >= 1,
                     what="the reconnect counted")
        rig.wait_for(lambda: sample(self.metrics(), "iotgw_queue_rows") < 10,
                     what="the queue drained")
        last = self.metrics()
        self.assertGreater(sample(last, "iotgw_messages_acknowledged_total"), 10)
        checked = subprocess.run(["promtool", "check", "metrics"], input=last,
                                 capture_output=True, text=True, timeout=60)
        self.assertEqual(checked.returncode, 0, checked.stdout + checked.stderr)

    def test_healthz_is_503_while_the_store_stalls_and_200_after(self):
        # The 40th fsync of the process takes 15 s, longer than
        # commit_interval + 10 s: appends wait, as on a wedged SD card.
        strace = shutil.which("strace")
        self.start_gateway(store={"sync": "full", "commit_interval": "200ms"}, wrapper=(
            strace, "-f", "-qq", "-o", "/dev/null", "-e", "trace=fsync,fdatasync",
            "-e", "inject=fsync,fdatasync:delay_enter=15000000:when=40"))
        self.assertEqual(get(f"{self.base}/healthz"), (200, "ok\n"))
        rig.wait_for(lambda: get(f"{self.base}/healthz")[0] == 503, timeout=60,
                     what="/healthz 503 while the store stalls")
        status, reason = get(f"{self.base}/healthz")
        self.assertIn("store", reason)
        rig.wait_for(lambda: get(f"{self.base}/healthz") == (200, "ok\n"), timeout=60,
                     what="/healthz 200 once the store moves again")

    def test_the_status_page_shows_a_changed_value_within_2_s(self):
        self.start_gateway(http={"listen": f"127.0.0.1:{self.port}"})
        page = Chromium(self.folder, self.addCleanup).open(f"{self.base}/")
        cell = 'document.querySelector(\'[data-point="boiler/offset"]\')'
        rig.wait_for(lambda: "-123" in (page.evaluate(f"{cell} && {cell}.textContent") or ""),
                     what="the simulator's value on the page")
        sender = rig.Publisher(self.broker.port, "operator")
        self.addCleanup(sender.stop)
        sender.publish("iotgw/web/cmd/boiler/offset/set", "77")
        rig.wait_for(lambda: "write holding 2 [77]" in self.simulator.writes(),
                     what="the write at the simulator")
        changed = time.monotonic()
        rig.wait_for(lambda: "77" in (page.evaluate(f"{cell}.textContent") or ""), timeout=5,
                     what="the new value on the page")
        self.assertLess(time.monotonic() - changed, 2.0, "the page lagged")
        shot = OUTPUT / "19-http-status-page.png"
        shot.write_bytes(page.screenshot())
        print(f"screenshot: {shot.resolve()}", file=sys.stderr)
        self.assertIn("boiler", page.evaluate("document.body.innerText"))

    def test_hostile_requests_are_bounded(self):
        self.start_gateway()
        held = [socket.create_connection(("127.0.0.1", self.port)) for _ in range(20)]
        try:
            # Beyond 16 connections the gateway closes new ones at once.
            closed = 0
            for connection in held[16:]:
                connection.settimeout(5)
                closed += connection.recv(1) == b""
            self.assertEqual(closed, 4)
        finally:
            for connection in held:
                connection.close()
        rig.wait_for(lambda: get(f"{self.base}/healthz")[0] == 200, what="room again")
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as connection:
            connection.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 +
                               b"\r\n\r\n")
            self.assertTrue(connection.recv(100).startswith(b"HTTP/1.1 431"))
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as connection:
            connection.sendall(b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\n"
                               b"boom")
            self.assertTrue(connection.recv(100).startswith(b"HTTP/1.1 413"))
        self.assertEqual(get(f"{self.base}/nothing")[0], 404)
        self.assertEqual(get(f"{self.base}/healthz"), (200, "ok\n"))
        self.assertTrue(self.gateway.alive())

    def test_iotgw_status_prints_the_state(self):
        self.start_gateway()
        rig.wait_for(lambda: sample(self.metrics(), "iotgw_mqtt_connected") == 1, what="connected")
        labels = '{bus="plant",device="boiler",point="flow_temp"}'
        rig.wait_for(lambda: sample(self.metrics(), "iotgw_point_value", labels) == 21.5,
                     what="a reading")
        done = subprocess.run([rig.IOTGW, "status", "-c", str(self.gateway.config)],
                              capture_output=True, text=True, timeout=30)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("as web", done.stdout)
        self.assertIn("healthy", done.stdout)
        self.assertRegex(done.stdout, r"flow_temp\s+21\.5 °C\s+good")

    def test_a_token_guards_a_non_loopback_listen(self):
        open_listen = {"listen": f"0.0.0.0:{self.port}"}
        refused = self.folder / "refused.toml"
        refused.write_text(rig.gateway_config(
            "web", self.folder / "state", rig.mqtt(self.broker.port),
            rig.modbus_tcp("plant", self.simulator.port), {"name": "boiler"}, POINTS,
            http=open_listen))
        code, out = rig.check_config(refused)
        self.assertEqual(code, 1)
        line = refused.read_text().splitlines().index(f'listen = "0.0.0.0:{self.port}"') + 1
        self.assertIn(f"refused.toml:{line}:10: error: http.listen: a non-loopback address needs "
                      "http.token_file", out)
        token = self.folder / "token"
        token.write_text("s3cret-token \r\n")  # as an editor may leave it: both sides trim
        token.chmod(0o600)
        self.start_gateway(http={**open_listen, "token_file": str(token)})
        self.assertEqual(get(f"{self.base}/metrics")[0], 401)
        self.assertEqual(get(f"{self.base}/metrics", token="wrong")[0], 401)
        self.assertEqual(get(f"{self.base}/metrics", token="s3cret-token")[0], 200)
        done = subprocess.run([rig.IOTGW, "status", "-c", str(self.gateway.config)],
                              capture_output=True, text=True, timeout=30)
        self.assertEqual(done.returncode, 0, done.stderr)


class Chromium:
    """Headless Chromium driven over its DevTools protocol: one page."""

    def __init__(self, folder, add_cleanup):
        self.profile = pathlib.Path(folder) / "chromium"
        self.process = subprocess.Popen(
            [shutil.which("chromium"), "--headless=new", "--no-sandbox", "--disable-gpu",
             "--no-first-run", "--remote-debugging-port=0", f"--user-data-dir={self.profile}",
             "--window-size=412,915", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        add_cleanup(self.stop)
        port_file = self.profile / "DevToolsActivePort"
        rig.wait_for(lambda: port_file.exists() and port_file.read_text().strip(), timeout=60,
                     what="Chromium's DevTools port")
        self.port = int(port_file.read_text().split()[0])
        self.socket = None
        self.next_id = 0

    def open(self, url):
        targets = json.loads(urllib.request.urlopen(
            f"http://127.0.0.1:{self.port}/json/list", timeout=10).read())
        page = next(t for t in targets if t["type"] == "page")
        self.socket = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30,
                                                  suppress_origin=True)
        self.call("Page.navigate", url=url)
        return self

    def call(self, method, **params):
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            answer = json.loads(self.socket.recv())
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise AssertionError(f"{method}: {answer['error']}")
                return answer["result"]

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def screenshot(self):
        return base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"])

    def stop(self):
        if self.socket:
            self.socket.close()
        self.process.kill()
        self.process.wait()


if __name__ == "__main__":
    unittest.main()
