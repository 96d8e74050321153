Get-ConncheckRegistryKey 'SYSTEM\CurrentControlSet\Services\HTTP\Parameters'
