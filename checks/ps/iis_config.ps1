# applicationHost.config, and the web.config files that also set request limits for the SCEP application: those of
# the Default Web Site's virtual directories /, /CertSrv and /CertSrv/mscep, in the physical folders
# applicationHost.config names (Python merges them). Read-only: files are only read.
$path = Get-ConncheckSystemPath 'inetsrv\config\applicationHost.config'
$text = Read-ConncheckText $path 4194304
$webConfigs = $null
$webConfigsError = $null
if ($null -ne $text) {
    try {
        $config = [xml]$text
        $webConfigs = [System.Collections.Generic.List[object]]::new()
        $sitePath = "/configuration/system.applicationHost/sites/site[@name='Default Web Site']/application"
        $system32 = [System.IO.Path]::Combine([Environment]::GetFolderPath('Windows'), 'System32') + '\'
        foreach ($application in $config.SelectNodes($sitePath)) {
            foreach ($directory in $application.SelectNodes('virtualDirectory')) {
                $virtual = $application.GetAttribute('path').TrimEnd('/') + $directory.GetAttribute('path')
                if ($virtual.Length -gt 1) { $virtual = $virtual.TrimEnd('/') }
                if (@('/', '/certsrv', '/certsrv/mscep') -notcontains $virtual.ToLowerInvariant()) { continue }
                $folder = [Environment]::ExpandEnvironmentVariables($directory.GetAttribute('physicalPath'))
                if ($folder.StartsWith($system32, [StringComparison]::OrdinalIgnoreCase)) {
                    $folder = Get-ConncheckSystemPath $folder.Substring($system32.Length)
                }
                $file = [System.IO.Path]::Combine($folder, 'web.config')
                $webConfigs.Add([ordered]@{ virtual_path = $virtual; path = $file; text = Read-ConncheckText $file 1048576 })
            }
        }
    } catch {
        $webConfigs = $null
        $webConfigsError = Get-ConncheckErrorText $_.Exception
    }
}
[ordered]@{ path = $path; text = $text; web_configs = $webConfigs; web_configs_error = $webConfigsError }
