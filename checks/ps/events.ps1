# The connector's event records of the look-back window, raw (Python normalises them). Read-only: Get-WinEvent only
# reads the logs. The event log service filters (XPath): the window, and the connector's event IDs (Microsoft's
# ranges: 1-5999 for the current connector, 10000-20999 for the legacy one) or any critical, error or warning record.
# Newest first, at most 5000 records per log (truncated), no FormatDescription (message is null: Python names events
# from the catalog); the probe stops at its time budget rather than hold up the host's other probes.
$days = 7
if ($ConncheckSite -and $ConncheckSite['event_lookback_days']) { $days = [int]$ConncheckSite['event_lookback_days'] }
$filter = "*[System[TimeCreated[timediff(@SystemTime) <= $([long]$days * 86400000)] and " +
    '((Level >= 1 and Level <= 3) or (EventID >= 1 and EventID <= 5999) or (EventID >= 10000 and EventID <= 20999))]]'
$logs = [System.Collections.Generic.List[object]]::new()
$records = [System.Collections.Generic.List[object]]::new()
foreach ($logName in @('Microsoft Intune Connector', 'Microsoft-Intune-CertificateConnectors/Admin',
                       'Microsoft-Intune-CertificateConnectors/Operational')) {
    $state = [ordered]@{ name = $logName; found = $false; error = $null; truncated = $false }
    $logs.Add($state)
    Read-ConncheckEventLog $state $filter 5000 $records
}
[ordered]@{ window_days = $days; logs = $logs; records = $records }
