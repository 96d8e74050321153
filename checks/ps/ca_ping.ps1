# certutil -ping asks the local CA's request interface to answer; it changes nothing. Judged by its exit code: the
# output is localized text, kept for people.
$ping = Get-ConncheckNativeResult 'certutil.exe' @('-ping')
[ordered]@{ exit_code = $ping['exit_code']; output = (@($ping['stdout'], $ping['stderr']) -ne '') -join "`n" }
