# IIS application pools through Microsoft.Web.Administration (read only: nothing is committed).
Assert-Conncheck64BitSession 'Reading IIS application pools (Microsoft.Web.Administration)'
[void][System.Reflection.Assembly]::LoadFrom((Get-ConncheckSystemPath 'inetsrv\Microsoft.Web.Administration.dll'))
$manager = [Microsoft.Web.Administration.ServerManager]::new()
try {
    foreach ($pool in $manager.ApplicationPools) { [ordered]@{ name = [string]$pool.Name; state = [string]$pool.State } }
} finally {
    $manager.Dispose()
}
