# DNS and TCP 135 (RPC endpoint mapper) from this connector to the CA host named by site.ca_config.
$target = ([string]$ConncheckSite['ca_config']).Split('\')[0]
$result = [ordered]@{ target = $target; addresses = @(); tcp = [ordered]@{ '135' = $false }; error = $null }
if (-not $target) {
    $result['error'] = 'site.ca_config is not set, so the CA host is unknown'
    return $result
}
try {
    $result['addresses'] = @([System.Net.Dns]::GetHostAddresses($target) | ForEach-Object { $_.IPAddressToString })
} catch {
    $result['error'] = 'DNS: ' + $_.Exception.Message
    return $result
}
$client = [System.Net.Sockets.TcpClient]::new()
try {
    $connected = $client.ConnectAsync($target, 135).Wait(5000)
    $result['tcp']['135'] = [bool]($connected -and $client.Connected)
} catch {
    $result['error'] = 'TCP 135: ' + $_.Exception.GetBaseException().Message
} finally {
    $client.Close()
}
$result
