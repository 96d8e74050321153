# Who holds "Log on as a service" and "Deny log on as a service" in the LSA policy: the assignment local policy and
# every GPO resolve to. Read with LsaEnumerateAccountsWithUserRight through a P/Invoke defined in memory (compiling a
# type would write a file in %TEMP%; secedit /export writes one). The policy handle asks for POLICY_VIEW_LOCAL_INFORMATION
# and POLICY_LOOKUP_NAMES only (0x801): it cannot change anything. Needs an administrator (else: access denied).
$builder = [AppDomain]::CurrentDomain.DefineDynamicAssembly([System.Reflection.AssemblyName]::new('ConncheckLsa'),
    [System.Reflection.Emit.AssemblyBuilderAccess]::Run)
$type = $builder.DefineDynamicModule('ConncheckLsa').DefineType('ConncheckLsa', 'Public, Sealed')
# Function name -> return type, parameter types.
$signatures = [ordered]@{
    LsaOpenPolicy = @([uint32], [type[]]@([IntPtr], [IntPtr], [int], [IntPtr].MakeByRefType()))
    LsaEnumerateAccountsWithUserRight = @([uint32], [type[]]@([IntPtr], [IntPtr], [IntPtr].MakeByRefType(),
        [int].MakeByRefType()))
    LsaFreeMemory = @([uint32], [type[]]@([IntPtr]))
    LsaClose = @([uint32], [type[]]@([IntPtr]))
    LsaNtStatusToWinError = @([int], [type[]]@([uint32]))
}
foreach ($signature in $signatures.GetEnumerator()) {
    $method = $type.DefinePInvokeMethod($signature.Key, 'advapi32.dll', 'Public, Static, PinvokeImpl',
        [System.Reflection.CallingConventions]::Standard, $signature.Value[0], $signature.Value[1],
        [System.Runtime.InteropServices.CallingConvention]::Winapi, [System.Runtime.InteropServices.CharSet]::Unicode)
    $method.SetImplementationFlags('PreserveSig')
}
$lsa = $type.CreateType()
$marshal = [System.Runtime.InteropServices.Marshal]
$noMoreEntries = [uint32]2147483674  # STATUS_NO_MORE_ENTRIES (0x8000001A): nobody holds the right

$attributes = $marshal::AllocHGlobal(64)  # LSA_OBJECT_ATTRIBUTES, all zero as LsaOpenPolicy wants it
$policy = [IntPtr]::Zero
$rights = [ordered]@{}
try {
    $marshal::Copy([byte[]]::new(64), 0, $attributes, 64)
    $status = $lsa::LsaOpenPolicy([IntPtr]::Zero, $attributes, 0x801, [ref]$policy)
    if ($status -ne 0) { throw [System.ComponentModel.Win32Exception]::new($lsa::LsaNtStatusToWinError($status)) }
    foreach ($right in 'SeServiceLogonRight', 'SeDenyServiceLogonRight') {
        $holders = [ordered]@{}
        $text = $marshal::StringToHGlobalUni($right)
        $name = $marshal::AllocHGlobal(16)  # LSA_UNICODE_STRING: Length, MaximumLength, then the buffer's pointer
        $buffer = [IntPtr]::Zero
        $count = 0
        try {
            $marshal::WriteInt16($name, 0, [int16]($right.Length * 2))
            $marshal::WriteInt16($name, 2, [int16]($right.Length * 2 + 2))
            $marshal::WriteIntPtr($name, [IntPtr]::Size, $text)
            $status = $lsa::LsaEnumerateAccountsWithUserRight($policy, $name, [ref]$buffer, [ref]$count)
            if ($status -ne 0 -and $status -ne $noMoreEntries) {
                throw [System.ComponentModel.Win32Exception]::new($lsa::LsaNtStatusToWinError($status))
            }
            for ($i = 0; $i -lt $count; $i++) {
                $sid = [System.Security.Principal.SecurityIdentifier]::new($marshal::ReadIntPtr($buffer, $i * [IntPtr]::Size))
                try {
                    $holders[$sid.Value] = $sid.Translate([System.Security.Principal.NTAccount]).Value
                } catch {
                    $holders[$sid.Value] = $null
                }
            }
        } finally {
            if ($buffer -ne [IntPtr]::Zero) { $null = $lsa::LsaFreeMemory($buffer) }
            $marshal::FreeHGlobal($name)
            $marshal::FreeHGlobal($text)
        }
        $rights[$right] = $holders
    }
} finally {
    if ($policy -ne [IntPtr]::Zero) { $null = $lsa::LsaClose($policy) }
    $marshal::FreeHGlobal($attributes)
}
$rights
