"""The NDES server: RA certificates, MSCEP templates, IIS and HTTP.sys limits, TLS binding, app pool."""

from __future__ import annotations

from toolkit.plugin import Plugin

PLUGIN = Plugin("ndes")

PLUGIN.probe("mscep_registry", roles=("ndes",), powershell="ps/mscep_registry.ps1",
             description="HKLM\\SOFTWARE\\Microsoft\\Cryptography\\MSCEP template values")
PLUGIN.probe("httpsys_parameters", roles=("ndes",), powershell="ps/httpsys_parameters.ps1",
             description="HTTP.sys Parameters: MaxFieldLength, MaxRequestBytes")
PLUGIN.probe("iis_config", roles=("ndes",), powershell="ps/iis_config.ps1", description="applicationHost.config text")
PLUGIN.probe("ssl_bindings", roles=("ndes",), powershell="ps/ssl_bindings.ps1",
             description="netsh http show sslcert output")
PLUGIN.probe("app_pools", roles=("ndes",), powershell="ps/app_pools.ps1", description="IIS application pool states")
