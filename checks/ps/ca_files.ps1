$folder = Join-Path $env:SystemRoot 'System32\CertSrv\CertEnroll'
$certs = @(Get-ChildItem -LiteralPath $folder -File -Filter '*.crt' | ForEach-Object {
        [ordered]@{ name = $_.Name; der_b64 = [Convert]::ToBase64String([System.IO.File]::ReadAllBytes($_.FullName)) }
    })
$crls = @(Get-ChildItem -LiteralPath $folder -File -Filter '*.crl' | ForEach-Object {
        [ordered]@{ name = $_.Name; der_b64 = [Convert]::ToBase64String([System.IO.File]::ReadAllBytes($_.FullName)) }
    })
[ordered]@{ certs = $certs; crls = $crls }
