$full = Get-ConncheckRegistryKey 'SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full'
$release = $null
if ($null -ne $full -and $full.Contains('Release')) { $release = $full['Release'] }
[ordered]@{ release = $release }
