# The .exe.config files of the connector's services: below the folder each connector service runs from (the real
# install folder, wherever the installer's Options put it) and below Program Files\Microsoft Intune (64- and 32-bit;
# the legacy NDES connector's too). A folder that cannot be listed fails the probe: a missed file is not an absent one.
$services = @('PFXCertificateConnectorSvc', 'PkiCreateConnectorSvc', 'PfxCreateLegacyConnectorSvc', 'PkiRevokeConnectorSvc')
$roots = [System.Collections.Generic.List[string]]::new()
foreach ($service in Get-CimInstance -ClassName Win32_Service) {
    if ($services -notcontains [string]$service.Name -or -not $service.PathName) { continue }
    # PathName: "C:\...\Service.exe" args, or an unquoted path; the folder of the executable is what counts.
    $path = ([string]$service.PathName).Trim()
    $end = $path.ToLowerInvariant().IndexOf('.exe')
    if ($path.StartsWith('"')) { $path = $path.Substring(1).Split('"')[0] }
    elseif ($end -ge 0) { $path = $path.Substring(0, $end + 4) }
    $roots.Add([System.IO.Path]::GetDirectoryName($path))
}
foreach ($programFiles in Get-ConncheckProgramFiles) { $roots.Add([System.IO.Path]::Combine($programFiles, 'Microsoft Intune')) }
$files = [ordered]@{}
$seen = [System.Collections.Generic.HashSet[string]]::new([System.StringComparer]::OrdinalIgnoreCase)
$pending = [System.Collections.Generic.Queue[string]]::new()
foreach ($root in $roots) { if ([System.IO.Directory]::Exists($root)) { $pending.Enqueue($root) } }
while ($pending.Count -gt 0) {
    Assert-ConncheckBudget
    $folder = $pending.Dequeue()
    if (-not $seen.Add($folder.TrimEnd('\'))) { continue }
    foreach ($path in [System.IO.Directory]::GetFiles($folder, '*.exe.config')) {
        if (-not $files.Contains($path)) { $files[$path] = Read-ConncheckText $path 1048576 }
    }
    foreach ($child in [System.IO.Directory]::GetDirectories($folder)) { $pending.Enqueue($child) }
}
$files
