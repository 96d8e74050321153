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
$descriptor = [System.Security.AccessControl.RawSecurityDescriptor]::new($bytes, 0)
$sids = @($descriptor.Owner, $descriptor.Group)
if ($null -ne $descriptor.DiscretionaryAcl) {
    $sids += @($descriptor.DiscretionaryAcl | ForEach-Object { $_.SecurityIdentifier })
}
$trustees = [ordered]@{}
foreach ($sid in $sids) {
    if ($null -eq $sid -or $trustees.Contains($sid.Value)) { continue }
    try {
        $trustees[$sid.Value] = $sid.Translate([System.Security.Principal.NTAccount]).Value
    } catch {
        $trustees[$sid.Value] = $null
    }
}
[ordered]@{ security_b64 = [Convert]::ToBase64String($bytes); trustees = $trustees }
