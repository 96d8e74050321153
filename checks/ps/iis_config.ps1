$path = Get-ConncheckSystemPath 'inetsrv\config\applicationHost.config'
[ordered]@{ path = $path; text = Read-ConncheckText $path 4194304 }
