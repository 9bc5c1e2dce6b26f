#!/usr/bin/python3
"""Sparkplug B with the real binary: iotgw polling two pymodbus simulators
(a boiler and a tank, each on its own bus) speaks Sparkplug B to a real
Mosquitto, and every message is decoded by Eclipse Tahu's JavaScript library
(npm sparkplug-payload), in arrival order, as a host would: births with the
right names, data types and units, data with the simulator's values by
alias, seq counting on past 255, the will's bdSeq after kill -9 equal to the
last NBIRTH's, a rebirth on NCMD, DDEATH and DBIRTH as a device goes and
comes back, a DCMD write reaching the simulator and refused ones reaching
nothing, data held while the primary host is offline, and historical data
after an outage."""
import os
import pathlib
import sys
import unittest

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "support"))
sys.path.insert(0, str(HERE / "sparkplug"))
import iotgw_rig as rig  # noqa: E402  pylint: disable=wrong-import-position
import tahu  # noqa: E402  pylint: disable=wrong-import-position

NPM_PREFIX = pathlib.Path(os.environ["IOTGW_NPM_PREFIX"])
GROUP = "plant"
EDGE = "edge1"
NODE = f"spBv1.0/{GROUP}"
EDGE_NODE_MESSAGES = ("NBIRTH", "NDEATH", "DBIRTH", "DDATA", "DDEATH")
BOILER_POINTS = [
    rig.FLOW_TEMP,                                                           # Float 21.5 °C
    rig.point("offset", 2, type="int16", writable=True, min=-200, max=200),  # Int16 -123
    rig.PRESSURE,                                                            # Double 12.34 bar
]
TANK_POINTS = [rig.point("level", 0, register="input")]                      # UInt16 1234


def topic(kind, device=None):
    return f"{NODE}/{kind}/{EDGE}" + (f"/{device}" if device else "")


def values_by_name(birth, data):
    """{point: (type, value)} of a DDATA, named through its device's DBIRTH."""
    names = {m["alias"]: m["name"] for m in birth["metrics"]}
    return {names[m["alias"]]: (m["type"], m["value"]) for m in data["metrics"]}


class Sparkplug(unittest.TestCase):
    def setUp(self):
        self.folder = rig.temporary_folder(self.addCleanup)
        # Persistent: the watcher's session, and what waits in it, outlive a
        # restart of the broker.
        self.broker = rig.Broker(self.folder, persistence=True).start()
        self.addCleanup(self.broker.stop)
        self.boiler = rig.Simulator.over_tcp()
        self.addCleanup(self.boiler.kill)
        self.tank_port = rig.free_port()
        self.tank = rig.Simulator.over_tcp(self.tank_port)
        self.addCleanup(lambda: self.tank.kill())  # replaced by a test
        self.watcher = rig.Watcher(self.broker.port, "spBv1.0/#", persistent=True,
                                   reconnect_delay=(0.1, 0.5))
        self.addCleanup(self.watcher.stop)
        self.decoder = tahu.Decoder(NPM_PREFIX)
        self.addCleanup(self.decoder.stop)
        self.decoded = []  # (topic, Tahu's payload), in arrival order
        self.gateway = None

    def start_gateway(self, poll="20ms", **sparkplug):
        document = {
            "gateway": {"id": EDGE, "state_dir": str(self.folder / "state")},
            "mqtt": rig.mqtt(self.broker.port, reconnect_min="100ms", reconnect_max="500ms"),
            "telemetry": {"clock_hold": "0s"},
            "http": {"listen": ""},
            "sparkplug": {"enabled": True, "group_id": GROUP, **sparkplug},
            "bus": [
                {**rig.modbus_tcp("plant", self.boiler.port),
                 "device": [{"name": "boiler", "poll_interval": poll, "point": BOILER_POINTS}]},
                {**rig.modbus_tcp("tanks", self.tank_port, timeout="100ms", retries=0),
                 "device": [{"name": "tank", "poll_interval": "100ms", "point": TANK_POINTS}]},
            ],
        }
        self.gateway = rig.Gateway(self.folder, "\n".join(rig.toml_lines(document)) + "\n")
        self.addCleanup(self.gateway.kill)
        self.gateway.start()
        self.gateway.wait_ready()

    def store(self, query, parameters=()):
        """The single value of `query` on the gateway's queue (0 before it exists)."""
        rows = rig.read_store(self.folder / "state" / "queue.db", query, parameters)
        return rows[0][0] if rows and rows[0][0] is not None else 0

    def messages(self):
        """Every Sparkplug message so far, decoded by Tahu in arrival order."""
        for topic_, payload, _ in self.watcher.drain()[len(self.decoded):]:
            edge_node_says = topic_.split("/")[2] in EDGE_NODE_MESSAGES
            self.decoded.append((topic_, self.decoder.decode(payload) if edge_node_says
                                 else payload))
        return self.decoded

    def on(self, kind, device=None):
        return [p for t, p in self.messages() if t == topic(kind, device)]

    def wait_count(self, kind, count, device=None, timeout=20.0):
        rig.wait_for(lambda: len(self.on(kind, device)) >= count, timeout,
                     what=lambda: f"{count} {kind} {device or ''} (log:\n"
                                  f"{self.gateway.run_log()[-2000:]})")
        return self.on(kind, device)

    def assert_seq_continuous(self, since=0):
        """seq goes up by one, 255 then 0, from each NBIRTH (seq 0) on."""
        numbered = [(t, p) for t, p in self.messages()[since:]
                    if t.split("/")[2] in EDGE_NODE_MESSAGES[:1] + EDGE_NODE_MESSAGES[2:]]
        previous = None
        for topic_, payload in numbered:
            seq = int(payload["seq"])
            if topic_ == topic("NBIRTH"):
                self.assertEqual(seq, 0, "an NBIRTH starts the count")
            elif previous is not None:
                self.assertEqual(seq, (previous + 1) % 256, f"seq after {previous} on {topic_}")
            previous = seq
        return numbered

    def test_births_data_and_seq_past_255(self):
        self.start_gateway()
        nbirth = self.wait_count("NBIRTH", 1)[0]
        metrics = {m["name"]: m for m in nbirth["metrics"]}
        self.assertEqual(metrics["bdSeq"]["type"], "Int64")
        self.assertEqual(metrics["Node Control/Rebirth"], {**metrics["Node Control/Rebirth"],
                                                          "type": "Boolean", "value": False})
        birth = self.wait_count("DBIRTH", 1, "boiler")[0]
        by_name = {m["name"]: m for m in birth["metrics"]}
        self.assertEqual({n: m["type"] for n, m in by_name.items()},
                         {"flow_temp": "Float", "offset": "Int16", "pressure": "Double"})
        self.assertEqual(by_name["flow_temp"]["properties"]["engUnit"]["value"], "°C")
        self.assertEqual(by_name["pressure"]["properties"]["engUnit"]["value"], "bar")
        self.assertEqual(len({m["alias"] for m in birth["metrics"]}), 3)
        tank_birth = self.wait_count("DBIRTH", 1, "tank")[0]
        self.assertEqual([(m["name"], m["type"]) for m in tank_birth["metrics"]],
                         [("level", "UInt16")])

        data = self.wait_count("DDATA", 300, "boiler", timeout=60)
        values = values_by_name(birth, data[-1])
        self.assertEqual(values["flow_temp"], ("Float", 21.5))
        self.assertEqual(values["offset"], ("Int16", -123))
        self.assertAlmostEqual(values["pressure"][1], 12.34)
        self.assertEqual(values["pressure"][0], "Double")
        self.assertFalse(any(m.get("isHistorical") for m in data[-1]["metrics"]))
        self.assertEqual(values_by_name(tank_birth, self.on("DDATA", "tank")[-1]),
                         {"level": ("UInt16", 1234)})
        numbered = self.assert_seq_continuous()
        self.assertGreater(len(numbered), 300)
        self.assertIn(0, [int(p["seq"]) for t, p in numbered[1:]], "seq wrapped past 255")

    def test_ndeath_after_kill_carries_the_last_nbirths_bdseq(self):
        self.start_gateway()
        first = self.wait_count("NBIRTH", 1)[0]
        bd_seq = {m["name"]: m for m in first["metrics"]}["bdSeq"]["value"]
        self.gateway.kill()
        death = self.wait_count("NDEATH", 1)[0]
        self.assertEqual([(m["name"], m["value"]) for m in death["metrics"]], [("bdSeq", bd_seq)])
        self.gateway.start()
        second = self.wait_count("NBIRTH", 2)[1]
        next_bd_seq = {m["name"]: m for m in second["metrics"]}["bdSeq"]["value"]
        self.assertEqual(int(next_bd_seq), (int(bd_seq) + 1) % 256)
        self.gateway.kill()
        death = self.wait_count("NDEATH", 2)[1]
        self.assertEqual(death["metrics"][0]["value"], next_bd_seq)

    def test_rebirth_on_ncmd(self):
        self.start_gateway(poll="200ms")
        self.wait_count("DBIRTH", 1, "tank")
        bd_seq = self.on("NBIRTH")[0]["metrics"][0]["value"]
        host = rig.Publisher(self.broker.port, "host")
        self.addCleanup(host.stop)
        host.publish(topic("NCMD"), tahu.encode(NPM_PREFIX, {"metrics": [
            {"name": "Node Control/Rebirth", "type": "Boolean", "value": True}]}))
        rebirth = self.wait_count("NBIRTH", 2)[1]
        self.assertEqual(rebirth["metrics"][0]["value"], bd_seq, "the same bdSeq")
        self.wait_count("DBIRTH", 2, "boiler")
        self.wait_count("DBIRTH", 2, "tank")
        self.assert_seq_continuous()
        # A command for a metric the node does not have changes nothing.
        host.publish(topic("NCMD"), tahu.encode(NPM_PREFIX, {"metrics": [
            {"name": "Node Control/Reboot", "type": "Boolean", "value": True}]}))
        host.publish(topic("NCMD"), b"\xff\xff garbage")
        self.gateway.wait_log("refused", count=2)
        self.assertEqual(len(self.on("NBIRTH")), 2)
        self.assertTrue(self.gateway.alive())

    def test_a_flood_of_rebirths_costs_one_birth_per_interval(self):
        self.start_gateway(poll="200ms")
        self.wait_count("DBIRTH", 1, "tank")
        host = rig.Publisher(self.broker.port, "host")
        self.addCleanup(host.stop)
        rebirth = tahu.encode(NPM_PREFIX, {"metrics": [
            {"name": "Node Control/Rebirth", "type": "Boolean", "value": True}]})
        host.publish_many([(topic("NCMD"), rebirth)] * 300)
        # The births at the connection were under 5 s ago: the flood is
        # answered once, at the end of that interval...
        self.wait_count("NBIRTH", 2)
        # ...and a request after it once more, 5 s later. Without the bound
        # the flood's 300 births would have come before this one.
        host.publish(topic("NCMD"), rebirth)
        self.wait_count("NBIRTH", 3, timeout=30)
        self.assertEqual(len(self.on("NBIRTH")), 3)
        self.assert_seq_continuous()
        self.assertTrue(self.gateway.alive())

    def test_check_names_the_sparkplug_topics(self):
        self.start_gateway()
        code, out = rig.check_config(self.gateway.config)
        self.assertEqual(code, 0, out)
        self.assertIn(f"sparkplug {NODE}/{{NBIRTH,NDEATH,NCMD}}/{EDGE}", out)
        self.assertIn(f"{NODE}/DDATA/{EDGE}/boiler", out)

    def test_dcmd_writes_what_is_allowed_and_nothing_else(self):
        self.start_gateway(poll="200ms")
        birth = self.wait_count("DBIRTH", 1, "boiler")[0]
        host = rig.Publisher(self.broker.port, "host")
        self.addCleanup(host.stop)
        alias = {m["name"]: m["alias"] for m in birth["metrics"]}
        refused = [
            {"metrics": [{"name": "flow_temp", "type": "Float", "value": 30.0}]},  # not writable
            {"metrics": [{"name": "offset", "type": "Int16", "value": 500}]},      # out of range
            {"metrics": [{"name": "nothing", "type": "Int16", "value": 1}]},       # no such point
            {"metrics": [{"name": "offset", "type": "String", "value": "1"}]},     # not a number
            {"metrics": [{"name": "offset", "type": "Int16", "value": 1}] * 65},  # too many
        ]
        for payload in refused:
            host.publish(topic("DCMD", "boiler"), tahu.encode(NPM_PREFIX, payload))
        self.gateway.wait_log("refused", count=len(refused))
        host.publish(topic("DCMD", "boiler"), tahu.encode(NPM_PREFIX, {"metrics": [
            {"alias": int(alias["offset"]), "type": "Int16", "value": -42}]}))
        rig.wait_for(lambda: "write holding 2 [65494]" in self.boiler.writes(),
                     what="the write at the simulator")
        rig.wait_for(lambda: values_by_name(birth, self.on("DDATA", "boiler")[-1])["offset"]
                     == ("Int16", -42), what="the new value in DDATA")
        self.assertEqual([w for w in self.boiler.writes() if w.startswith("write")],
                         ["write holding 2 [65494]"], "the refused commands wrote nothing")

    def test_a_device_that_stops_answering_dies_and_is_born_again(self):
        self.start_gateway(poll="200ms")
        self.wait_count("DBIRTH", 1, "tank")
        self.tank.kill()
        death = self.wait_count("DDEATH", 1, "tank")[0]
        self.assertEqual(death.get("metrics", []), [])
        self.tank = rig.Simulator.over_tcp(self.tank_port)
        birth = self.wait_count("DBIRTH", 2, "tank")[1]
        self.assertEqual([(m["name"], m["value"]) for m in birth["metrics"]], [("level", 1234)])
        self.assertEqual(self.on("DDEATH", "boiler"), [])
        self.assert_seq_continuous()

    def test_primary_host_offline_holds_the_data_and_online_releases_it(self):
        self.start_gateway(poll="100ms", primary_host_id="scada")
        self.gateway.wait_log("waiting for the primary host scada")
        rig.wait_for(lambda: self.store("SELECT count(*) FROM messages") >= 5,
                     what="readings kept in the store")
        self.assertEqual(self.messages(), [], "nothing before the host is online")
        host = rig.Publisher(self.broker.port, "scada")
        self.addCleanup(host.stop)
        host.publish("spBv1.0/STATE/scada", b'{"online":true,"timestamp":1000}', retain=True)
        self.wait_count("NBIRTH", 1)
        data = self.wait_count("DDATA", 8, "boiler")
        self.assertTrue(all(m["isHistorical"] for m in data[0]["metrics"]), "the backlog")
        rig.wait_for(lambda: not any(m.get("isHistorical")
                                     for m in self.on("DDATA", "boiler")[-1]["metrics"]),
                     what="live data")
        # A stale STATE (older timestamp) is ignored; a newer offline holds the data.
        host.publish("spBv1.0/STATE/scada", b'{"online":false,"timestamp":999}')
        host.publish("spBv1.0/STATE/scada", b'{"online":false,"timestamp":2000}', retain=True)
        self.gateway.wait_log("scada is offline")
        held_from = len(self.on("DDATA", "boiler"))
        last = self.store("SELECT max(seq) FROM messages")
        rig.wait_for(lambda: self.store("SELECT count(*) FROM messages WHERE seq > ? AND backfill",
                                        (last,)) >= 5,
                     what="readings kept in the store again")
        self.assertLessEqual(len(self.on("DDATA", "boiler")), held_from + 2,
                             "at most what was already in flight")
        host.publish("spBv1.0/STATE/scada", b'{"online":true,"timestamp":3000}', retain=True)
        self.wait_count("NBIRTH", 2)
        rig.wait_for(lambda: any(m.get("isHistorical")
                                 for p in self.on("DDATA", "boiler")[held_from + 2:]
                                 for m in p["metrics"]), what="the held data, historical")
        self.assert_seq_continuous(since=[t for t, _ in self.messages()].index(topic("NBIRTH"), 1))

    def test_data_of_an_outage_is_historical_and_numbered_after_the_births(self):
        self.start_gateway(poll="100ms")
        self.wait_count("DDATA", 3, "boiler")
        self.broker.stop()
        self.gateway.wait_log("connection")  # the client says the connection ended
        rig.wait_for(lambda: self.store("SELECT count(*) FROM messages") >= 10,
                     what="readings kept in the store during the outage")
        self.broker.start()
        births = self.wait_count("NBIRTH", 2)
        self.assertEqual(int(births[1]["seq"]), 0)
        rig.wait_for(lambda: any(m.get("isHistorical") for p in self.on("DDATA", "boiler")
                                 for m in p["metrics"]), what="historical data")
        rig.wait_for(lambda: not any(m.get("isHistorical")
                                     for m in self.on("DDATA", "boiler")[-1]["metrics"]),
                     what="live data after the backlog")
        since = [t for t, _ in self.messages()].index(topic("NBIRTH"), 1)
        kinds = [t.split("/")[2] for t, _ in self.messages()[since:]]
        self.assertLess(kinds.index("DBIRTH"), kinds.index("DDATA"), "births before data")
        self.assert_seq_continuous(since=since)


if __name__ == "__main__":
    unittest.main()
