# TCP 443 to the Intune service endpoints the connector talks to.
$endpoints = @('login.microsoftonline.com', 'manage.microsoft.com', 'graph.microsoft.com',
    'enterpriseregistration.windows.net')
$result = [ordered]@{}
foreach ($endpoint in $endpoints) {
    $client = [System.Net.Sockets.TcpClient]::new()
    try {
        $connected = $client.ConnectAsync($endpoint, 443).Wait(5000)
        $result["${endpoint}:443"] = [bool]($connected -and $client.Connected)
    } catch {
        $result["${endpoint}:443"] = $false
    } finally {
        $client.Close()
    }
}
$result
