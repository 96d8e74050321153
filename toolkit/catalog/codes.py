"""The diagnostic codes as constants for the checks: one name per code, equal to codes.json (a test keeps them so)."""

from __future__ import annotations

import enum


class DiagnosticCode(enum.IntEnum):
    Success = 0x00000000
    PKCS_Issue_CA_Unavailable = 0x00000400
    Symantec_ClientAuthCertNotFound = 0x00000401
    RevokeCert_AccessDenied = 0x00000402
    CertThumbprint_NotFound = 0x00000403
    Certificate_NotFound = 0x00000404
    Certificate_Expired = 0x00000405
    CRPSCEPCert_NotFound = 0x00000408
    CRPSCEPSigningCert_NotFound = 0x00000409
    CRPSCEPDeserialize_Failed = 0x00000410
    CRPSCEPChallenge_Expired = 0x00000411
    Unknown_Error = 0x0FFFFFFF


CA_UNAVAILABLE = DiagnosticCode.PKCS_Issue_CA_Unavailable
DIGICERT_RA_CERT = DiagnosticCode.Symantec_ClientAuthCertNotFound
REVOKE_ACCESS_DENIED = DiagnosticCode.RevokeCert_AccessDenied
THUMBPRINT_NOT_FOUND = DiagnosticCode.CertThumbprint_NotFound
CERTIFICATE_NOT_FOUND = DiagnosticCode.Certificate_NotFound
CERTIFICATE_EXPIRED = DiagnosticCode.Certificate_Expired
SCEP_ENCRYPTION_CERT = DiagnosticCode.CRPSCEPCert_NotFound
SCEP_SIGNING_CERT = DiagnosticCode.CRPSCEPSigningCert_NotFound
SCEP_DESERIALIZE = DiagnosticCode.CRPSCEPDeserialize_Failed
SCEP_CHALLENGE_EXPIRED = DiagnosticCode.CRPSCEPChallenge_Expired
UNKNOWN_ERROR = DiagnosticCode.Unknown_Error
