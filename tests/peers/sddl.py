"""SDDL → binary security descriptor, encoded by Samba's own NDR code (an encoder that is not ours).

Samba's Python bindings live in Debian's system Python (``python3-samba``), not in the project's venv, so
this runs ``/usr/bin/python3`` once per batch.
"""

from __future__ import annotations

import json
import shutil
import subprocess

SYSTEM_PYTHON = "/usr/bin/python3"

_ENCODER = """
import json, sys
from samba.dcerpc import security
from samba.ndr import ndr_pack
req = json.load(sys.stdin)
domain = security.dom_sid(req["domain_sid"])
print(json.dumps([ndr_pack(security.descriptor.from_sddl(s, domain)).hex() for s in req["sddl"]]))
"""


def samba_bindings_available() -> bool:
    if shutil.which(SYSTEM_PYTHON) is None:
        return False
    probe = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import samba.dcerpc.security"], capture_output=True, check=False
    )
    return probe.returncode == 0


def encode(sddl: list[str], domain_sid: str = "S-1-5-21-1-2-3") -> list[bytes]:
    """Each SDDL string as the self-relative binary descriptor Samba (and AD) stores."""
    done = subprocess.run(
        [SYSTEM_PYTHON, "-c", _ENCODER], input=json.dumps({"domain_sid": domain_sid, "sddl": sddl}),
        capture_output=True, text=True, check=True,
    )
    return [bytes.fromhex(h) for h in json.loads(done.stdout)]
