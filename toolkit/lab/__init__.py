"""The loopback WinRM test host (the optional extra ``conncheck[lab]``: psrpcore, pyspnego).

It speaks the real protocol on 127.0.0.1: HTTP(S) with NTLM/Negotiate, WinRM message encryption, channel binding
over HTTPS, WSMan shells and PSRP runspace pools. Each simulated Windows host answers conncheck's fact scripts from a
profile and can inject faults. ``conncheck.lab.scep`` is the SCEP peer: an NDES-shaped responder over HTTP(S).
``samples`` builds the example Contoso PKI and its facts (the demo's data, the example snapshots, the lab's
hosts). Used by ``conncheck demo --live``, the tests and the benchmarks; the engine never imports it.
"""

try:
    import psrpcore  # noqa: F401
    import spnego  # noqa: F401
except ImportError as exc:  # the engine never imports the lab; a user who asks for it gets the way to install it
    raise ImportError(f"conncheck.lab needs the lab extra ({exc.name} is missing): pip install -e '.[lab]'") from exc

from conncheck.lab.hosts import Answer, Faults, SimHost, hosts_from_facts
from conncheck.lab.lab import PASSWORD_ENV, Lab

__all__ = ["PASSWORD_ENV", "Answer", "Faults", "Lab", "SimHost", "hosts_from_facts"]
