Get-ConncheckRegistryKey 'SOFTWARE\Microsoft\Cryptography\MSCEP'
