"""The Microsoft pages the connector-host rules follow (each check's ``references``; docs/connector-rules.md)."""

from __future__ import annotations

_INTUNE = "https://learn.microsoft.com/intune/intune-service"
_TROUBLESHOOT = "https://learn.microsoft.com/troubleshoot/mem/intune/certificates"

CONNECTOR_OVERVIEW = f"{_INTUNE}/protect/certificate-connector-overview"
CONNECTOR_PREREQUISITES = f"{_INTUNE}/protect/certificate-connector-prerequisites"
CONNECTOR_INSTALL = f"{_INTUNE}/protect/certificate-connector-install"
PKCS_CONFIGURE = f"{_INTUNE}/protect/certificates-pfx-configure"
PKCS_IMPORTED = f"{_INTUNE}/protect/certificates-imported-pfx-configure"
SCEP_CONFIGURE = f"{_INTUNE}/protect/certificates-scep-configure"
DIGICERT_CONFIGURE = f"{_INTUNE}/protect/certificates-digicert-configure"
INTUNE_ENDPOINTS = f"{_INTUNE}/fundamentals/intune-endpoints"
US_GOVERNMENT_ENDPOINTS = f"{_INTUNE}/fundamentals/intune-us-government-endpoints"
CHINA_ENDPOINTS = f"{_INTUNE}/fundamentals/china-endpoints"
CONNECTOR_EVENTS = f"{_TROUBLESHOOT}/troubleshoot-certificate-connector-events"
PKCS_TROUBLESHOOT = f"{_TROUBLESHOOT}/troubleshoot-pkcs-certificate-profiles"
SCEP_DEVICE_TO_NDES = f"{_TROUBLESHOOT}/troubleshoot-scep-certificate-device-to-ndes"
ROOT_UPDATES = f"{_TROUBLESHOOT}/fix-connectivity-issues"
AZURE_CA_DETAILS = "https://learn.microsoft.com/azure/security/fundamentals/azure-ca-details"
TLS12 = "https://learn.microsoft.com/troubleshoot/azure/active-directory/enable-support-tls-environment"
DOTNET_VERSIONS = "https://learn.microsoft.com/dotnet/framework/migration-guide/how-to-determine-which-versions-are-installed"
LOG_ON_AS_A_SERVICE = (
    "https://learn.microsoft.com/previous-versions/windows/it-pro/windows-10/security/threat-protection/"
    "security-policy-settings/log-on-as-a-service"
)
AUTOPILOT_AD_CONNECTOR = "https://learn.microsoft.com/autopilot/windows-autopilot-hybrid"
