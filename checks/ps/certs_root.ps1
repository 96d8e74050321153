# conncheck-data: list
Get-ConncheckStoreCertificates 'Root'
