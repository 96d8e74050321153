# The names of the installed roles and features (ADCS-Cert-Authority, ADCS-Device-Enrollment, Web-Server, ...).
Assert-Conncheck64BitSession 'Get-WindowsFeature (the ServerManager module)'
foreach ($feature in Get-WindowsFeature) { if ($feature.Installed) { [string]$feature.Name } }
