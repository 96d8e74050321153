# --- conncheck helpers (read-only; Windows PowerShell 5.1, any culture, 32- or 64-bit session) --------------------

# --- the JSON writer: pure ASCII, invariant culture ---------------------------------------------------------------
$ConncheckNonAscii = [regex]::new('[^\x20-\x7e]')
$ConncheckEscape = [System.Text.RegularExpressions.MatchEvaluator]{
    param($Match)
    '\u' + ([int][char]$Match.Value).ToString('x4', [cultureinfo]::InvariantCulture)
}

function ConvertTo-ConncheckJsonString {
    # A JSON string in pure ASCII: everything outside 0x20-0x7E becomes \uXXXX (UTF-16 code units, so a character
    # beyond the BMP becomes its surrogate pair), so the document survives any code page it is redirected through.
    # The regex is case-sensitive on purpose: with -match's IgnoreCase, U+0130 (tr-TR) or the Kelvin sign lowercase
    # into a-z and would slip through unescaped.
    param([string]$Text)
    $escaped = $Text.Replace('\', '\\').Replace('"', '\"')
    if ($ConncheckNonAscii.IsMatch($escaped)) { $escaped = $ConncheckNonAscii.Replace($escaped, $ConncheckEscape) }
    '"' + $escaped + '"'
}

function ConvertTo-ConncheckJsonPart {
    # Arrays stay arrays, dictionaries become objects, times become ISO 8601 UTC, bytes become base64.
    param([System.Text.StringBuilder]$Builder, $Value, [int]$Depth = 0)
    if ($null -eq $Value) { [void]$Builder.Append('null'); return }
    $next = $Depth + 1
    if ($Depth -gt 24) { [void]$Builder.Append((ConvertTo-ConncheckJsonString ([string]$Value))); return }
    if ($Value -is [string] -or $Value -is [char] -or $Value -is [guid] -or $Value -is [version]) {
        [void]$Builder.Append((ConvertTo-ConncheckJsonString ([string]$Value))); return
    }
    if ($Value -is [bool]) { [void]$Builder.Append($(if ($Value) { 'true' } else { 'false' })); return }
    if ($Value -is [enum]) { [void]$Builder.Append((ConvertTo-ConncheckJsonString ([string]$Value))); return }
    if ($Value -is [DateTimeOffset]) { $Value = $Value.UtcDateTime }
    if ($Value -is [datetime]) {
        # The invariant culture's Gregorian calendar and ':' separators, whatever the session's culture says.
        $utc = $Value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", [cultureinfo]::InvariantCulture)
        [void]$Builder.Append('"' + $utc + '"'); return
    }
    if ($Value -is [double] -or $Value -is [single]) {
        if ([double]::IsNaN($Value) -or [double]::IsInfinity($Value)) { [void]$Builder.Append('null'); return }
    }
    if ($Value -is [ValueType] -and ($Value -is [int] -or $Value -is [long] -or $Value -is [uint32] -or
            $Value -is [uint64] -or $Value -is [int16] -or $Value -is [uint16] -or $Value -is [byte] -or
            $Value -is [sbyte] -or $Value -is [double] -or $Value -is [single] -or $Value -is [decimal])) {
        [void]$Builder.Append(([IFormattable]$Value).ToString($null, [cultureinfo]::InvariantCulture))
        return
    }
    if ($Value -is [byte[]]) { [void]$Builder.Append('"' + [Convert]::ToBase64String($Value) + '"'); return }
    if ($Value -is [System.Collections.IDictionary]) {
        # Entries, not $Value.Keys: a key named Keys, Values or Count shadows those properties in PowerShell, and an
        # OrderedDictionary's indexer reads an integer key as a position.
        [void]$Builder.Append('{')
        $first = $true
        foreach ($entry in $Value.GetEnumerator()) {
            if (-not $first) { [void]$Builder.Append(',') }
            $first = $false
            [void]$Builder.Append((ConvertTo-ConncheckJsonString ([string]$entry.Key)))
            [void]$Builder.Append(':')
            ConvertTo-ConncheckJsonPart $Builder $entry.Value $next
        }
        [void]$Builder.Append('}')
        return
    }
    if ($Value -is [System.Collections.IEnumerable]) {
        [void]$Builder.Append('[')
        $first = $true
        foreach ($item in $Value) {
            if (-not $first) { [void]$Builder.Append(',') }
            $first = $false
            ConvertTo-ConncheckJsonPart $Builder $item $next
        }
        [void]$Builder.Append(']')
        return
    }
    $properties = [ordered]@{}
    foreach ($property in $Value.PSObject.Properties) {
        if ($property.MemberType -in @('NoteProperty', 'Property')) { $properties[$property.Name] = $property.Value }
    }
    ConvertTo-ConncheckJsonPart $Builder $properties $next
}

function ConvertTo-ConncheckJson {
    param($Value)
    $builder = [System.Text.StringBuilder]::new()
    ConvertTo-ConncheckJsonPart $builder $Value
    $builder.ToString()
}

function Get-ConncheckErrorText {
    # An exception as one line that leads with its HRESULT (language-neutral; the message is localized).
    param([System.Exception]$Exception)
    $code = '0x' + $Exception.HResult.ToString('X8', [cultureinfo]::InvariantCulture)
    $code + ' ' + $Exception.GetType().Name + ': ' + $Exception.Message
}

# --- 64-bit paths from a 32-bit session ---------------------------------------------------------------------------
# In a 32-bit (WOW64) session on 64-bit Windows, System32 is redirected to SysWOW64 and %ProgramFiles% names
# Program Files (x86): the 64-bit connector's files and IIS's configuration would be invisible.
$ConncheckWow64 = [Environment]::Is64BitOperatingSystem -and -not [Environment]::Is64BitProcess

function Get-ConncheckSystemPath {
    # A path below the 64-bit System32 directory (through Sysnative in a WOW64 session).
    param([string]$Relative)
    $system = 'System32'
    if ($ConncheckWow64) { $system = 'Sysnative' }
    [System.IO.Path]::Combine([Environment]::GetFolderPath('Windows'), $system, $Relative)
}

function Get-ConncheckProgramFiles {
    # The Program Files folders to search: the 64-bit one first (ProgramW6432 in any session), then the 32-bit one.
    $native = [Environment]::GetEnvironmentVariable('ProgramW6432')
    if (-not $native) { $native = [Environment]::GetFolderPath('ProgramFiles') }
    $folders = @($native)
    $x86 = [Environment]::GetEnvironmentVariable('ProgramFiles(x86)')
    if ($x86 -and $x86 -ne $native) { $folders += $x86 }
    $folders
}

function Assert-Conncheck64BitSession {
    # For what a WOW64 session cannot read at all: that probe is UNKNOWN with the reason, the others stand.
    param([string]$What)
    if ($ConncheckWow64) {
        throw [System.PlatformNotSupportedException]::new($What + ' needs a 64-bit PowerShell session and this one ' +
            'is 32-bit (WOW64): use the Microsoft.PowerShell endpoint, not Microsoft.PowerShell32, or run the ' +
            'script with %SystemRoot%\System32\WindowsPowerShell\v1.0\powershell.exe')
    }
}

# --- registry, files, certificates, accounts ----------------------------------------------------------------------
function Get-ConncheckHklmKey {
    # A read-only handle on HKLM\<Path> in the 64-bit view, or $null when the key does not exist.
    param([string]$Path)
    $base = [Microsoft.Win32.RegistryKey]::OpenBaseKey([Microsoft.Win32.RegistryHive]::LocalMachine,
        [Microsoft.Win32.RegistryView]::Registry64)
    $base.OpenSubKey($Path, $false)
}

function Get-ConncheckRegistryKey {
    # HKLM\<Path> as value name -> value: DWORD/QWORD unsigned numbers, strings, MULTI_SZ lists, BINARY base64.
    param([string]$Path)
    $key = Get-ConncheckHklmKey $Path
    if ($null -eq $key) { return $null }
    try {
        $values = [ordered]@{}
        foreach ($name in $key.GetValueNames()) {
            $raw = $key.GetValue($name, $null, [Microsoft.Win32.RegistryValueOptions]::DoNotExpandEnvironmentNames)
            $kind = [string]$key.GetValueKind($name)
            switch ($kind) {
                'DWord' { $values[$name] = [BitConverter]::ToUInt32([BitConverter]::GetBytes([int]$raw), 0) }
                'QWord' { $values[$name] = [BitConverter]::ToUInt64([BitConverter]::GetBytes([long]$raw), 0) }
                'Binary' { $values[$name] = [Convert]::ToBase64String([byte[]]$raw) }
                'MultiString' { $values[$name] = [string[]]@($raw) }
                default { $values[$name] = $raw }
            }
        }
        $values
    } finally {
        $key.Close()
    }
}

function Read-ConncheckText {
    # The first $MaxChars characters of a text file, or $null when it does not exist.
    param([string]$Path, [int]$MaxChars)
    if (-not [System.IO.File]::Exists($Path)) { return $null }
    $reader = [System.IO.StreamReader]::new($Path)
    try {
        $buffer = [char[]]::new($MaxChars)
        $count = $reader.ReadBlock($buffer, 0, $MaxChars)
        [string]::new($buffer, 0, $count)
    } finally {
        $reader.Close()
    }
}

function Get-ConncheckSidNames {
    # The owner, group and DACL trustees of a self-relative security descriptor: SID -> DOMAIN\name (null when the
    # SID does not resolve).
    param([byte[]]$Descriptor)
    $parsed = [System.Security.AccessControl.RawSecurityDescriptor]::new($Descriptor, 0)
    $sids = @($parsed.Owner, $parsed.Group)
    if ($null -ne $parsed.DiscretionaryAcl) { foreach ($ace in $parsed.DiscretionaryAcl) { $sids += $ace.SecurityIdentifier } }
    $names = [ordered]@{}
    foreach ($sid in $sids) {
        if ($null -eq $sid -or $names.Contains($sid.Value)) { continue }
        try {
            $names[$sid.Value] = $sid.Translate([System.Security.Principal.NTAccount]).Value
        } catch {
            $names[$sid.Value] = $null
        }
    }
    $names
}

function Get-ConncheckPrivateKeyInfo {
    # Whether the certificate's private key actually opens for this account (CNG or CAPI), and who may use it: the
    # key's security descriptor and its trustees. Read-only: the key is opened and its size read, nothing is signed,
    # exported or persisted (PersistKeyInCsp is never touched: setting it false would delete a CAPI key).
    param([System.Security.Cryptography.X509Certificates.X509Certificate2]$Certificate)
    if (-not $Certificate.HasPrivateKey) { return $null }
    $info = [ordered]@{ opens = $false; error = $null; provider = $null; security_b64 = $null; trustees = $null
        acl_error = $null }
    foreach ($extension in $Certificate.Extensions) {
        if ($extension -is [System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension] -and
                $extension.CertificateAuthority) {
            # A CA's signing key (often in an HSM, whose every use is audited) is never touched: no check needs it.
            $info['opens'] = $null
            $info['error'] = 'not opened: the key of a CA certificate'
            return $info
        }
    }
    $key = $null
    try {
        $key = [System.Security.Cryptography.X509Certificates.RSACertificateExtensions]::GetRSAPrivateKey($Certificate)
        if ($null -eq $key) {
            $key = [System.Security.Cryptography.X509Certificates.ECDsaCertificateExtensions]::GetECDsaPrivateKey($Certificate)
        }
        if ($null -eq $key) { throw [System.NotSupportedException]::new('neither an RSA nor an ECDSA key') }
        $null = $key.KeySize
        $info['opens'] = $true
    } catch {
        $info['error'] = Get-ConncheckErrorText $_.Exception
    }
    if ($null -ne $key) {
        try {
            if ($key -is [System.Security.Cryptography.ICspAsymmetricAlgorithm]) {
                $container = $key.CspKeyContainerInfo
                $info['provider'] = $container.ProviderName
                $descriptor = $container.CryptoKeySecurity.GetSecurityDescriptorBinaryForm()
            } else {
                $info['provider'] = $key.Key.Provider.Provider
                # NCRYPT_SECURITY_DESCR_PROPERTY with OWNER_ and DACL_SECURITY_INFORMATION (1 + 4) as the flags.
                $flags = [Enum]::ToObject([System.Security.Cryptography.CngPropertyOptions], 5)
                $descriptor = $key.Key.GetProperty('Security Descr', $flags).GetValue()
            }
            $info['security_b64'] = [Convert]::ToBase64String($descriptor)
            $info['trustees'] = Get-ConncheckSidNames $descriptor
        } catch {
            $info['acl_error'] = Get-ConncheckErrorText $_.Exception
        } finally {
            $key.Dispose()
        }
    }
    $info
}

function Get-ConncheckStoreCertificates {
    # The certificates of LocalMachine\<StoreName>, one object each on the pipeline (the store is opened read-only):
    # base64 DER, HasPrivateKey, and whether that key opens (Get-ConncheckPrivateKeyInfo).
    param([string]$StoreName)
    $store = [System.Security.Cryptography.X509Certificates.X509Store]::new($StoreName,
        [System.Security.Cryptography.X509Certificates.StoreLocation]::LocalMachine)
    $store.Open([System.Security.Cryptography.X509Certificates.OpenFlags]'ReadOnly, OpenExistingOnly')
    try {
        foreach ($cert in $store.Certificates) {
            Assert-ConncheckBudget
            [ordered]@{
                der_b64 = [Convert]::ToBase64String($cert.RawData)
                has_private_key = $cert.HasPrivateKey
                store = "LocalMachine\$StoreName"
                key = Get-ConncheckPrivateKeyInfo $cert
            }
        }
    } finally {
        $store.Close()
    }
}

# --- event logs ---------------------------------------------------------------------------------------------------
function Read-ConncheckEventLog {
    # The records of one log that match an XPath filter (the event log service filters), newest first, at most $Max
    # (then $State says truncated), added to $Records: raw fields and <Data> by name, no FormatDescription (message
    # is null). $State is the log's {name, found, error, truncated}; a log that is missing or disabled says so there.
    param([System.Collections.IDictionary]$State, [string]$Filter, [int]$Max,
          [System.Collections.Generic.List[object]]$Records)
    try {
        $info = Get-WinEvent -ListLog $State['name']
        $State['found'] = $true
        if (-not $info.IsEnabled) { $State['error'] = 'log disabled'; return }
    } catch {
        # FullyQualifiedErrorId is language-neutral; the message is not.
        if ($_.FullyQualifiedErrorId -like 'NoMatchingLogsFound*') { $State['error'] = 'log not found' }
        else { $State['error'] = Get-ConncheckErrorText $_.Exception }
        return
    }
    $count = 0
    try {
        Get-WinEvent -LogName $State['name'] -FilterXPath $Filter -MaxEvents ($Max + 1) | ForEach-Object {
            Assert-ConncheckBudget
            $count++
            if ($count -gt $Max) { $State['truncated'] = $true; return }
            $data = [ordered]@{}
            $n = 0
            $xml = [xml]$_.ToXml()
            if ($xml.Event.EventData) {
                foreach ($item in @($xml.Event.EventData.Data)) {
                    $n++
                    $name = $item.Name
                    if (-not $name) { $name = "Data$n" }
                    if ($item -is [string]) { $data[$name] = $item } else { $data[$name] = $item.'#text' }
                }
            }
            $Records.Add([ordered]@{
                time_utc = $_.TimeCreated  # a DateTime: the JSON writer formats it (invariant culture, ISO 8601 UTC)
                provider = $_.ProviderName
                channel  = $_.LogName
                event_id = $_.Id
                level    = [int]$_.Level
                computer = $_.MachineName
                message  = $null
                data     = $data
            })
        }
    } catch {
        if ($ConncheckProbeWatch.ElapsedMilliseconds -gt $ConncheckBudgetMs) { throw }
        if ($_.FullyQualifiedErrorId -notlike 'NoMatchingEventsFound*') { $State['error'] = Get-ConncheckErrorText $_.Exception }
    }
}

# --- native programs ----------------------------------------------------------------------------------------------
function Get-ConncheckNativeResult {
    # Runs a program of the 64-bit System32 directory: {exit_code, stdout, stderr}. Never terminates on stderr: under
    # $ErrorActionPreference = 'Stop', Windows PowerShell 5.1 turns the first stderr line of `program 2>&1` into a
    # terminating NativeCommandError, losing stdout and the exit code. Judge a program by its exit code only: its text
    # is localized.
    param([string]$Program, [string[]]$Arguments)
    $path = Get-ConncheckSystemPath $Program
    if (-not [System.IO.File]::Exists($path)) { throw [System.IO.FileNotFoundException]::new("$path does not exist") }
    $stdout = [System.Collections.Generic.List[string]]::new()
    $stderr = [System.Collections.Generic.List[string]]::new()
    $ErrorActionPreference = 'Continue'
    foreach ($line in (& $path @Arguments 2>&1)) {
        if ($line -is [System.Management.Automation.ErrorRecord]) { $stderr.Add([string]$line) } else { $stdout.Add([string]$line) }
    }
    [ordered]@{ exit_code = [int]$LASTEXITCODE; stdout = $stdout -join "`n"; stderr = $stderr -join "`n" }
}

# --- running probes: budgets and the result object ----------------------------------------------------------------
function Assert-ConncheckBudget {
    # Stops the running probe once it has used its time budget: long loops call this, so a slow probe is that probe's
    # UNKNOWN and the host's other probes still reach the collector within its operation timeout.
    if ($ConncheckProbeWatch.ElapsedMilliseconds -gt $ConncheckBudgetMs) {
        $took = [math]::Round($ConncheckProbeWatch.Elapsed.TotalSeconds, 1)
        $budget = [math]::Round($ConncheckBudgetMs / 1000, 1)
        throw [System.TimeoutException]::new("stopped after $took s: over its time budget of $budget s")
    }
}

function Get-ConncheckProbeResult {
    # Runs one probe's fragment: {ok: true, data, ms} or {ok: false, error, ms}; a failing, over-budget or unrun
    # probe is that probe's UNKNOWN, never the script's end. With -List the fragment's output objects are the data, a
    # JSON array even for none or one; without, the fragment writes one object (none: null) and more is an error.
    param([scriptblock]$Body, [int]$BudgetSeconds, [switch]$List)
    $left = $ConncheckScriptBudgetMs - $ConncheckScriptWatch.ElapsedMilliseconds
    if ($left -le 0) {
        $spent = [math]::Round($ConncheckScriptWatch.Elapsed.TotalSeconds, 1)
        return [ordered]@{ ok = $false; ms = 0
            error = "not run: the probes before it used $spent s of the fact script's $($ConncheckScriptBudgetMs / 1000) s" }
    }
    $ConncheckBudgetMs = [math]::Min([long]$BudgetSeconds * 1000, $left)
    $ConncheckProbeWatch = [System.Diagnostics.Stopwatch]::StartNew()
    try {
        $output = @(& $Body)
        Assert-ConncheckBudget
        if ($List) {
            $result = [ordered]@{ ok = $true; data = $output }
        } elseif ($output.Count -gt 1) {
            $result = [ordered]@{ ok = $false; error = "the fragment wrote $($output.Count) objects where one belongs" }
        } elseif ($output.Count -eq 1) {
            $result = [ordered]@{ ok = $true; data = $output[0] }
        } else {
            $result = [ordered]@{ ok = $true; data = $null }
        }
    } catch {
        $result = [ordered]@{ ok = $false; error = Get-ConncheckErrorText $_.Exception }
    }
    $result['ms'] = [math]::Round($ConncheckProbeWatch.Elapsed.TotalMilliseconds, 1)
    $result
}

$ConncheckScriptWatch = [System.Diagnostics.Stopwatch]::StartNew()
$ConncheckNetwork = [System.Net.NetworkInformation.IPGlobalProperties]::GetIPGlobalProperties()
$ConncheckFqdn = $ConncheckNetwork.HostName.ToLowerInvariant()
if ($ConncheckNetwork.DomainName) { $ConncheckFqdn = ($ConncheckNetwork.HostName + '.' + $ConncheckNetwork.DomainName).ToLowerInvariant() }
$ConncheckProbes = [ordered]@{}
