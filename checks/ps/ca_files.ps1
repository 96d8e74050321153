# The CA's published certificates and CRLs in %SystemRoot%\System32\CertSrv\CertEnroll.
$folder = Get-ConncheckSystemPath 'CertSrv\CertEnroll'
$found = [ordered]@{ certs = [System.Collections.Generic.List[object]]::new(); crls = [System.Collections.Generic.List[object]]::new() }
foreach ($path in [System.IO.Directory]::GetFiles($folder)) {
    # By extension, not by the '*.crt' pattern, which also matches '*.crtx' (8.3 short names).
    $kind = @{ '.crt' = 'certs'; '.crl' = 'crls' }[[System.IO.Path]::GetExtension($path).ToLowerInvariant()]
    if (-not $kind) { continue }
    $found[$kind].Add([ordered]@{
        name = [System.IO.Path]::GetFileName($path)
        der_b64 = [Convert]::ToBase64String([System.IO.File]::ReadAllBytes($path))
    })
}
$found
