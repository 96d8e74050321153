$protocols = 'SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols'
[ordered]@{
    schannel = [ordered]@{
        'TLS 1.2\Client' = Get-ConncheckRegistryKey "$protocols\TLS 1.2\Client"
        'TLS 1.2\Server' = Get-ConncheckRegistryKey "$protocols\TLS 1.2\Server"
    }
    netfx = [ordered]@{
        'v4.0.30319' = Get-ConncheckRegistryKey 'SOFTWARE\Microsoft\.NETFramework\v4.0.30319'
        'Wow6432Node\v4.0.30319' = Get-ConncheckRegistryKey 'SOFTWARE\Wow6432Node\Microsoft\.NETFramework\v4.0.30319'
    }
}
