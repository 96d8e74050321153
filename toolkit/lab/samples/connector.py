"""Probe data of a healthy connector host beyond its certificates: Intune reachability, logon rights, IE ESC, updater.

The reachability chains are what Windows reports for Microsoft's endpoints: a leaf for the endpoint, an issuing CA,
and DigiCert Global Root G2, a real root Azure's certificates chain to (public, from Mozilla's root store; checks
recognise the root by its thumbprint, so a stand-in would not do). The leaf and the issuing CA are this module's own,
signed with a stand-in key: nothing verifies those signatures after Windows did.
"""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from typing import Any

from conncheck.facts import format_time
from cryptography import x509
from cryptography.hazmat.primitives import serialization

DIGICERT_GLOBAL_ROOT_G2_PEM = b"""-----BEGIN CERTIFICATE-----
MIIDjjCCAnagAwIBAgIQAzrx5qcRqaC7KGSxHQn65TANBgkqhkiG9w0BAQsFADBh
MQswCQYDVQQGEwJVUzEVMBMGA1UEChMMRGlnaUNlcnQgSW5jMRkwFwYDVQQLExB3
d3cuZGlnaWNlcnQuY29tMSAwHgYDVQQDExdEaWdpQ2VydCBHbG9iYWwgUm9vdCBH
MjAeFw0xMzA4MDExMjAwMDBaFw0zODAxMTUxMjAwMDBaMGExCzAJBgNVBAYTAlVT
MRUwEwYDVQQKEwxEaWdpQ2VydCBJbmMxGTAXBgNVBAsTEHd3dy5kaWdpY2VydC5j
b20xIDAeBgNVBAMTF0RpZ2lDZXJ0IEdsb2JhbCBSb290IEcyMIIBIjANBgkqhkiG
9w0BAQEFAAOCAQ8AMIIBCgKCAQEAuzfNNNx7a8myaJCtSnX/RrohCgiN9RlUyfuI
2/Ou8jqJkTx65qsGGmvPrC3oXgkkRLpimn7Wo6h+4FR1IAWsULecYxpsMNzaHxmx
1x7e/dfgy5SDN67sH0NO3Xss0r0upS/kqbitOtSZpLYl6ZtrAGCSYP9PIUkY92eQ
q2EGnI/yuum06ZIya7XzV+hdG82MHauVBJVJ8zUtluNJbd134/tJS7SsVQepj5Wz
tCO7TG1F8PapspUwtP1MVYwnSlcUfIKdzXOS0xZKBgyMUNGPHgm+F6HmIcr9g+UQ
vIOlCsRnKPZzFBQ9RnbDhxSJITRNrw9FDKZJobq7nMWxM4MphQIDAQABo0IwQDAP
BgNVHRMBAf8EBTADAQH/MA4GA1UdDwEB/wQEAwIBhjAdBgNVHQ4EFgQUTiJUIBiV
5uNu5g/6+rkS7QYXjzkwDQYJKoZIhvcNAQELBQADggEBAGBnKJRvDkhj6zHd6mcY
1Yl9PMWLSn/pvtsrF9+wX3N3KjITOYFnQoQj8kVnNeyIv/iPsGEMNKSuIEyExtv4
NeF22d+mQrvHRAiGfzZ0JFrabA0UWTW98kndth/Jsw1HKj2ZL7tcu7XUIOGZX1NG
Fdtom/DzMNU+MeKNhJ7jitralj41E6Vf8PlwUHBHQRFXGU7Aj64GxJUTFy8bJZ91
8rGOmaFvE7FBcf6IKshPECBV1/MUReXgRPTqh5Uykw7+U0b6LJ3/iyK5S9kJRaTe
pLiaWN0bfVKfjllDiIGknibVb63dDcY3fe0Dkhvld1927jyNxF1WW6LZZm6zNTfl
MrY=
-----END CERTIFICATE-----
"""
COMMERCIAL_ENDPOINTS = ("manage.microsoft.com", "login.microsoftonline.com", "graph.microsoft.com",
                        "enterpriseregistration.windows.net", "autoupdate.msappproxy.net")
UPDATER_LOG = "Microsoft-AzureADConnect-AgentUpdater/Admin"
ALL_SERVICES_SID = "S-1-5-80-0"


def _b64(cert: x509.Certificate) -> str:
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode("ascii")


def digicert_root() -> x509.Certificate:
    return x509.load_pem_x509_certificate(DIGICERT_GLOBAL_ROOT_G2_PEM)


def endpoint_test(host: str, chain: list[str], **changes: Any) -> dict[str, Any]:
    """One endpoint as the intune_reachability fragment reports it: reached directly, this chain presented."""
    return {"host": host, "port": 443, "tested": True, "connected": True, "proxy_status": None, "chain_b64": chain,
            "policy_errors": 0, "error": None, **changes}


def reachability(chains: dict[str, list[str]], proxy: str | None = None) -> dict[str, Any]:
    """The intune_reachability probe's data for the commercial cloud, each endpoint presenting ``chains[host]``."""
    return {
        "cloud": "commercial",
        "proxy": proxy,
        "proxy_source": "HKLM\\SOFTWARE\\Microsoft\\MicrosoftIntune\\PFXCertificateConnector\\Proxy" if proxy else None,
        "endpoints": [endpoint_test(host, chains[host], proxy_status=200 if proxy else None)
                      for host in COMMERCIAL_ENDPOINTS],
    }


def logon_rights(account: str, account_sid: str) -> dict[str, Any]:
    """The LSA policy after the connector's wizard granted its domain account "Log on as a service"."""
    return {
        "SeServiceLogonRight": {ALL_SERVICES_SID: "NT SERVICE\\ALL SERVICES", account_sid: account},
        "SeDenyServiceLogonRight": {},
    }


def ie_esc(administrators: int = 0, users: int = 1) -> dict[str, Any]:
    """IE ESC off for administrators (as Microsoft asks), left on for users (Windows Server's default)."""
    return {"administrators": {"IsInstalled": administrators, "ComponentID": "IEHardenAdmin"},
            "users": {"IsInstalled": users, "ComponentID": "IEHardenUser"}}


def updater_log(now: datetime, records: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The updater's Admin log: found, one warning two days ago (a retried download), no error."""
    default = [{"time_utc": format_time(now - timedelta(days=2)), "event_id": 2017, "level": 3,
                "provider": "Microsoft-AzureADConnect-AgentUpdater"}]
    return {"log": {"name": UPDATER_LOG, "found": True, "error": None, "truncated": False},
            "records": default if records is None else records}


def session(user: str, *, elevated: bool = True) -> dict[str, Any]:
    """host_info's session: the account the fact script ran as, elevated, in 64-bit Windows PowerShell 5.1."""
    return {"user": user, "elevated": elevated, "process_64bit": True, "os_64bit": True, "culture": "en-US",
            "ui_culture": "en-US", "ps_version": "5.1.20348.2849"}
