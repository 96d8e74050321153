"""The connector host: its certificate, its recorded thumbprints, its services, version and reachability."""

from __future__ import annotations

from toolkit.plugin import Plugin

PLUGIN = Plugin("connector")

PLUGIN.probe("connector_registry", roles=("connector",), powershell="ps/connector_registry.ps1",
             description="HKLM\\SOFTWARE\\Microsoft\\MicrosoftIntune and its subkeys")
PLUGIN.probe("connector_config_files", roles=("connector",), powershell="ps/connector_config_files.ps1",
             description="The connector services' .exe.config files")
PLUGIN.probe("ca_reachability", roles=("connector",), powershell="ps/ca_reachability.ps1",
             description="DNS resolution of the CA host and TCP 135 to it, from the connector")
PLUGIN.probe("intune_reachability", roles=("connector",), powershell="ps/intune_reachability.ps1",
             description="TCP 443 to the Intune service endpoints")
