Get-ConncheckStoreCertificates 'Root'
