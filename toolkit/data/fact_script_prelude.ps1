# --- conncheck helpers (read-only) -----------------------------------------------------------------------------
function ConvertTo-ConncheckJsonString {
    param([string]$Text)
    $escaped = $Text.Replace('\', '\\').Replace('"', '\"').Replace("`r", '\r').Replace("`n", '\n').Replace("`t", '\t')
    if ($escaped -match '[\x00-\x1f]') {
        $escaped = [regex]::Replace($escaped, '[\x00-\x1f]', [System.Text.RegularExpressions.MatchEvaluator]{
            param($m) '\u{0:x4}' -f [int][char]$m.Value })
    }
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
    if ($Value -is [enum]) { [void]$Builder.Append((ConvertTo-ConncheckJsonString $Value.ToString())); return }
    if ($Value -is [datetime]) {
        $utc = $Value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", [Globalization.CultureInfo]::InvariantCulture)
        [void]$Builder.Append('"' + $utc + '"'); return
    }
    if ($Value -is [double] -or $Value -is [single]) {
        if ([double]::IsNaN($Value) -or [double]::IsInfinity($Value)) { [void]$Builder.Append('null'); return }
    }
    if ($Value -is [ValueType] -and ($Value -is [int] -or $Value -is [long] -or $Value -is [uint32] -or
            $Value -is [uint64] -or $Value -is [int16] -or $Value -is [uint16] -or $Value -is [byte] -or
            $Value -is [sbyte] -or $Value -is [double] -or $Value -is [single] -or $Value -is [decimal])) {
        [void]$Builder.Append(([IFormattable]$Value).ToString($null, [Globalization.CultureInfo]::InvariantCulture))
        return
    }
    if ($Value -is [byte[]]) { [void]$Builder.Append('"' + [Convert]::ToBase64String($Value) + '"'); return }
    if ($Value -is [System.Collections.IDictionary]) {
        [void]$Builder.Append('{')
        $first = $true
        foreach ($key in $Value.Keys) {
            if (-not $first) { [void]$Builder.Append(',') }
            $first = $false
            [void]$Builder.Append((ConvertTo-ConncheckJsonString ([string]$key)))
            [void]$Builder.Append(':')
            ConvertTo-ConncheckJsonPart $Builder $Value[$key] $next
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
            $kind = $key.GetValueKind($name).ToString()
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

function Get-ConncheckStoreCertificates {
    # Certificates of LocalMachine\<StoreName> as base64 DER with HasPrivateKey, opened read-only.
    param([string]$StoreName)
    $store = [System.Security.Cryptography.X509Certificates.X509Store]::new($StoreName,
        [System.Security.Cryptography.X509Certificates.StoreLocation]::LocalMachine)
    $store.Open([System.Security.Cryptography.X509Certificates.OpenFlags]'ReadOnly, OpenExistingOnly')
    try {
        $list = foreach ($cert in $store.Certificates) {
            [ordered]@{
                der_b64 = [Convert]::ToBase64String($cert.RawData)
                has_private_key = $cert.HasPrivateKey
                store = "LocalMachine\$StoreName"
            }
        }
        , @($list)
    } finally {
        $store.Close()
    }
}

function Read-ConncheckText {
    # The first $MaxChars characters of a text file, or $null when it does not exist.
    param([string]$Path, [int]$MaxChars)
    if (-not (Test-Path -LiteralPath $Path -PathType Leaf)) { return $null }
    $reader = [System.IO.StreamReader]::new($Path)
    try {
        $buffer = [char[]]::new($MaxChars)
        $count = $reader.ReadBlock($buffer, 0, $MaxChars)
        [string]::new($buffer, 0, $count)
    } finally {
        $reader.Close()
    }
}

function Get-ConncheckProbeResult {
    # Runs one probe: {ok, data, ms} or {ok: false, error, ms}; a failing probe never stops the script.
    param([scriptblock]$Body)
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    try {
        $data = & $Body
        $result = [ordered]@{ ok = $true; data = $data }
    } catch {
        $result = [ordered]@{ ok = $false; error = ('{0}: {1}' -f $_.Exception.GetType().Name, $_.Exception.Message) }
    }
    $result['ms'] = [math]::Round($watch.Elapsed.TotalMilliseconds, 1)
    $result
}

$ConncheckNetwork = [System.Net.NetworkInformation.IPGlobalProperties]::GetIPGlobalProperties()
$ConncheckFqdn = $ConncheckNetwork.HostName.ToLowerInvariant()
if ($ConncheckNetwork.DomainName) { $ConncheckFqdn = ($ConncheckNetwork.HostName + '.' + $ConncheckNetwork.DomainName).ToLowerInvariant() }
$ConncheckProbes = [ordered]@{}
