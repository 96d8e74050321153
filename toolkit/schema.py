"""The wire vocabulary probe schemas are written in, and how a mismatch is told.

Each probe declares the exact shape of its ``data`` as a msgspec type beside its fragment (``checks/*.py``). The
pieces several probes share live here: times, registry keys, base64. ``validate`` decodes a probe's raw JSON into
its schema, strictly (no string is taken for a number, no number for a boolean); a mismatch becomes a
``SchemaMismatch`` naming the path, e.g. ``certs_my[3].has_private_key: expected bool, got str``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, TypeVar

import msgspec

T = TypeVar("T")

UtcTime = Annotated[datetime, msgspec.Meta(tz=True)]  # ISO 8601 with its zone; the fragments write UTC
Base64 = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9+/\s]*={0,2}\s*$")]

# A registry value as the fact scripts report it; the JSON type carries the REG type:
#   REG_DWORD, REG_QWORD → number; REG_SZ, REG_EXPAND_SZ → string; REG_MULTI_SZ → list of strings;
#   REG_BINARY → base64 string. A consumer that needs a REG_DWORD gets a string only when the value is REG_SZ.
RegistryValue = int | str | list[str] | None  # null: the value is absent, as if not written
RegistryKey = dict[str, RegistryValue]


class SchemaMismatch(ValueError):
    """Probe data that does not have its declared shape: the checks reading it are UNKNOWN, never PASS."""

    def __init__(self, probe: str, detail: str) -> None:
        super().__init__(f"{probe}{detail}")
        self.probe = probe


_AT = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)


def mismatch(probe: str, error: msgspec.ValidationError | msgspec.DecodeError) -> SchemaMismatch:
    """msgspec's 'Expected `bool`, got `str` - at `$[3].has_private_key`' → 'certs_my[3].has_private_key: expected
    bool, got str'."""
    match = _AT.match(str(error))
    assert match is not None  # the pattern matches any text
    message = match.group("message").replace("`", "")
    message = message[:1].lower() + message[1:]
    path = match.group("path") or ""
    return SchemaMismatch(probe, f"{path}: {message}")


def decoder(schema: Any) -> msgspec.json.Decoder[Any]:
    """A strict decoder for a probe's schema; TypeError at once when the schema is not a type msgspec can decode."""
    return msgspec.json.Decoder(schema, strict=True)


def validate(probe: str, raw: bytes | msgspec.Raw, decode: msgspec.json.Decoder[T]) -> T:
    """The probe's raw JSON as its schema's type; SchemaMismatch when it is not that shape."""
    try:
        return decode.decode(raw)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise mismatch(probe, exc) from None
    except RecursionError:
        raise SchemaMismatch(probe, ": nested too deeply") from None


def registry_dword(key: RegistryKey | None, name: str) -> int | None:
    """A REG_DWORD/QWORD value; None when the key or value is absent or the value is not a number (a REG_SZ
    "65534" is not a DWORD: Windows components that read a DWORD ignore it)."""
    if not key:
        return None
    value = key.get(name)
    return value if isinstance(value, int) else None


def registry_string(key: RegistryKey | None, name: str) -> str | None:
    """A REG_SZ/EXPAND_SZ value; None when absent or of another type."""
    if not key:
        return None
    value = key.get(name)
    return value if isinstance(value, str) else None


def registry_kind(value: RegistryValue | None) -> str:
    """What the JSON type says the REG type was, for findings ("REG_SZ", "REG_DWORD or REG_QWORD", ...)."""
    if value is None:
        return "absent"
    if isinstance(value, int):
        return "REG_DWORD"
    if isinstance(value, list):
        return "REG_MULTI_SZ"
    return "REG_SZ"


def describe(tp: Any) -> str:
    """A type as docs/facts.md shows it: ``list of {der_b64: str, has_private_key: bool, ...}``."""
    return _describe(msgspec.inspect.type_info(tp), depth=0)


def _is_union(info: msgspec.inspect.Type) -> bool:
    while isinstance(info, msgspec.inspect.Metadata):
        info = info.type
    return isinstance(info, msgspec.inspect.UnionType)


def _inner(info: msgspec.inspect.Type, depth: int) -> str:
    text = _describe(info, depth)
    return f"({text})" if _is_union(info) else text


def _describe(info: msgspec.inspect.Type, depth: int) -> str:
    inspect = msgspec.inspect
    if isinstance(info, inspect.Metadata):
        inner = _describe(info.type, depth)
        description = (info.extra_json_schema or {}).get("description")
        return f"{inner} ({description})" if description and depth > 0 else inner
    if isinstance(info, inspect.UnionType):
        return " or ".join(dict.fromkeys(_describe(t, depth) for t in info.types))
    if isinstance(info, (inspect.ListType, inspect.VarTupleType)):
        return f"list of {_inner(info.item_type, depth + 1)}"
    if isinstance(info, inspect.DictType):
        return f"object of {_inner(info.key_type, depth + 1)} → {_inner(info.value_type, depth + 1)}"
    if isinstance(info, inspect.StructType):
        fields = [f"{f.encode_name}{'' if f.required else '?'}: {_describe(f.type, depth + 1)}" for f in info.fields]
        required = getattr(info.cls, "REQUIRED", ())
        note = f" with attributes {', '.join(required)}" if required else ""
        return "{" + ", ".join(fields) + "}" + note
    if isinstance(info, inspect.LiteralType):
        return " | ".join(repr(v).replace("'", '"') for v in info.values)
    names = {
        inspect.StrType: "str", inspect.IntType: "int", inspect.FloatType: "number", inspect.BoolType: "bool",
        inspect.NoneType: "null", inspect.DateTimeType: "ISO 8601 time", inspect.AnyType: "any",
        inspect.RawType: "any JSON",
    }
    for kind, name in names.items():
        if isinstance(info, kind):
            return name
    return type(info).__name__.removesuffix("Type").lower()


class PrivateKey(msgspec.Struct):
    """Whether a certificate's private key opens for the account that ran the fact script, and who may use it
    (the prelude's Get-ConncheckPrivateKeyInfo). Nothing is signed, exported or persisted to find out."""

    opens: bool | None  # null: not opened on purpose (a CA's signing key)
    error: str | None  # why it did not open: the HRESULT first (0x80090016 ...), then the localized message
    provider: str | None  # the CSP or KSP that holds it
    security_b64: Base64 | None  # the key container's self-relative security descriptor (owner and DACL)
    trustees: dict[str, str | None] | None  # SID → DOMAIN\name as the host translates it (null: no translation)
    acl_error: str | None  # why the descriptor could not be read


class StoreCertificate(msgspec.Struct, dict=True):
    """One certificate of a LocalMachine store, as the prelude's Get-ConncheckStoreCertificates reports it.

    ``info`` is the parsed certificate (decoded once, when the probe is read); an entry that is not a certificate
    makes the whole store probe malformed: a store half-read is not a store read. ``key`` is UNSET when an older
    fact script did not report it, null when the certificate has no private key.
    """

    der_b64: Base64
    has_private_key: bool
    store: str
    key: PrivateKey | msgspec.UnsetType | None = msgspec.UNSET

    def __post_init__(self) -> None:
        from conncheck.pki.certs import CertificateError, from_b64

        try:
            self.info = from_b64(self.der_b64, has_private_key=self.has_private_key, store=self.store)
        except CertificateError as exc:
            raise ValueError(str(exc)) from None
