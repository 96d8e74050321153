# The .exe.config files of the connector's services (new connector and the legacy NDES connector).
$files = [ordered]@{}
$roots = @(
    (Join-Path $env:ProgramFiles 'Microsoft Intune'),
    (Join-Path ${env:ProgramFiles(x86)} 'Microsoft Intune')
)
foreach ($root in $roots) {
    if (-not (Test-Path -LiteralPath $root -PathType Container)) { continue }
    foreach ($file in Get-ChildItem -LiteralPath $root -Recurse -File -Filter '*.exe.config' -ErrorAction SilentlyContinue) {
        $files[$file.FullName] = Read-ConncheckText $file.FullName 1048576
    }
}
$files
