$startTypes = @{ Auto = 'Automatic'; Manual = 'Manual'; Disabled = 'Disabled'; Boot = 'Boot'; System = 'System' }
foreach ($service in Get-CimInstance -ClassName Win32_Service) {
    $startType = [string]$service.StartMode
    if ($startTypes.ContainsKey($startType)) { $startType = $startTypes[$startType] }
    [ordered]@{
        name = [string]$service.Name
        display_name = [string]$service.DisplayName
        status = [string]$service.State
        start_type = $startType
        account = [string]$service.StartName
    }
}
