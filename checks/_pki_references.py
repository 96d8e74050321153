"""The Microsoft pages the CA, NDES and directory rules follow (each check's ``references``)."""

from __future__ import annotations

_INTUNE = "https://learn.microsoft.com/mem/intune/protect"
_TROUBLESHOOT = "https://learn.microsoft.com/troubleshoot/mem/intune/certificates"
_ADCS = "https://learn.microsoft.com/windows-server/identity/ad-cs"

SCEP_CONFIGURE = f"{_INTUNE}/certificates-scep-configure"
PKCS_CONFIGURE = f"{_INTUNE}/certificates-pfx-configure"
CONNECTOR_PREREQUISITES = f"{_INTUNE}/certificate-connector-prerequisites"
NDES_ACCOUNT = f"{_ADCS}/create-domain-user-account-ndes-service-account"
NDES_OVERVIEW = f"{_ADCS}/network-device-enrollment-service-overview"
CA_DELEGATION = f"{_ADCS}/secure-delegate-audit-certification-authority"
CA_RENEWAL = f"{_ADCS}/renew-root-ca-certificate"
CRL_OPERATIONS = f"{_ADCS}/operate-certificate-revocation-crl-cdp"
TEMPLATES = f"{_ADCS}/manage-certificate-templates"
DEVICE_TO_NDES = f"{_TROUBLESHOOT}/troubleshoot-scep-certificate-device-to-ndes"
NDES_EVENT_31 = f"{_TROUBLESHOOT}/devices-receive-scep-certificates-error-0x80094800"
NTAUTH = ("https://learn.microsoft.com/troubleshoot/windows-server/certificates-and-public-key-infrastructure-pki/"
          "import-third-party-ca-to-enterprise-ntauth-store")
