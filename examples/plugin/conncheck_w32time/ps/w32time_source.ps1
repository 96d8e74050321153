# Read-only: the Windows Time service's configured type and peers, its state, and the source it syncs from now.
$key = 'HKLM:\SYSTEM\CurrentControlSet\Services\W32Time\Parameters'
$params = Get-ItemProperty -Path $key -ErrorAction Stop
$service = Get-Service -Name W32Time -ErrorAction SilentlyContinue
$status = $null
if ($service) { $status = [string]$service.Status }
# Through the fact script's native helper: `w32tm 2>&1` under $ErrorActionPreference 'Stop' dies on a stderr line.
$w32tm = Get-ConncheckNativeResult 'w32tm.exe' @('/query', '/source')
$source = ((@($w32tm['stdout'], $w32tm['stderr']) -ne '') -join "`n").Trim()
[ordered]@{
    type = [string]$params.Type
    ntp_server = [string]$params.NtpServer
    service_status = $status
    source = $source
}
