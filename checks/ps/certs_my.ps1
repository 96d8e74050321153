Get-ConncheckStoreCertificates 'My'
