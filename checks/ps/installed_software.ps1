# Both Uninstall keys (64- and 32-bit programs), read through the 64-bit registry view.
$roots = @(
    'SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall',
    'SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall'
)
foreach ($root in $roots) {
    $key = Get-ConncheckHklmKey $root
    if ($null -eq $key) { continue }
    try {
        foreach ($name in $key.GetSubKeyNames()) {
            Assert-ConncheckBudget
            $entry = $key.OpenSubKey($name, $false)
            if ($null -eq $entry) { continue }
            try {
                $displayName = $entry.GetValue('DisplayName')
                if ($displayName) {
                    [ordered]@{
                        display_name = [string]$displayName
                        display_version = [string]$entry.GetValue('DisplayVersion')
                        publisher = [string]$entry.GetValue('Publisher')
                    }
                }
            } finally {
                $entry.Close()
            }
        }
    } finally {
        $key.Close()
    }
}
