[ordered]@{ utc = [DateTime]::UtcNow }
