# certutil -ping asks the local CA's request interface to answer; it changes nothing.
$output = & (Join-Path $env:SystemRoot 'System32\certutil.exe') -ping 2>&1 | Out-String
[ordered]@{ exit_code = [int]$LASTEXITCODE; output = [string]$output }
