# The text of netsh http show sslcert, for people: it is localized ("IP:port" reads "IP:Port" in German), so checks
# read the bindings from http_ssl_bindings (HTTP.sys's registry) instead.
$netsh = Get-ConncheckNativeResult 'netsh.exe' @('http', 'show', 'sslcert')
[ordered]@{ output = (@($netsh['stdout'], $netsh['stderr']) -ne '') -join "`n" }
