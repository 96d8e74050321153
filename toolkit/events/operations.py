"""Which diagnostic codes stand behind a failed connector operation.

The legacy event table names the codes of each event; the new connector's events name none, so a failure of
an operation is keyed to the codes whose preconditions that operation depends on (DESIGN.md's check map): an
issuance failure to the CA's availability (0x400, and 0x401 for a DigiCert CA), a revocation failure to the
CA permission (0x402), a SCEP verification failure to the NDES RA certificates, URL limits and challenge
clock (0x408-0x411), a download failure to the signing certificate (0x409), the connector's own certificate
to 0x403-0x405. What has no precondition of its own falls to Unknown_Error (0x0FFFFFFF).
"""

from __future__ import annotations

from conncheck.catalog import Event
from conncheck.catalog.codes import DiagnosticCode

SUCCESS, UNKNOWN_ERROR = DiagnosticCode.Success, DiagnosticCode.Unknown_Error

OPERATION_CODES: dict[str, tuple[int, ...]] = {
    "pkcs_issue": (0x400, 0x401),
    "pkcs_recrypt": (UNKNOWN_ERROR,),
    "pkcs_import": (UNKNOWN_ERROR,),
    "cert_revoke": (0x402,),
    "scep_request": (UNKNOWN_ERROR,),
    "scep_issue": (0x400,),
    "crp_verify": (0x408, 0x409, 0x410, 0x411),
    "crp_notify": (UNKNOWN_ERROR,),
    "intune_upload": (UNKNOWN_ERROR,),
    "intune_download": (0x409,),
    "cert_renewal": (0x405,),
    "cert_retrieve": (0x403, 0x404),
    "service": (UNKNOWN_ERROR,),
}


def codes_for_failure(event: Event, carried: int | None) -> tuple[int, ...]:
    """The codes a failure record points at: the one it carries; else its event's specific codes; else its
    operation's."""
    if carried is not None and carried != SUCCESS:
        return (carried,)
    specific = tuple(c for c in event.codes if c not in (SUCCESS, UNKNOWN_ERROR))
    return specific or OPERATION_CODES.get(event.operation, (UNKNOWN_ERROR,))
