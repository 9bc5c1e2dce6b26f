#!/usr/bin/python3
"""Sparkplug B payloads read by an independent decoder: Eclipse Tahu's
JavaScript payload library (npm sparkplug-payload, run with Debian's nodejs)
decodes what iotgw's codec writes (a node birth, a device birth with every
data type, a historical data message), and iotgw's codec decodes what Tahu
writes (a rebirth command, device writes). No payload here is checked with
iotgw's own codec alone."""
import json
import os
import pathlib
import subprocess
import sys
import unittest

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "sparkplug"))
import tahu  # noqa: E402  pylint: disable=wrong-import-position

CODEC = os.environ["IOTGW_SPARKPLUG_CODEC"]
NPM_PREFIX = pathlib.Path(os.environ["IOTGW_NPM_PREFIX"])


def lines_of(text):
    """{case: json} from "<case> <json>" lines."""
    out = {}
    for line in text.splitlines():
        name, _, body = line.partition(" ")
        out[name] = json.loads(body)
    return out


class SparkplugPayload(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        env = dict(os.environ, NODE_PATH=str(tahu.installed(NPM_PREFIX)))
        cls.tahu = lambda self, mode, given="": subprocess.run(
            ["node", str(HERE / "sparkplug" / "tahu.js"), mode], input=given, env=env,
            capture_output=True, text=True, check=True, timeout=60).stdout

    def codec(self, mode, given=""):
        return subprocess.run([CODEC, mode], input=given, capture_output=True, text=True,
                              check=True, timeout=60).stdout

    def test_tahu_reads_what_iotgw_writes(self):
        decoded = lines_of(self.tahu("decode", self.codec("encode")))
        nbirth = decoded["nbirth"]
        self.assertEqual(nbirth["seq"], "0")
        self.assertEqual(nbirth["timestamp"], "1795633200123")
        self.assertEqual([(m["name"], m["type"], m["value"]) for m in nbirth["metrics"]],
                         [("bdSeq", "Int64", "3"), ("Node Control/Rebirth", "Boolean", False)])

        dbirth = {m["name"]: m for m in decoded["dbirth"]["metrics"]}
        self.assertEqual(decoded["dbirth"]["seq"], "1")
        expected = {
            "pressure": ("Int16", -300), "count": ("UInt16", 65535),
            "energy": ("UInt32", "4000000000"), "flow_temp": ("Float", 21.5),
            "ratio": ("Double", 0.1), "pump": ("Boolean", True), "serial": ("String", "SN-42"),
            "offset": ("Int8", -5), "delta": ("Int32", -70000),
            "total": ("Int64", "-1234567890123"), "hours": ("UInt64", "18446744073709551615"),
            "missing": ("Double", None),
        }
        for name, (kind, value) in expected.items():
            metric = dbirth[name]
            self.assertEqual(metric["type"], kind, name)
            self.assertEqual(str(metric["value"]) if isinstance(value, str) else metric["value"],
                             value, name)
            self.assertEqual(metric["timestamp"], "1795633200123", name)
        self.assertEqual([dbirth[name]["alias"] for name in expected],
                         [str(n) for n in range(1, 13)])
        self.assertEqual(dbirth["pressure"]["properties"]["engUnit"],
                         {"type": "String", "value": "bar"})
        self.assertEqual(dbirth["flow_temp"]["properties"]["engUnit"]["value"], "°C")
        self.assertNotIn("isHistorical", dbirth["pressure"])

        ddata = decoded["ddata_historical"]
        self.assertEqual(ddata["seq"], "255")
        [metric] = ddata["metrics"]
        self.assertEqual(metric["alias"], "4")
        self.assertNotIn("name", metric)
        self.assertTrue(metric["isHistorical"])
        self.assertEqual(metric["value"], 23.5)
        self.assertEqual(metric["timestamp"], "1795633140123")

    def test_iotgw_reads_what_tahu_writes(self):
        decoded = lines_of(self.codec("decode", self.tahu("encode")))
        [rebirth] = decoded["ncmd_rebirth"]["metrics"]
        self.assertEqual((rebirth["name"], rebirth["field"], rebirth["value"]),
                         ("Node Control/Rebirth", "boolean_value", True))
        self.assertEqual(rebirth["datatype"], 11)
        self.assertNotIn("seq", decoded["ncmd_rebirth"])
        writes = decoded["dcmd_writes"]["metrics"]
        self.assertEqual((writes[0]["alias"], writes[0]["field"], writes[0]["value"]),
                         (1, "int_value", 2**32 - 7))  # -7 sign-extended, as 3.0 sends Int16
        self.assertEqual((writes[1]["name"], writes[1]["field"], writes[1]["value"]),
                         ("flow_temp", "float_value", 21.5))
        self.assertEqual((writes[2]["field"], writes[2]["value"]), ("string_value", "hi"))
        self.assertEqual((writes[3]["field"], writes[3]["value"]),
                         ("long_value", "18446744073709551615"))
        self.assertEqual((writes[4]["field"], writes[4]["value"]), ("boolean_value", False))


if __name__ == "__main__":
    unittest.main()
