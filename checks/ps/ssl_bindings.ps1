$output = & (Join-Path $env:SystemRoot 'System32\netsh.exe') http show sslcert 2>&1 | Out-String
[ordered]@{ output = [string]$output }
