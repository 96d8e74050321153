# IIS application pools through Microsoft.Web.Administration (read only: nothing is committed): state, and the
# identity each runs as (the user name only: the password is never read).
Assert-Conncheck64BitSession 'Reading IIS application pools (Microsoft.Web.Administration)'
[void][System.Reflection.Assembly]::LoadFrom((Get-ConncheckSystemPath 'inetsrv\Microsoft.Web.Administration.dll'))
$manager = [Microsoft.Web.Administration.ServerManager]::new()
try {
    foreach ($pool in $manager.ApplicationPools) {
        [ordered]@{
            name = [string]$pool.Name
            state = [string]$pool.State
            identity_type = [string]$pool.ProcessModel.IdentityType
            user_name = [string]$pool.ProcessModel.UserName
        }
    }
} finally {
    $manager.Dispose()
}
