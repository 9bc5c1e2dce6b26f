#!/usr/bin/python3
"""Home Assistant discovery with the real binary: iotgw polling a pymodbus
simulator announces each point to a real Mosquitto as Home Assistant's MQTT
integration documents it. Each config message is retained, holds every field
the integration requires for its component, and points at a state topic
whose payload its template reads to the simulator's value; a `number` and a
`switch` write through their command topics to the simulator; Home
Assistant's "online" makes the gateway announce again; a reload that drops a
point clears its entity with an empty retained config."""
import json
import pathlib
import re
import sys
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "support"))
import iotgw_rig as rig  # noqa: E402  pylint: disable=wrong-import-position

PREFIX = "homeassistant"
POINTS = [
    rig.FLOW_TEMP,                                                    # sensor, 21.5 °C
    rig.point("offset", 2, type="int16", writable=True, min=-200, max=200),  # number, -123
    rig.PRESSURE,                                                     # sensor, 12.34 bar
    rig.point("pump", 0, register="coil", writable=True),             # switch, on
]
# Home Assistant's MQTT integration documentation: the options each component
# requires, and what device-based discovery needs besides.
REQUIRED = {
    "sensor": {"state_topic"},
    "binary_sensor": {"state_topic"},
    "number": {"command_topic"},
    "switch": {"command_topic"},
}
DEVICE_BASED = {"unique_id", "device"}
COMPONENT = {"flow_temp": "sensor", "offset": "number", "pressure": "sensor", "pump": "switch"}
EXPECTED = {"flow_temp": 21.5, "offset": -123, "pressure": 12.34, "pump": "ON"}


def render(template, payload):
    """The templates iotgw writes, evaluated as Home Assistant would."""
    value_json = json.loads(payload)
    found = re.fullmatch(r"\{\{ value_json\.value \}\}", template)
    if found:
        return value_json["value"]
    found = re.fullmatch(r"\{\{ 'ON' if value_json\.value else 'OFF' \}\}", template)
    if found:
        return "ON" if value_json["value"] else "OFF"
    raise AssertionError(f"unexpected template {template}")


class HomeAssistant(unittest.TestCase):
    def setUp(self):
        self.folder = rig.temporary_folder(self.addCleanup)
        self.broker = rig.Broker(self.folder).start()
        self.addCleanup(self.broker.stop)
        self.simulator = rig.Simulator.over_tcp()
        self.addCleanup(self.simulator.kill)
        self.watcher = rig.Watcher(self.broker.port, "#")
        self.addCleanup(self.watcher.stop)
        self.gateway = rig.Gateway(self.folder, self.config(POINTS))
        self.addCleanup(self.gateway.kill)
        self.gateway.start()
        self.gateway.wait_ready()

    def config(self, points):
        return rig.gateway_config(
            "ha", self.folder / "state", rig.mqtt(self.broker.port),
            rig.modbus_tcp("plant", self.simulator.port),
            {"name": "boiler", "poll_interval": "200ms"}, points,
            homeassistant={"enabled": True})

    def configs(self):
        """{point: [(config or None, retain, topic), ...]} of the discovery topics."""
        out = {}
        for topic, payload, retain in self.watcher.drain():
            if topic.startswith(PREFIX + "/") and topic.endswith("/config"):
                point = topic.split("/")[-2].removeprefix("boiler_")
                out.setdefault(point, []).append((json.loads(payload) if payload else None,
                                                  retain, topic))
        return out

    def announced(self):
        rig.wait_for(lambda: set(self.configs()) >= set(COMPONENT), what="every point announced")
        return {point: entries[-1] for point, entries in self.configs().items()}

    def test_every_point_is_announced_and_reads_and_writes(self):
        announced = self.announced()
        for point, (config, _, topic) in announced.items():
            component = COMPONENT[point]
            self.assertEqual(topic, f"{PREFIX}/{component}/ha/boiler_{point}/config")
            missing = (REQUIRED[component] | DEVICE_BASED) - set(config)
            self.assertFalse(missing, f"{point} lacks {missing}")
            self.assertTrue(config["device"]["identifiers"])
            self.assertEqual(config["availability_topic"], "iotgw/ha/status")
            state = config["state_topic"]
            rig.wait_for(lambda state=state: self.watcher.payloads(state), what=f"state on {state}")
            value = render(config["value_template"], self.watcher.payloads(state)[-1])
            self.assertEqual(value, EXPECTED[point], point)
        self.assertEqual(announced["flow_temp"][0]["unit_of_measurement"], "°C")
        self.assertEqual(announced["flow_temp"][0]["device_class"], "temperature")
        self.assertEqual(announced["pressure"][0]["device_class"], "pressure")
        self.assertEqual((announced["offset"][0]["min"], announced["offset"][0]["max"]),
                         (-200, 200))
        self.assertIn(b"online", self.watcher.payloads("iotgw/ha/status"))

        # Home Assistant writes as it would: the number's value, the switch's payload_off.
        home = rig.Publisher(self.broker.port, "home-assistant")
        self.addCleanup(home.stop)
        home.publish(announced["offset"][0]["command_topic"], "42")
        home.publish(announced["pump"][0]["command_topic"], announced["pump"][0]["payload_off"])
        rig.wait_for(lambda: "write holding 2 [42]" in self.simulator.writes(), what="the number")
        rig.wait_for(lambda: "write coil 0 [0]" in self.simulator.writes(), what="the switch")

    def test_retained_for_a_late_home_assistant_and_announced_again_at_its_birth(self):
        self.announced()
        late = rig.Watcher(self.broker.port, PREFIX + "/#", name="late")
        self.addCleanup(late.stop)
        rig.wait_for(lambda: len([m for m in late.drain() if m[2]]) >= len(COMPONENT),
                     what="the retained configs")
        before = sum(len(entries) for entries in self.configs().values())
        home = rig.Publisher(self.broker.port, "home-assistant")
        self.addCleanup(home.stop)
        home.publish(PREFIX + "/status", "online")
        rig.wait_for(lambda: sum(len(entries) for entries in self.configs().values())
                     >= before + len(COMPONENT), what="announced again")

    def test_a_flood_of_births_costs_one_announcement(self):
        """Whoever can publish to {prefix}/status may flood it: the gateway
        announces again at most once per 5 s, whatever the flood."""
        self.announced()
        before = sum(len(entries) for entries in self.configs().values())
        home = rig.Publisher(self.broker.port, "flooder")
        self.addCleanup(home.stop)
        home.publish_many([(PREFIX + "/status", "online")] * 500)
        rig.wait_for(lambda: sum(len(entries) for entries in self.configs().values())
                     >= before + len(COMPONENT), what="the one announcement the flood earns")
        # Stopped, the gateway's last word is "offline": everything it sent
        # before is at the watcher by then.
        self.assertEqual(self.gateway.stop(), 0)
        self.watcher.wait_payload("iotgw/ha/status", b"offline", last=True)
        after = sum(len(entries) for entries in self.configs().values())
        self.assertLessEqual(after, before + 2 * len(COMPONENT))

    def test_a_point_dropped_at_a_reload_is_cleared(self):
        self.announced()
        self.gateway.config.write_text(self.config([p for p in POINTS if p["name"] != "pressure"]))
        self.gateway.reload()
        rig.wait_for(
            lambda: any(config is None for config, _, _ in self.configs().get("pressure", [])),
            what="an empty config for the dropped point")
        cleared = [topic for config, _, topic in self.configs()["pressure"] if config is None]
        self.assertEqual(cleared, [f"{PREFIX}/sensor/ha/boiler_pressure/config"])
        # The broker keeps no config for it: a Home Assistant that starts now
        # finds the other three and not this one.
        late = rig.Watcher(self.broker.port, PREFIX + "/#", name="late")
        self.addCleanup(late.stop)
        rig.wait_for(lambda: len(late.drain()) >= 3, what="the retained configs")
        topics = {topic for topic, _, retain in late.drain() if retain}
        self.assertEqual(topics, {f"{PREFIX}/{COMPONENT[p]}/ha/boiler_{p}/config"
                                  for p in ("flow_temp", "offset", "pump")})

if __name__ == "__main__":
    unittest.main()
