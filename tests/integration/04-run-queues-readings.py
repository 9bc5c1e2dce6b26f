#!/usr/bin/python3
"""iotgw run with no broker to reach: the real binary polls the pymodbus
simulator behind a socat pty pair and keeps every reading, as its telemetry
message, in the durable store; a lost port is queued as port_down; SIGTERM
commits and exits 0."""
import json
import pathlib
import sys
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "support"))
import iotgw_rig as rig  # noqa: E402  pylint: disable=wrong-import-position


def config_text(state, serial_port):
    """Port 1: no broker to reach."""
    return rig.gateway_config(
        "it", state, rig.mqtt(1), rig.modbus_rtu("rs485", serial_port),
        {"name": "boiler", "poll_interval": "200ms"},
        [rig.FLOW_TEMP, rig.PRESSURE, rig.point("pump_on", 0, register="coil")],
        store={"commit_interval": "100ms"})


class RunQueuesReadings(unittest.TestCase):
    def setUp(self):
        self.folder = rig.temporary_folder(self.addCleanup)
        self.pty, self.sim = rig.simulated_rtu_device(self.addCleanup, self.folder)
        self.gateway = rig.Gateway(self.folder,
                                   config_text(self.folder / "state", self.pty.gateway))
        self.addCleanup(self.gateway.kill)
        self.gateway.start()

    def queued(self):
        """The queued messages, oldest first, as (topic, payload as JSON)."""
        rows = rig.read_store(self.folder / "state" / "queue.db",
                              "select topic, payload from messages order by seq")
        return [(topic, json.loads(bytes(payload))) for topic, payload in rows]

    def latest(self, topic):
        for queued_topic, payload in reversed(self.queued()):
            if queued_topic == topic:
                return payload
        return None

    def test_polls_queues_and_stops_cleanly(self):
        self.gateway.wait_ready()
        rig.wait_for(lambda: len(self.queued()) >= 9)
        flow = self.latest("iotgw/it/boiler/flow_temp")
        self.assertEqual((flow["value"], flow["unit"], flow["quality"]), (21.5, "°C", "good"))
        self.assertRegex(flow["ts"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertEqual(self.latest("iotgw/it/boiler/pressure")["value"], 12.34)
        self.assertEqual(self.latest("iotgw/it/boiler/pump_on")["value"], True)

        # The port goes away: its points are queued once as port_down.
        self.sim.kill()
        self.pty.stop()
        rig.wait_for(lambda: (self.latest("iotgw/it/boiler/flow_temp") or {}).get("quality")
                     == "port_down")
        self.assertIsNone(self.latest("iotgw/it/boiler/pressure")["value"])

        self.assertEqual(self.gateway.stop(timeout=20), 0, self.gateway.log())
        self.assertRegex(self.gateway.log(), r"stopped: \d+ readings, \d+ queued, 0 dropped")


if __name__ == "__main__":
    unittest.main(verbosity=2)
