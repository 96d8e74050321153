"""Probes every Windows role answers, and the prerequisites that hold on any of them."""

from __future__ import annotations

from toolkit.plugin import Plugin

PLUGIN = Plugin("host")
WINDOWS = ("connector", "ca", "ndes")

PLUGIN.probe("host_info", roles=WINDOWS, powershell="ps/host_info.ps1",
             description="Computer name, FQDN, domain, OS, domain role, last boot")
PLUGIN.probe("clock", roles=WINDOWS, powershell="ps/clock.ps1", description="The host's UTC clock")
PLUGIN.probe("services", roles=WINDOWS, powershell="ps/services.ps1",
             description="Every service: name, status, start type, account")
PLUGIN.probe("certs_my", roles=WINDOWS, powershell="ps/certs_my.ps1",
             description="Certificates of LocalMachine\\My as base64 DER with HasPrivateKey")
PLUGIN.probe("certs_root", roles=WINDOWS, powershell="ps/certs_root.ps1",
             description="Certificates of LocalMachine\\Root as base64 DER")
PLUGIN.probe("installed_software", roles=WINDOWS, powershell="ps/installed_software.ps1",
             description="Uninstall entries (64- and 32-bit): display name, version, publisher")
PLUGIN.probe("windows_features", roles=("ca", "ndes"), powershell="ps/windows_features.ps1",
             description="Installed Windows features")
PLUGIN.probe("dotnet", roles=("connector", "ndes"), powershell="ps/dotnet.ps1",
             description=".NET Framework 4 Release value")
PLUGIN.probe("tls_config", roles=("connector", "ndes"), powershell="ps/tls_config.ps1",
             description="SCHANNEL TLS 1.2 and .NET strong-crypto registry values")
