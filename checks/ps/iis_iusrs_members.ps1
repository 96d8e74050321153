# The members of the local IIS_IUSRS group, found by its well-known SID (S-1-5-32-568) whatever the UI language names
# it: each member's SID and its DOMAIN\name as this host translates it (null when it does not). Read-only: the
# group is only enumerated through the WinNT provider, which lists members without resolving them.
$groupName = ([System.Security.Principal.SecurityIdentifier]'S-1-5-32-568').Translate(
    [System.Security.Principal.NTAccount]).Value.Split('\')[-1]
$group = [ADSI]('WinNT://./' + $groupName + ',group')
foreach ($member in @($group.Invoke('Members'))) {
    $raw = [byte[]]$member.GetType().InvokeMember('objectSid', 'GetProperty', $null, $member, $null)
    $sid = [System.Security.Principal.SecurityIdentifier]::new($raw, 0)
    $name = $null
    try { $name = $sid.Translate([System.Security.Principal.NTAccount]).Value } catch { $name = $null }
    [ordered]@{ sid = $sid.Value; name = $name }
}
