"""Eclipse Tahu's Sparkplug B payload library (npm sparkplug-payload, run
with Debian's nodejs through tahu.js): the independent decoder and encoder of
the Sparkplug tests."""
import json
import pathlib
import subprocess

HERE = pathlib.Path(__file__).resolve().parent
VERSION = "1.0.3"


def installed(npm_prefix):
    """node_modules holding sparkplug-payload under npm_prefix, installed once
    per build tree."""
    npm_prefix = pathlib.Path(npm_prefix)
    package = npm_prefix / "node_modules" / "sparkplug-payload" / "package.json"
    if not package.exists() or json.loads(package.read_text())["version"] != VERSION:
        npm_prefix.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(npm_prefix),
                        f"sparkplug-payload@{VERSION}"],
                       check=True, stdout=subprocess.DEVNULL, timeout=300)
    return npm_prefix / "node_modules"


class Decoder:
    """One `node tahu.js decode` for a whole conversation: data messages are
    typed by the births decoded before them, as a host does."""

    def __init__(self, npm_prefix):
        self.process = subprocess.Popen(
            ["node", str(HERE / "tahu.js"), "decode"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True,
            env={"PATH": "/usr/local/bin:/usr/bin:/bin", "NODE_PATH": str(installed(npm_prefix))})

    def decode(self, payload):
        """The payload (bytes) as Tahu reads it: a dict, 64-bit numbers as strings."""
        self.process.stdin.write(f"m {payload.hex()}\n")
        self.process.stdin.flush()
        decoded = json.loads(self.process.stdout.readline().partition(" ")[2])
        if "error" in decoded:
            raise AssertionError(f"Tahu cannot decode {payload.hex()}: {decoded['error']}")
        return decoded

    def stop(self):
        self.process.stdin.close()
        self.process.wait(timeout=10)


def encode(npm_prefix, payload):
    """A host's command payload (Tahu's JSON form) encoded by Tahu."""
    done = subprocess.run(
        ["node", str(HERE / "tahu.js"), "encode-each"], input=f"c {json.dumps(payload)}\n",
        capture_output=True, text=True, check=True, timeout=60,
        env={"PATH": "/usr/local/bin:/usr/bin:/bin", "NODE_PATH": str(installed(npm_prefix))})
    return bytes.fromhex(done.stdout.split()[1])
