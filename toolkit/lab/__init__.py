"""The loopback WinRM test host (the optional extra ``conncheck[lab]``: psrpcore, pyspnego).

It speaks the real protocol on 127.0.0.1: HTTP(S) with NTLM/Negotiate, WinRM message encryption, channel binding
over HTTPS, WSMan shells and PSRP runspace pools. Each simulated Windows host answers conncheck's fact scripts from a
profile and can inject faults. ``toolkit.lab.scep`` is the SCEP peer: an NDES-shaped responder over HTTP(S).
Used by ``conncheck demo --live``, the tests and the benchmarks; production code never imports it.
"""

from toolkit.lab.hosts import Answer, Faults, SimHost, hosts_from_facts
from toolkit.lab.lab import PASSWORD_ENV, Lab

__all__ = ["PASSWORD_ENV", "Answer", "Faults", "Lab", "SimHost", "hosts_from_facts"]
