# The host's UTC clock, sampled first in the script; the epilogue adds utc_end after the last probe.
[ordered]@{ utc = [DateTime]::UtcNow }
