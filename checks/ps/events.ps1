# Probe "events": the connector's event records of the look-back window, raw (Python normalises them).
# Windows PowerShell 5.1. Read-only: Get-WinEvent only reads the logs.
# $ConncheckSite.event_lookback_days (optional) sets the window; default 7 days. At most $max records per log.
$days = 7
if ($ConncheckSite -and $ConncheckSite.event_lookback_days) { $days = [int]$ConncheckSite.event_lookback_days }
$max = 20000
$start = (Get-Date).AddDays(-$days)
$logNames = @('Microsoft Intune Connector',
              'Microsoft-Intune-CertificateConnectors/Admin',
              'Microsoft-Intune-CertificateConnectors/Operational')
$logs = New-Object System.Collections.ArrayList
$records = New-Object System.Collections.ArrayList
foreach ($logName in $logNames) {
    $state = [ordered]@{ name = $logName; found = $false; error = $null; truncated = $false }
    try {
        $null = Get-WinEvent -ListLog $logName -ErrorAction Stop
        $state.found = $true
    } catch {
        $state.error = 'log not found'
    }
    if ($state.found) {
        try {
            $events = @(Get-WinEvent -FilterHashtable @{ LogName = $logName; StartTime = $start } -MaxEvents ($max + 1) -ErrorAction Stop)
        } catch [System.Exception] {
            if ($_.FullyQualifiedErrorId -like 'NoMatchingEventsFound*') { $events = @() }
            else { $events = @(); $state.error = $_.Exception.Message }
        }
        if ($events.Count -gt $max) { $state.truncated = $true; $events = $events[0..($max - 1)] }
        foreach ($e in $events) {
            $data = [ordered]@{}
            $n = 0
            try {
                $xml = [xml]$e.ToXml()
                if ($xml.Event.EventData) {
                    foreach ($d in @($xml.Event.EventData.Data)) {
                        $n++
                        $name = $d.Name
                        if (-not $name) { $name = "Data$n" }
                        if ($d -is [string]) { $data[$name] = $d } else { $data[$name] = $d.'#text' }
                    }
                }
            } catch { }
            $message = $null
            try { $message = $e.FormatDescription() } catch { }
            $null = $records.Add([ordered]@{
                time_utc = $e.TimeCreated.ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ss.fffffffZ')
                provider = $e.ProviderName
                channel  = $e.LogName
                event_id = $e.Id
                level    = [int]$e.Level
                computer = $e.MachineName
                message  = $message
                data     = $data
            })
        }
    }
    $null = $logs.Add($state)
}
[ordered]@{ window_days = $days; logs = @($logs); records = @($records) }
