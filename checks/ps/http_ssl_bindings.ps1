# HTTP.sys's TLS bindings as it stores them, language-neutral (netsh's text is localized): the subkeys of
# HKLM\SYSTEM\CurrentControlSet\Services\HTTP\Parameters\SslBindingInfo (<ip:port>), SslSniBindingInfo (<host:port>)
# and SslCcsBindingInfo (<port>), each a registry key: SslCertHash (base64 of the thumbprint bytes), SslCertStoreName,
# AppId, DefaultFlags, ... A kind of binding with no key at all is null.
$base = 'SYSTEM\CurrentControlSet\Services\HTTP\Parameters'
$bindings = [ordered]@{}
foreach ($kind in @('SslBindingInfo', 'SslSniBindingInfo', 'SslCcsBindingInfo')) {
    $bindings[$kind] = $null
    $key = Get-ConncheckHklmKey "$base\$kind"
    if ($null -eq $key) { continue }
    try {
        $bindings[$kind] = [ordered]@{}
        foreach ($name in $key.GetSubKeyNames()) { $bindings[$kind][$name] = Get-ConncheckRegistryKey "$base\$kind\$name" }
    } finally {
        $key.Close()
    }
}
$bindings
