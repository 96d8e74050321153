# IE Enhanced Security Configuration as Server Manager switches it: the Active Setup components for administrators
# ({A509B1A7-...}) and for users ({A509B1A8-...}); IsInstalled 1 is on, 0 off. A key that does not exist: no IE ESC.
$components = 'SOFTWARE\Microsoft\Active Setup\Installed Components'
[ordered]@{
    administrators = Get-ConncheckRegistryKey "$components\{A509B1A7-37EF-4b3f-8CFC-4F3A74704073}"
    users = Get-ConncheckRegistryKey "$components\{A509B1A8-37EF-4b3f-8CFC-4F3A74704073}"
}
