# The connector updater's Admin log (Microsoft Entra Connect Agent Updater, which installs the connector's new
# releases from autoupdate.msappproxy.net): critical, error and warning records of the look-back window, newest first,
# at most 500. Read-only; no FormatDescription (the message is localized, Python judges levels and IDs).
$days = 7
if ($ConncheckSite -and $ConncheckSite['event_lookback_days']) { $days = [int]$ConncheckSite['event_lookback_days'] }
$state = [ordered]@{ name = 'Microsoft-AzureADConnect-AgentUpdater/Admin'; found = $false; error = $null; truncated = $false }
$records = [System.Collections.Generic.List[object]]::new()
$filter = "*[System[TimeCreated[timediff(@SystemTime) <= $([long]$days * 86400000)] and Level >= 1 and Level <= 3]]"
Read-ConncheckEventLog $state $filter 500 $records
[ordered]@{ log = $state; records = $records }
