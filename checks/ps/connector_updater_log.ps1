# The connector updater's Admin log (Microsoft Entra Connect Agent Updater, which installs the connector's new
# releases from autoupdate.msappproxy.net): critical, error and warning records of the look-back window, newest first,
# at most 500. Read-only; no FormatDescription (the message is localized, Python judges levels and IDs).
$logName = 'Microsoft-AzureADConnect-AgentUpdater/Admin'
$days = 7
if ($ConncheckSite -and $ConncheckSite['event_lookback_days']) { $days = [int]$ConncheckSite['event_lookback_days'] }
$max = 500
$state = [ordered]@{ name = $logName; found = $false; error = $null; truncated = $false }
$records = [System.Collections.Generic.List[object]]::new()
try {
    $null = Get-WinEvent -ListLog $logName
    $state['found'] = $true
} catch {
    # FullyQualifiedErrorId is language-neutral; the message is not.
    if ($_.FullyQualifiedErrorId -like 'NoMatchingLogsFound*') { $state['error'] = 'log not found' }
    else { $state['error'] = Get-ConncheckErrorText $_.Exception }
}
if ($state['found']) {
    $filter = "*[System[TimeCreated[timediff(@SystemTime) <= $([long]$days * 86400000)] and Level >= 1 and Level <= 3]]"
    try {
        Get-WinEvent -LogName $logName -FilterXPath $filter -MaxEvents ($max + 1) | ForEach-Object {
            Assert-ConncheckBudget
            if ($records.Count -ge $max) { $state['truncated'] = $true; return }
            $records.Add([ordered]@{ time_utc = $_.TimeCreated; event_id = $_.Id; level = [int]$_.Level
                provider = $_.ProviderName })
        }
    } catch {
        if ($ConncheckProbeWatch.ElapsedMilliseconds -gt $ConncheckBudgetMs) { throw }
        if ($_.FullyQualifiedErrorId -notlike 'NoMatchingEventsFound*') { $state['error'] = Get-ConncheckErrorText $_.Exception }
    }
}
[ordered]@{ log = $state; records = $records }
