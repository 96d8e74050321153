$os = Get-CimInstance -ClassName Win32_OperatingSystem
$cs = Get-CimInstance -ClassName Win32_ComputerSystem
$identity = [System.Security.Principal.WindowsIdentity]::GetCurrent()
$administrators = [System.Security.Principal.SecurityIdentifier]::new('S-1-5-32-544')
[ordered]@{
    computer_name = [Environment]::MachineName
    fqdn = $ConncheckFqdn
    domain = [string]$cs.Domain
    os_caption = [string]$os.Caption
    os_version = [string]$os.Version
    domain_role = [int]$cs.DomainRole
    last_boot_utc = $os.LastBootUpTime
    # The session the facts were read in: what a probe could not see may be the account's rights or a 32-bit session.
    session = [ordered]@{
        user = $identity.Name
        elevated = [System.Security.Principal.WindowsPrincipal]::new($identity).IsInRole($administrators)
        process_64bit = [Environment]::Is64BitProcess
        os_64bit = [Environment]::Is64BitOperatingSystem
        culture = [cultureinfo]::CurrentCulture.Name
        ui_culture = [cultureinfo]::CurrentUICulture.Name
        ps_version = [string]$PSVersionTable.PSVersion
    }
}
