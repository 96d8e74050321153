# The Intune endpoints of site.intune_cloud, reached the way the connector reaches them: through the proxy its
# configuration names (the Proxy key's ProxyServer and Port under its registry key, else <defaultProxy> in its services'
# .exe.config files), then a TLS 1.2 handshake. Read-only: a TCP connect, at most an HTTP CONNECT to the proxy and a TLS
# ClientHello; nothing is sent inside the tunnel. Python judges the chain Windows built (TLS inspection, trust).
# Endpoints per cloud: Microsoft Learn, Network endpoints for Microsoft Intune (US government and 21Vianet pages too);
# autoupdate.msappproxy.net: the certificate connector overview (documented for the commercial cloud only).
$clouds = @{
    commercial = @('manage.microsoft.com', 'login.microsoftonline.com', 'graph.microsoft.com',
        'enterpriseregistration.windows.net', 'autoupdate.msappproxy.net')
    gcc_high = @('manage.microsoft.us', 'login.microsoftonline.us', 'graph.microsoft.us',
        'enterpriseregistration.microsoftonline.us')
    dod = @('manage.microsoft.us', 'login.microsoftonline.us', 'dod-graph.microsoft.us',
        'enterpriseregistration.microsoftonline.us')
    china = @('manage.microsoftonline.cn', 'login.chinacloudapi.cn', 'microsoftgraph.chinacloudapi.cn',
        'enterpriseregistration.partner.microsoftonline.cn')
}
$cloud = 'commercial'
if ($ConncheckSite['intune_cloud']) { $cloud = [string]$ConncheckSite['intune_cloud'] }
if (-not $clouds.ContainsKey($cloud)) { throw [System.ArgumentException]::new("site.intune_cloud: no endpoint list for $cloud") }

$proxy = $null
$source = $null
$settings = Get-ConncheckRegistryKey 'SOFTWARE\Microsoft\MicrosoftIntune\PFXCertificateConnector\Proxy'
if ($null -ne $settings -and $settings['ProxyServer']) {
    $proxy = [string]$settings['ProxyServer']
    if ($settings['Port'] -and $proxy -notmatch ':\d+/?$') { $proxy = $proxy.TrimEnd('/') + ':' + [string]$settings['Port'] }
    $source = 'HKLM\SOFTWARE\Microsoft\MicrosoftIntune\PFXCertificateConnector\Proxy'
}
if (-not $proxy) {
    foreach ($programFiles in Get-ConncheckProgramFiles) {
        $folder = [System.IO.Path]::Combine($programFiles, 'Microsoft Intune\PFXCertificateConnector')
        if (-not [System.IO.Directory]::Exists($folder)) { continue }
        foreach ($path in [System.IO.Directory]::GetFiles($folder, '*.exe.config', 'AllDirectories')) {
            $node = ([xml](Read-ConncheckText $path 1048576)).SelectSingleNode('//system.net/defaultProxy/proxy')
            if ($null -ne $node -and $node.GetAttribute('proxyaddress')) {
                $proxy = $node.GetAttribute('proxyaddress')
                $source = $path
                break
            }
        }
        if ($proxy) { break }
    }
}
$proxyUri = $null
if ($proxy) {
    if ($proxy -notmatch '^[a-z]+://') { $proxy = 'http://' + $proxy }
    $proxyUri = [uri]$proxy
}

$endpoints = [System.Collections.Generic.List[object]]::new()
foreach ($name in $clouds[$cloud]) {
    $result = [ordered]@{ host = $name; port = 443; tested = $true; connected = $false; proxy_status = $null
        chain_b64 = @(); policy_errors = $null; error = $null }
    $endpoints.Add($result)
    # An endpoint takes at most 15 s (TCP, CONNECT, handshake: 5 s each): one that might not finish is not started.
    if ($ConncheckProbeWatch.ElapsedMilliseconds + 15000 -gt $ConncheckBudgetMs) {
        $result['tested'] = $false
        $result['error'] = 'not tested: the probe''s time budget would run out'
        continue
    }
    $seen = [ordered]@{ chain = @(); errors = $null }
    $client = [System.Net.Sockets.TcpClient]::new()
    $tls = $null
    try {
        $target = $name
        $port = 443
        if ($null -ne $proxyUri) { $target = $proxyUri.Host; $port = $proxyUri.Port }
        if (-not $client.ConnectAsync($target, $port).Wait(5000)) {
            throw [System.TimeoutException]::new("TCP ${target}:$port did not answer in 5 s")
        }
        $result['connected'] = $true
        $stream = $client.GetStream()
        $stream.ReadTimeout = 5000
        $stream.WriteTimeout = 5000
        if ($null -ne $proxyUri) {
            if ($proxyUri.Scheme -ne 'http') { throw [System.NotSupportedException]::new("a $($proxyUri.Scheme) proxy is not tested") }
            $request = [System.Text.Encoding]::ASCII.GetBytes("CONNECT ${name}:443 HTTP/1.1`r`nHost: ${name}:443`r`n`r`n")
            $stream.Write($request, 0, $request.Length)
            $head = [System.Text.StringBuilder]::new()
            while ($head.Length -lt 8192 -and -not $head.ToString().EndsWith("`r`n`r`n")) {
                $byte = $stream.ReadByte()
                if ($byte -lt 0) { break }
                [void]$head.Append([char]$byte)
            }
            # The status line is protocol, not localized text: 'HTTP/1.1 200 Connection established'.
            $status = [regex]::Match($head.ToString(), '^HTTP/\d\.\d (\d{3})')
            if (-not $status.Success) { throw [System.IO.InvalidDataException]::new('the proxy did not answer CONNECT with HTTP') }
            $result['proxy_status'] = [int]$status.Groups[1].Value
            if ($result['proxy_status'] -ne 200) { continue }
        }
        $callback = [System.Net.Security.RemoteCertificateValidationCallback]{
            param($sender, $certificate, $chain, $errors)
            $seen['errors'] = [int]$errors
            $seen['chain'] = @(foreach ($element in $chain.ChainElements) { [Convert]::ToBase64String($element.Certificate.RawData) })
            $true
        }
        $tls = [System.Net.Security.SslStream]::new($stream, $false, $callback)
        $tls.AuthenticateAsClient($name, $null, [System.Security.Authentication.SslProtocols]'Tls12', $false)
    } catch {
        $result['error'] = Get-ConncheckErrorText $_.Exception.GetBaseException()
    } finally {
        $result['chain_b64'] = $seen['chain']
        $result['policy_errors'] = $seen['errors']
        if ($null -ne $tls) { $tls.Dispose() }
        $client.Close()
    }
}
[ordered]@{ cloud = $cloud; proxy = $proxy; proxy_source = $source; endpoints = $endpoints }
