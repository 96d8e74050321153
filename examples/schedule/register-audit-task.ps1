<#
.SYNOPSIS
    Registers a daily Windows Task Scheduler task that runs `conncheck audit` (run once, by an administrator).

.DESCRIPTION
    This script CHANGES the machine: it registers a scheduled task. It is an operator's set-up step, not a fact
    script; conncheck never sends it anywhere (fact scripts are read-only and lint-checked; this one is not one).

    Credentials: the task runs as a dedicated (group) managed service account, so no password is stored in the
    task. Give -RunAs a gMSA such as 'CONTOSO\svc-conncheck$'; it needs "Log on as a batch job", this machine in
    its PrincipalsAllowedToRetrieveManagedPassword, and the read rights conncheck documents. conncheck then
    authenticates as that account through Windows' own Kerberos (SSPI, the task's logon session), to WinRM and to
    LDAP alike, when site.toml names no user and no secret:
        [winrm]  auth = "kerberos" (or "negotiate"), no username, no password_env
        [ldap]   auth = "kerberos", tls = "ldaps" (channel-bound) or tls = "none" (sealed on 389)
    (docs/authentication.md). If you must use a password (a plain service account), store it for that account in
    the Windows Credential Manager (keyring_service in site.toml) while logged on as it: never on the command line,
    never in this script.

.EXAMPLE
    .\register-audit-task.ps1 -RunAs 'CONTOSO\svc-conncheck$' -ConncheckExe 'C:\conncheck\.venv\Scripts\conncheck.exe'
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$RunAs,
    [Parameter(Mandatory = $true)][string]$ConncheckExe,
    [string]$SiteToml = 'C:\conncheck\site.toml',
    [string]$Store = 'C:\conncheck\audit.sqlite',
    [string]$Report = 'C:\conncheck\audit.html',
    [string]$At = '06:15',
    [string]$TaskName = 'conncheck audit'
)

$arguments = 'audit -c "{0}" --db "{1}" --format html --output "{2}"' -f $SiteToml, $Store, $Report
$action = New-ScheduledTaskAction -Execute $ConncheckExe -Argument $arguments -WorkingDirectory (Split-Path $SiteToml)
$trigger = New-ScheduledTaskTrigger -Daily -At $At
$settings = New-ScheduledTaskSettingsSet -StartWhenAvailable -ExecutionTimeLimit (New-TimeSpan -Hours 1)

if ($RunAs.EndsWith('$')) {
    # A gMSA: Task Scheduler fetches its password from AD itself.
    $principal = New-ScheduledTaskPrincipal -UserId $RunAs -LogonType Password -RunLevel Limited
    Register-ScheduledTask -TaskName $TaskName -Action $action -Trigger $trigger -Settings $settings -Principal $principal
} else {
    # A plain account: Task Scheduler asks for its password once and keeps it in the LSA, not in this script.
    $credential = Get-Credential -UserName $RunAs -Message 'Password of the account the audit task runs as'
    $password = $credential.GetNetworkCredential().Password
    Register-ScheduledTask -TaskName $TaskName -Action $action -Trigger $trigger -Settings $settings `
        -User $RunAs -Password $password -RunLevel Limited
    Remove-Variable password
}
Write-Output ('Registered "{0}": {1} {2}' -f $TaskName, $ConncheckExe, $arguments)
