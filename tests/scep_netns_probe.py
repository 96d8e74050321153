"""Run inside a private network namespace (``unshare -n``): start micromdm ``scepserver`` there, probe it, print JSON.

``scepserver`` listens on every interface and has no flag to bind 127.0.0.1, so the test gives it a network
namespace of its own with only loopback up; the probe has to run in that namespace too, hence this script.
Prints ``{"targets": facts scep section, "results": [Result.to_json()...]}`` on stdout.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from conncheck.collectors.scep import Endpoint, Options, collect
from conncheck.evaluate import evaluate
from conncheck.facts import Facts
from conncheck.registry import default_registry
from conncheck.site import facts_site

PORT = 18080


def wait_for(port: int, server: subprocess.Popen[bytes]) -> None:
    for _ in range(200):
        if server.poll() is not None:
            raise SystemExit(f"scepserver exited with {server.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("scepserver did not listen")


def main(depot: Path) -> None:
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    subprocess.run(["scepserver", "ca", "-init", "-depot", str(depot)], check=True, capture_output=True)
    server = subprocess.Popen(
        ["scepserver", "-depot", str(depot), "-port", str(PORT)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_for(PORT, server)
        url = f"http://127.0.0.1:{PORT}/scep"
        targets = collect([Endpoint(url, "internal")], default_registry(), Options(timeout=5))
    finally:
        server.terminate()
        server.wait(timeout=10)
    facts = Facts(datetime.now(timezone.utc), {}, facts_site({"roles_expected": ["scep"]}), {}, scep=targets)
    results = evaluate(facts, default_registry(), hosts=list(targets))
    print(json.dumps({"targets": facts.to_json()["scep"], "results": [r.to_json() for r in results]}))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
