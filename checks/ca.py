"""The certification authority: CertSvc, its certificate and CRL, and who may manage certificates."""

from __future__ import annotations

from toolkit.plugin import Plugin

PLUGIN = Plugin("ca")

PLUGIN.probe("ca_registry", roles=("ca",), powershell="ps/ca_registry.ps1",
             description="CertSvc\\Configuration of the active CA")
PLUGIN.probe("ca_security", roles=("ca",), powershell="ps/ca_security.ps1",
             description="The CA's security descriptor (binary Security value) and its trustees' names")
PLUGIN.probe("ca_ping", roles=("ca",), powershell="ps/ca_ping.ps1", description="certutil -ping on the CA itself")
PLUGIN.probe("ca_files", roles=("ca",), powershell="ps/ca_files.ps1",
             description="CA certificates and CRLs published in CertEnroll")
