# IIS application pools through Microsoft.Web.Administration (read only: nothing is committed).
$assembly = Join-Path $env:SystemRoot 'System32\inetsrv\Microsoft.Web.Administration.dll'
[void][System.Reflection.Assembly]::LoadFrom($assembly)
$manager = [Microsoft.Web.Administration.ServerManager]::new()
try {
    , @($manager.ApplicationPools | ForEach-Object { [ordered]@{ name = [string]$_.Name; state = [string]$_.State } })
} finally {
    $manager.Dispose()
}
