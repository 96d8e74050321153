# Read-only: the Windows Time service's configured type and peers, its state, and the source it syncs from now.
$key = 'HKLM:\SYSTEM\CurrentControlSet\Services\W32Time\Parameters'
$params = Get-ItemProperty -Path $key -ErrorAction Stop
$service = Get-Service -Name W32Time -ErrorAction SilentlyContinue
$status = $null
if ($service) { $status = [string]$service.Status }
$source = (& "$env:windir\System32\w32tm.exe" /query /source 2>&1 | Out-String).Trim()
[ordered]@{
    type = [string]$params.Type
    ntp_server = [string]$params.NtpServer
    service_status = $status
    source = $source
}
