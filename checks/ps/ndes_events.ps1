# NDES's own events of the look-back window (Application log, provider Microsoft-Windows-NetworkDeviceEnrollmentService)
# and the errors of the CAPI2 Operational log (chain building, revocation) when that log is enabled, which it is not
# by default. Read-only: Get-WinEvent only reads; newest first, capped, no FormatDescription.
$days = 7
if ($ConncheckSite -and $ConncheckSite['event_lookback_days']) { $days = [int]$ConncheckSite['event_lookback_days'] }
$window = "TimeCreated[timediff(@SystemTime) <= $([long]$days * 86400000)]"
$logs = [System.Collections.Generic.List[object]]::new()
$records = [System.Collections.Generic.List[object]]::new()
$ndes = [ordered]@{ name = 'Application'; found = $false; error = $null; truncated = $false }
$logs.Add($ndes)
Read-ConncheckEventLog $ndes ("*[System[Provider[@Name='Microsoft-Windows-NetworkDeviceEnrollmentService'] and " +
    "$window]]") 500 $records
$capi2 = [ordered]@{ name = 'Microsoft-Windows-CAPI2/Operational'; found = $false; error = $null; truncated = $false }
$logs.Add($capi2)
Read-ConncheckEventLog $capi2 "*[System[Level=2 and $window]]" 200 $records
[ordered]@{ window_days = $days; logs = $logs; records = $records }
