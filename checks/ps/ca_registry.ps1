$base = 'SYSTEM\CurrentControlSet\Services\CertSvc\Configuration'
$configuration = Get-ConncheckRegistryKey $base
$active = $null
if ($null -ne $configuration -and $configuration.Contains('Active')) { $active = [string]$configuration['Active'] }
$values = $null
if ($active) { $values = Get-ConncheckRegistryKey "$base\$active" }
[ordered]@{ active = $active; configuration = $values }
