"""Collectors: they open the connections and write facts; they never judge.

``collect_site`` runs every collector the site configures, concurrently where it can, and returns one Facts
document. A collector that fails records failed probes (UNKNOWN later), never aborts the run.

* ``winrm``: the Windows hosts of ``[[hosts]]`` (one fact script, one pipeline per host).
* ``ldap``: the directory of ``[ldap]``.
* ``scep``: the SCEP endpoints of ``[scep] urls``.
"""
