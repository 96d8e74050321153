"""Who may use a certificate's private key: its key container's security descriptor, decided as Windows decides.

The fact script reports each key's container descriptor (CAPI: CryptoKeySecurity; CNG: the "Security Descr"
property) and the names of its trustees. Using a key needs ReadData on the container; the Manage Private Keys
dialog's "Read" is GENERIC_READ, mapped as for files (``KEY_GENERIC_MAPPING``). An IIS application pool runs as its
identity: a user account, a built-in account, or the pool's own virtual account ``IIS APPPOOL\\<pool>`` (its SID is
S-1-5-82 followed by the SHA-1 of the lower-case pool name in UTF-16LE, as five sub-authorities); IIS puts
IIS_IUSRS into every worker process's token.
"""

from __future__ import annotations

import base64
import hashlib
import struct
from functools import lru_cache

from conncheck.pki import security_descriptor as sdm

IIS_IUSRS = "S-1-5-32-568"
BUILT_IN_IDENTITIES = {"LocalSystem": "S-1-5-18", "LocalService": "S-1-5-19", "NetworkService": "S-1-5-20"}


def app_pool_sid(pool: str) -> str:
    """The SID of ``IIS APPPOOL\\<pool>`` (an ApplicationPoolIdentity pool's account)."""
    digest = hashlib.sha1(pool.lower().encode("utf-16-le")).digest()  # Windows derives it so (not a security use)
    return "S-1-5-82-" + "-".join(str(part) for part in struct.unpack("<5I", digest))


@lru_cache(maxsize=256)
def key_descriptor(security_b64: str) -> sdm.SecurityDescriptor:
    """A key container's descriptor as the fact script reports it (parsed once: it is immutable);
    SecurityDescriptorError or ValueError when it is unreadable."""
    return sdm.parse(base64.b64decode(security_b64, validate=False))


def may_use_key(sd: sdm.SecurityDescriptor, sids: set[str]) -> sdm.AccessDecision:
    """Whether a token holding ``sids`` may use the key (ReadData on its container)."""
    return sdm.effective_access(sd, sids, mask=sdm.KEY_READ_DATA, generic_mapping=sdm.KEY_GENERIC_MAPPING,
                                rights=sdm.KEY_MASK_NAMES)
