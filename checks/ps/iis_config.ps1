$path = Join-Path $env:SystemRoot 'System32\inetsrv\config\applicationHost.config'
[ordered]@{ path = $path; text = Read-ConncheckText $path 4194304 }
