# conncheck-data: list
Get-ConncheckStoreCertificates 'My'
