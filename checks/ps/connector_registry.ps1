# HKLM\SOFTWARE\Microsoft\MicrosoftIntune and every subkey below it (PFXCertificateConnector, NDESConnector, ...).
$tree = [ordered]@{}
$pending = [System.Collections.Generic.Queue[string]]::new()
$pending.Enqueue('SOFTWARE\Microsoft\MicrosoftIntune')
while ($pending.Count -gt 0) {
    Assert-ConncheckBudget
    $path = $pending.Dequeue()
    $tree["HKLM\$path"] = Get-ConncheckRegistryKey $path
    $key = Get-ConncheckHklmKey $path
    if ($null -ne $key) {
        try {
            foreach ($name in $key.GetSubKeyNames()) { $pending.Enqueue("$path\$name") }
        } finally {
            $key.Close()
        }
    }
}
$tree
