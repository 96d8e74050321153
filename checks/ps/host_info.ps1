$os = Get-CimInstance -ClassName Win32_OperatingSystem
$cs = Get-CimInstance -ClassName Win32_ComputerSystem
[ordered]@{
    computer_name = $env:COMPUTERNAME
    fqdn = $ConncheckFqdn
    domain = [string]$cs.Domain
    os_caption = [string]$os.Caption
    os_version = [string]$os.Version
    domain_role = [int]$cs.DomainRole
    last_boot_utc = $os.LastBootUpTime.ToUniversalTime()
}
