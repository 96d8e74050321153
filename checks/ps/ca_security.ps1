# The active CA's Security value (a self-relative security descriptor) and the names of the SIDs in it.
$base = 'SYSTEM\CurrentControlSet\Services\CertSvc\Configuration'
$configuration = Get-ConncheckRegistryKey $base
if ($null -eq $configuration -or -not $configuration['Active']) { throw 'no active CA configured under CertSvc' }
$key = Get-ConncheckHklmKey ($base + '\' + $configuration['Active'])
try {
    $bytes = [byte[]]$key.GetValue('Security')
} finally {
    $key.Close()
}
[ordered]@{ security_b64 = [Convert]::ToBase64String($bytes); trustees = Get-ConncheckSidNames $bytes }
