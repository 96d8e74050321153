# The .exe.config files of the connector's services (new connector and the legacy NDES connector), in the 64-bit and
# the 32-bit Program Files. A folder that cannot be listed fails the probe: a missed file is not an absent one.
$files = [ordered]@{}
foreach ($programFiles in Get-ConncheckProgramFiles) {
    $pending = [System.Collections.Generic.Queue[string]]::new()
    $root = [System.IO.Path]::Combine($programFiles, 'Microsoft Intune')
    if ([System.IO.Directory]::Exists($root)) { $pending.Enqueue($root) }
    while ($pending.Count -gt 0) {
        Assert-ConncheckBudget
        $folder = $pending.Dequeue()
        foreach ($path in [System.IO.Directory]::GetFiles($folder, '*.exe.config')) { $files[$path] = Read-ConncheckText $path 1048576 }
        foreach ($child in [System.IO.Directory]::GetDirectories($folder)) { $pending.Enqueue($child) }
    }
}
$files
