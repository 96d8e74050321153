# The connector's event records of the look-back window, raw (Python normalises them). Read-only: Get-WinEvent only
# reads the logs. The event log service filters (XPath): the window, and the connector's event IDs (Microsoft's
# ranges: 1-5999 for the current connector, 10000-20999 for the legacy one) or any critical, error or warning record.
# Newest first, at most $max records per log (truncated), no FormatDescription (message is null: Python names events
# from the catalog); the probe stops at its time budget rather than hold up the host's other probes.
$days = 7
if ($ConncheckSite -and $ConncheckSite['event_lookback_days']) { $days = [int]$ConncheckSite['event_lookback_days'] }
$max = 5000
$windowMs = [long]$days * 86400000
$filter = "*[System[TimeCreated[timediff(@SystemTime) <= $windowMs] and ((Level >= 1 and Level <= 3) or " +
    '(EventID >= 1 and EventID <= 5999) or (EventID >= 10000 and EventID <= 20999))]]'
$logNames = @('Microsoft Intune Connector',
              'Microsoft-Intune-CertificateConnectors/Admin',
              'Microsoft-Intune-CertificateConnectors/Operational')
$logs = [System.Collections.Generic.List[object]]::new()
$records = [System.Collections.Generic.List[object]]::new()
foreach ($logName in $logNames) {
    $state = [ordered]@{ name = $logName; found = $false; error = $null; truncated = $false }
    $logs.Add($state)
    try {
        $null = Get-WinEvent -ListLog $logName
        $state['found'] = $true
    } catch {
        # FullyQualifiedErrorId is language-neutral; the message is not.
        if ($_.FullyQualifiedErrorId -like 'NoMatchingLogsFound*') { $state['error'] = 'log not found' }
        else { $state['error'] = Get-ConncheckErrorText $_.Exception }
        continue
    }
    $count = 0
    try {
        Get-WinEvent -LogName $logName -FilterXPath $filter -MaxEvents ($max + 1) | ForEach-Object {
            Assert-ConncheckBudget
            $count++
            if ($count -gt $max) { $state['truncated'] = $true; return }
            $data = [ordered]@{}
            $n = 0
            $xml = [xml]$_.ToXml()
            if ($xml.Event.EventData) {
                foreach ($item in @($xml.Event.EventData.Data)) {
                    $n++
                    $name = $item.Name
                    if (-not $name) { $name = "Data$n" }
                    if ($item -is [string]) { $data[$name] = $item } else { $data[$name] = $item.'#text' }
                }
            }
            $records.Add([ordered]@{
                time_utc = $_.TimeCreated  # a DateTime: the JSON writer formats it (invariant culture, ISO 8601 UTC)
                provider = $_.ProviderName
                channel  = $_.LogName
                event_id = $_.Id
                level    = [int]$_.Level
                computer = $_.MachineName
                message  = $null
                data     = $data
            })
        }
    } catch {
        if ($ConncheckProbeWatch.ElapsedMilliseconds -gt $ConncheckBudgetMs) { throw }
        if ($_.FullyQualifiedErrorId -notlike 'NoMatchingEventsFound*') { $state['error'] = Get-ConncheckErrorText $_.Exception }
    }
}
[ordered]@{ window_days = $days; logs = $logs; records = $records }
