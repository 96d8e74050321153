"""Windows security descriptors: parse the binary self-relative form and decide who holds a right.

The wire (MS-DTYP 2.4.6, little-endian): a 20-byte header (revision, sbz1, control, then the offsets of the
owner SID, group SID, SACL and DACL from the start of the buffer; 0 = absent), and at those offsets a SID
(2.4.2: revision, sub-authority count, 6-byte big-endian authority, 32-bit sub-authorities) or an ACL
(2.4.5: revision, sbz1, size, ACE count, sbz2, then the ACEs). Each ACE starts with type, flags and size;
the ACCESS_ALLOWED/DENIED ACEs carry a 32-bit mask and a SID, their _OBJECT variants (5, 6) a mask, a flags
word, an optional object-type GUID (the extended right, property or child class the ACE is about), an
optional inherited-object-type GUID, then the SID.

AD returns ``nTSecurityDescriptor`` in this form (with the SD-flags control); the CA keeps the same
structure in its ``Security`` registry value. Our own parser rather than a library: the format is small and
fixed, the libraries that read it either drag in a whole protocol suite (impacket) or are thinly maintained
(winacl), and Samba's bindings exist only for the system Python on Linux. The tests check this parser
against Samba's NDR encoder.

The access decision follows Windows' access check for one object type: ACEs are read in order; an ACE that
does not apply to the object (INHERIT_ONLY) or to none of the given SIDs is skipped; every requested bit is
settled by the first ACE that allows or denies it. ACLs written by Windows tools are canonical (explicit
deny, explicit allow, inherited deny, inherited allow), so a deny overrides an allow at the same level. An
object ACE with an object type only counts for that object type (an Enroll ACE grants Enroll, nothing else);
an object ACE without one, or a plain ACE, counts for every object type (0x100 there means "all extended
rights"). Generic bits are mapped to specific bits first when a mapping is given (``DS_GENERIC_MAPPING`` for
directory objects).
"""

from __future__ import annotations

import struct
import uuid
from dataclasses import dataclass, field
from typing import Any

# Control flags (MS-DTYP 2.4.6).
SE_DACL_PRESENT = 0x0004
SE_SACL_PRESENT = 0x0010
SE_SELF_RELATIVE = 0x8000

# ACE types (MS-DTYP 2.4.4.1).
ACCESS_ALLOWED = 0x00
ACCESS_DENIED = 0x01
ACCESS_ALLOWED_OBJECT = 0x05
ACCESS_DENIED_OBJECT = 0x06
ACE_TYPE_NAMES = {
    ACCESS_ALLOWED: "ALLOW",
    ACCESS_DENIED: "DENY",
    0x02: "AUDIT",
    ACCESS_ALLOWED_OBJECT: "ALLOW_OBJECT",
    ACCESS_DENIED_OBJECT: "DENY_OBJECT",
    0x07: "AUDIT_OBJECT",
}

# ACE flags.
OBJECT_INHERIT_ACE = 0x01
CONTAINER_INHERIT_ACE = 0x02
INHERIT_ONLY_ACE = 0x08
INHERITED_ACE = 0x10

# Object ACE flags: which GUIDs follow.
ACE_OBJECT_TYPE_PRESENT = 0x1
ACE_INHERITED_OBJECT_TYPE_PRESENT = 0x2

# Access mask bits of directory objects (ADS_RIGHTS_ENUM) and the generic bits.
DS_CREATE_CHILD = 0x1
DS_DELETE_CHILD = 0x2
DS_LIST = 0x4
DS_SELF = 0x8
DS_READ_PROPERTY = 0x10
DS_WRITE_PROPERTY = 0x20
DS_DELETE_TREE = 0x40
DS_LIST_OBJECT = 0x80
DS_CONTROL_ACCESS = 0x100
DELETE = 0x10000
READ_CONTROL = 0x20000
WRITE_DAC = 0x40000
WRITE_OWNER = 0x80000
GENERIC_ALL = 0x10000000
GENERIC_EXECUTE = 0x20000000
GENERIC_WRITE = 0x40000000
GENERIC_READ = 0x80000000

DS_MASK_NAMES = {
    DS_CREATE_CHILD: "CreateChild", DS_DELETE_CHILD: "DeleteChild", DS_LIST: "ListChildren", DS_SELF: "Self",
    DS_READ_PROPERTY: "ReadProperty", DS_WRITE_PROPERTY: "WriteProperty", DS_DELETE_TREE: "DeleteTree",
    DS_LIST_OBJECT: "ListObject", DS_CONTROL_ACCESS: "ExtendedRight", DELETE: "Delete",
    READ_CONTROL: "ReadControl", WRITE_DAC: "WriteDacl", WRITE_OWNER: "WriteOwner", GENERIC_ALL: "GenericAll",
    GENERIC_EXECUTE: "GenericExecute", GENERIC_WRITE: "GenericWrite", GENERIC_READ: "GenericRead",
}
# The CA's own access mask (its "Security" registry value), as the CA's Security tab names the rights.
CA_MASK_NAMES = {
    0x1: "Manage CA", 0x2: "Issue and Manage Certificates", 0x4: "Auditor", 0x8: "Operator", 0x100: "Read",
    0x200: "Request Certificates",
}

# A private key's container (CAPI's and CNG's key files): file-style rights, named as .NET's CryptoKeyRights names
# them. "Read" on the Manage Private Keys dialog is GENERIC_READ, which maps to ReadData among others: using the key.
KEY_READ_DATA = 0x1
KEY_MASK_NAMES = {
    KEY_READ_DATA: "ReadData", 0x2: "WriteData", 0x8: "ReadExtendedAttributes", 0x10: "WriteExtendedAttributes",
    0x80: "ReadAttributes", 0x100: "WriteAttributes", DELETE: "Delete", READ_CONTROL: "ReadPermissions",
    WRITE_DAC: "ChangePermissions", WRITE_OWNER: "TakeOwnership", 0x100000: "Synchronize", GENERIC_ALL: "GenericAll",
    GENERIC_EXECUTE: "GenericExecute", GENERIC_WRITE: "GenericWrite", GENERIC_READ: "GenericRead",
}

# Extended rights of certificate templates.
ENROLL = "0e10c968-78fb-11d2-90d4-00c04f79dc55"
AUTOENROLL = "a05b8cc2-17bc-4802-a710-e7c15ab866a2"
EXTENDED_RIGHT_NAMES = {ENROLL: "Enroll", AUTOENROLL: "AutoEnroll"}

# Well-known SIDs worth naming in evidence; domain-relative RIDs are named by suffix.
WELL_KNOWN_SIDS = {
    "S-1-1-0": "Everyone",
    "S-1-3-0": "Creator Owner",
    "S-1-5-2": "Network",
    "S-1-5-4": "Interactive",
    "S-1-5-7": "Anonymous Logon",
    "S-1-5-9": "Enterprise Domain Controllers",
    "S-1-5-10": "Self",
    "S-1-5-11": "Authenticated Users",
    "S-1-5-18": "Local System",
    "S-1-5-32-544": "BUILTIN\\Administrators",
    "S-1-5-32-545": "BUILTIN\\Users",
    "S-1-5-32-546": "BUILTIN\\Guests",
    "S-1-5-32-554": "BUILTIN\\Pre-Windows 2000 Compatible Access",
    "S-1-5-32-568": "BUILTIN\\IIS_IUSRS",
    "S-1-5-19": "Local Service",
    "S-1-5-20": "Network Service",
}
DOMAIN_RIDS = {500: "Administrator", 512: "Domain Admins", 513: "Domain Users", 514: "Domain Guests",
               515: "Domain Computers", 516: "Domain Controllers", 518: "Schema Admins", 519: "Enterprise Admins"}


class SecurityDescriptorError(ValueError):
    """The bytes are not a self-relative security descriptor we can read."""


@dataclass(frozen=True)
class GenericMapping:
    """What each generic bit means for one kind of object (MS-DTYP 2.4.3, GENERIC_MAPPING)."""

    read: int
    write: int
    execute: int
    all: int

    def apply(self, mask: int) -> int:
        out = mask & ~(GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE | GENERIC_ALL)
        for bit, mapped in ((GENERIC_READ, self.read), (GENERIC_WRITE, self.write),
                            (GENERIC_EXECUTE, self.execute), (GENERIC_ALL, self.all)):
            if mask & bit:
                out |= mapped
        return out


# Active Directory objects (MS-ADTS 5.1.3.3.1 "Generic rights" mapping).
DS_GENERIC_MAPPING = GenericMapping(
    read=READ_CONTROL | DS_LIST | DS_READ_PROPERTY | DS_LIST_OBJECT,
    write=READ_CONTROL | DS_SELF | DS_WRITE_PROPERTY,
    execute=READ_CONTROL | DS_LIST,
    all=0x000F01FF,
)

# Key containers map generic bits as files do (FILE_GENERIC_READ, _WRITE, _EXECUTE, FILE_ALL_ACCESS).
KEY_GENERIC_MAPPING = GenericMapping(read=0x00120089, write=0x00120116, execute=0x001200A0, all=0x001F01FF)


@dataclass(frozen=True)
class Ace:
    type: int
    flags: int
    mask: int
    sid: str
    object_type: str | None = None  # lower-case GUID string
    inherited_object_type: str | None = None

    @property
    def allows(self) -> bool:
        return self.type in (ACCESS_ALLOWED, ACCESS_ALLOWED_OBJECT)

    @property
    def denies(self) -> bool:
        return self.type in (ACCESS_DENIED, ACCESS_DENIED_OBJECT)

    @property
    def inherit_only(self) -> bool:
        return bool(self.flags & INHERIT_ONLY_ACE)

    @property
    def inherited(self) -> bool:
        return bool(self.flags & INHERITED_ACE)

    def evidence(self, names: dict[str, str] | None = None, rights: dict[int, str] = DS_MASK_NAMES) -> dict[str, Any]:
        """The ACE as an operator reads it: who, allow/deny, the rights by name (directory rights by default)."""
        out: dict[str, Any] = {
            "type": ACE_TYPE_NAMES.get(self.type, f"type {self.type:#x}"),
            "trustee": sid_label(self.sid, names),
            "mask": f"0x{self.mask:08X}",
            "rights": mask_names(self.mask, rights),
        }
        if self.object_type:
            out["object_type"] = EXTENDED_RIGHT_NAMES.get(self.object_type, self.object_type)
        if self.inherited:
            out["inherited"] = True
        return out


@dataclass(frozen=True)
class Acl:
    revision: int
    aces: tuple[Ace, ...]


@dataclass(frozen=True)
class SecurityDescriptor:
    control: int
    owner: str | None
    group: str | None
    dacl: Acl | None  # None: no DACL, which grants everyone everything (a "NULL DACL")
    sacl_present: bool = False


@dataclass(frozen=True)
class AccessDecision:
    """Whether the SIDs hold every requested bit, and the ACEs that settled it."""

    granted: bool
    requested: int
    granted_mask: int
    denied_mask: int
    deciding: tuple[Ace, ...] = field(default_factory=tuple)
    reason: str = ""
    rights: dict[int, str] = field(default_factory=lambda: DS_MASK_NAMES)

    def evidence(self, names: dict[str, str] | None = None) -> dict[str, Any]:
        return {
            "granted": self.granted,
            "requested": mask_names(self.requested, self.rights),
            "reason": self.reason,
            "deciding_aces": [a.evidence(names, self.rights) for a in self.deciding],
        }


def mask_names(mask: int, rights: dict[int, str] = DS_MASK_NAMES) -> list[str]:
    names = [name for bit, name in rights.items() if mask & bit]
    rest = mask & ~sum(rights)
    if rest:
        names.append(f"0x{rest:X}")
    return names


def sid_label(sid: str, names: dict[str, str] | None = None) -> str:
    """``S-1-5-11 (Authenticated Users)``: the SID with a name when one is known."""
    name = (names or {}).get(sid) or WELL_KNOWN_SIDS.get(sid)
    if name is None and sid.startswith("S-1-5-21-"):
        name = DOMAIN_RIDS.get(int(sid.rsplit("-", 1)[1]))
    return f"{sid} ({name})" if name else sid


def parse_sid(data: bytes, offset: int = 0) -> tuple[str, int]:
    """A binary SID at ``offset`` → (``S-1-…`` string, its length in bytes)."""
    if offset + 8 > len(data):
        raise SecurityDescriptorError(f"SID at offset {offset} runs past the end of the buffer")
    revision, count = data[offset], data[offset + 1]
    if revision != 1 or count > 15:
        raise SecurityDescriptorError(f"SID at offset {offset}: revision {revision}, {count} sub-authorities")
    length = 8 + 4 * count
    if offset + length > len(data):
        raise SecurityDescriptorError(f"SID at offset {offset} runs past the end of the buffer")
    authority = int.from_bytes(data[offset + 2 : offset + 8], "big")
    subs = struct.unpack_from(f"<{count}I", data, offset + 8)
    return "-".join(["S", str(revision), str(authority), *map(str, subs)]), length


def sid_to_bytes(sid: str) -> bytes:
    """``S-1-5-21-…`` → binary SID (for LDAP filters and tests)."""
    parts = sid.strip().upper().split("-")
    if len(parts) < 3 or parts[0] != "S" or parts[1] != "1":
        raise SecurityDescriptorError(f"not a SID string: {sid!r}")
    try:
        authority, subs = int(parts[2]), [int(p) for p in parts[3:]]
    except ValueError:
        raise SecurityDescriptorError(f"not a SID string: {sid!r}") from None
    return bytes([1, len(subs)]) + authority.to_bytes(6, "big") + struct.pack(f"<{len(subs)}I", *subs)


def _guid(data: bytes, offset: int) -> str:
    if offset + 16 > len(data):
        raise SecurityDescriptorError(f"object ACE GUID at offset {offset} runs past the end of the ACE")
    return str(uuid.UUID(bytes_le=bytes(data[offset : offset + 16])))


def _parse_ace(data: bytes, offset: int) -> tuple[Ace, int]:
    if offset + 4 > len(data):
        raise SecurityDescriptorError(f"ACE at offset {offset} runs past the end of the buffer")
    ace_type, flags, size = struct.unpack_from("<BBH", data, offset)
    if size < 4 or offset + size > len(data):
        raise SecurityDescriptorError(f"ACE at offset {offset} has a bad size {size}")
    body = data[offset : offset + size]
    if ace_type in (ACCESS_ALLOWED_OBJECT, ACCESS_DENIED_OBJECT, 0x07, 0x08):
        if size < 12:
            raise SecurityDescriptorError(f"object ACE at offset {offset} is too short")
        mask, object_flags = struct.unpack_from("<II", body, 4)
        pos = 12
        object_type = inherited_type = None
        if object_flags & ACE_OBJECT_TYPE_PRESENT:
            object_type = _guid(body, pos)
            pos += 16
        if object_flags & ACE_INHERITED_OBJECT_TYPE_PRESENT:
            inherited_type = _guid(body, pos)
            pos += 16
        sid, _ = parse_sid(body, pos)
        return Ace(ace_type, flags, mask, sid, object_type, inherited_type), size
    if size < 8:
        raise SecurityDescriptorError(f"ACE at offset {offset} is too short")
    (mask,) = struct.unpack_from("<I", body, 4)
    # Plain and callback ACEs put the SID right after the mask; unknown types may not: keep those unnamed.
    try:
        sid, _ = parse_sid(body, 8)
    except SecurityDescriptorError:
        if ace_type in (ACCESS_ALLOWED, ACCESS_DENIED):
            raise
        sid = ""
    return Ace(ace_type, flags, mask, sid), size


def parse_acl(data: bytes, offset: int) -> Acl:
    if offset + 8 > len(data):
        raise SecurityDescriptorError(f"ACL at offset {offset} runs past the end of the buffer")
    revision, _, size, count, _ = struct.unpack_from("<BBHHH", data, offset)
    if revision not in (2, 4) or offset + size > len(data):
        raise SecurityDescriptorError(f"ACL at offset {offset}: revision {revision}, size {size}")
    aces = []
    pos = offset + 8
    for _ in range(count):
        ace, used = _parse_ace(data[: offset + size], pos)
        aces.append(ace)
        pos += used
    return Acl(revision, tuple(aces))


def parse(data: bytes) -> SecurityDescriptor:
    """A self-relative SECURITY_DESCRIPTOR (``nTSecurityDescriptor``, the CA's ``Security`` value)."""
    data = bytes(data)
    if len(data) < 20:
        raise SecurityDescriptorError(f"{len(data)} bytes is too short for a security descriptor")
    revision, _, control, owner_at, group_at, sacl_at, dacl_at = struct.unpack_from("<BBHIIII", data, 0)
    if revision != 1:
        raise SecurityDescriptorError(f"security descriptor revision {revision}, expected 1")
    if not control & SE_SELF_RELATIVE:
        raise SecurityDescriptorError("not a self-relative security descriptor (SE_SELF_RELATIVE not set)")
    owner = parse_sid(data, owner_at)[0] if owner_at else None
    group = parse_sid(data, group_at)[0] if group_at else None
    dacl = parse_acl(data, dacl_at) if control & SE_DACL_PRESENT and dacl_at else None
    return SecurityDescriptor(control, owner, group, dacl, bool(sacl_at))


def effective_access(
    sd: SecurityDescriptor,
    sids: set[str] | frozenset[str] | list[str],
    *,
    mask: int,
    object_type: str | None = None,
    generic_mapping: GenericMapping | None = None,
    rights: dict[int, str] = DS_MASK_NAMES,
) -> AccessDecision:
    """Do ``sids`` (an account's SID and all its groups', nested ones included) hold every bit of ``mask``?

    ``rights`` names the mask's bits in the evidence: directory rights by default, ``CA_MASK_NAMES`` for a CA.

    ``object_type`` is the GUID of the extended right (``ENROLL``) or property the request is about; an object
    ACE naming another GUID does not count. With ``generic_mapping``, generic bits in ACEs are mapped first.
    """
    wanted = {s.upper() for s in sids}
    target = object_type.lower() if object_type else None
    if sd.dacl is None:
        return AccessDecision(True, mask, mask, 0, (), "no DACL (NULL DACL): everyone holds every right",
                              rights)
    granted = denied = 0
    deciding: list[Ace] = []
    for ace in sd.dacl.aces:
        if ace.inherit_only or ace.sid.upper() not in wanted or not (ace.allows or ace.denies):
            continue
        if ace.object_type is not None and ace.object_type != target:
            continue
        ace_mask = generic_mapping.apply(ace.mask) if generic_mapping else ace.mask
        undecided = mask & ace_mask & ~(granted | denied)
        if not undecided:
            continue
        if ace.allows:
            granted |= undecided
        else:
            denied |= undecided
        deciding.append(ace)
        if (granted | denied) & mask == mask:
            break
    if granted & mask == mask:
        return AccessDecision(True, mask, granted, denied, tuple(deciding), "allowed by the ACEs listed", rights)
    if denied:
        return AccessDecision(False, mask, granted, denied, tuple(a for a in deciding if a.denies),
                              "a deny ACE comes first for these SIDs", rights)
    missing = mask & ~granted
    return AccessDecision(False, mask, granted, denied, tuple(deciding),
                          f"no ACE grants {', '.join(mask_names(missing, rights))} to these SIDs", rights)


def _ace_bytes(ace: Ace) -> bytes:
    sid = sid_to_bytes(ace.sid)
    if ace.type in (ACCESS_ALLOWED_OBJECT, ACCESS_DENIED_OBJECT):
        flags = (ACE_OBJECT_TYPE_PRESENT if ace.object_type else 0) | (
            ACE_INHERITED_OBJECT_TYPE_PRESENT if ace.inherited_object_type else 0)
        body = struct.pack("<II", ace.mask, flags)
        for guid in (ace.object_type, ace.inherited_object_type):
            if guid:
                body += uuid.UUID(guid).bytes_le
        body += sid
    else:
        body = struct.pack("<I", ace.mask) + sid
    return struct.pack("<BBH", ace.type, ace.flags, 4 + len(body)) + body


def encode(sd: SecurityDescriptor) -> bytes:
    """The self-relative binary form of ``sd`` (owner, group, DACL; no SACL): for sample data and tests."""
    owner = sid_to_bytes(sd.owner) if sd.owner else b""
    group = sid_to_bytes(sd.group) if sd.group else b""
    dacl = b""
    if sd.dacl is not None:
        aces = b"".join(_ace_bytes(a) for a in sd.dacl.aces)
        dacl = struct.pack("<BBHHH", sd.dacl.revision, 0, 8 + len(aces), len(sd.dacl.aces), 0) + aces
    pos = 20
    owner_at = pos if owner else 0
    pos += len(owner)
    group_at = pos if group else 0
    pos += len(group)
    dacl_at = pos if sd.dacl is not None else 0
    # Keep the descriptor's own control bits (protected, auto-inherited...), but no SACL is written.
    control = (sd.control & ~(SE_SACL_PRESENT | SE_DACL_PRESENT)) | SE_SELF_RELATIVE
    control |= SE_DACL_PRESENT if sd.dacl is not None else 0
    header = struct.pack("<BBHIIII", 1, 0, control, owner_at, group_at, 0, dacl_at)
    return header + owner + group + dacl
