"""The site's expectations: what the checks compare the facts against.

One schema, two places: site.toml's ``[site]`` table (``SiteSection``: what the admin writes; unknown keys are
refused) and the ``site`` section of a facts document (``FactsSite``: the same keys plus what conncheck records when
it collects, so a facts file evaluates alone later; keys a newer conncheck added are ignored). None of it is secret.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

Role = Literal["connector", "ca", "ndes", "directory", "scep"]
HOST_ROLES: tuple[Role, ...] = ("connector", "ca", "ndes")
DIRECTORY_ROLE: Role = "directory"
SCEP_ROLE: Role = "scep"
ALL_ROLES: tuple[Role, ...] = (*HOST_ROLES, DIRECTORY_ROLE, SCEP_ROLE)
ConnectorFeature = Literal["pkcs", "pkcs_import", "scep", "revocation"]

# A name as Windows and AD write it: no control characters, bounded (a template name is at most 64 characters).
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=256, pattern=r"^[^\x00-\x1f\x7f]+$")]


class SiteSection(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    """site.toml ``[site]``."""

    name: Name = "site"
    ca_config: Annotated[str, msgspec.Meta(max_length=256, pattern=r"^[^\\\x00-\x1f]+\\[^\\\x00-\x1f]+$")] | None = None
    """The CA as certutil -config takes it: "ca01.contoso.com\\Contoso Issuing CA"."""
    pkcs_templates: Annotated[list[Name], msgspec.Meta(max_length=64)] = []
    """Template names (not display names) the connector's PKCS profiles use."""
    scep_template: Name | None = None
    """The template NDES issues SCEP certificates from (its name, not its display name)."""
    ndes_fqdn: Name | None = None
    ndes_service_account: Name | None = None
    """DOMAIN\\user of NDES's service account (the SCEP app pool's identity)."""
    connector_account: Name | None = None
    """DOMAIN\\user the connector runs as; omit when it runs as SYSTEM (then its computer account acts)."""
    connector_features: Annotated[list[ConnectorFeature], msgspec.Meta(max_length=4)] | None = None
    """The features chosen in the connector's configuration wizard (pkcs, pkcs_import, scep, revocation): only their
    services must run. The connector does not document where it records them, so the site says; unset: unknown."""
    digicert: bool = False
    """A DigiCert (Symantec) CA is configured: enables the 0x00000401 checks."""


class FactsSite(SiteSection, forbid_unknown_fields=False):
    """The ``site`` section of a facts document: site.toml's keys plus what collection records."""

    roles_expected: Annotated[list[Role], msgspec.Meta(max_length=5)] = []
    """Roles site.toml names: a role listed here but absent from the facts is UNKNOWN, not SKIP."""
    event_lookback_days: Annotated[int, msgspec.Meta(ge=1, le=3650)] = 7
    """The look-back window the fact script's events probe read."""
    example_expect: dict[str, list[str]] | None = None
    """examples/facts/ only: the code rows each snapshot must fail, be unknown or warn on."""


DEFAULT = FactsSite()


def site_table(site: SiteSection) -> dict[str, object]:
    """The keys of site.toml's [site] as plain values (what site.toml would say to give these expectations)."""
    values = msgspec.to_builtins(site)
    return {k: v for k, v in values.items() if k in SiteSection.__struct_fields__}


def facts_site(values: dict[str, object]) -> FactsSite:
    """Plain values (site.toml's tables, a test's dict) as the facts' site section; ValueError when malformed."""
    try:
        return msgspec.convert(values, FactsSite)
    except msgspec.ValidationError as exc:
        raise ValueError(f"site: {exc}") from None


def merged(base: FactsSite, later: FactsSite) -> FactsSite:
    """``later`` over ``base``: every key ``later`` sets (differs from the default) wins; expected roles add up."""
    changes = {
        field: getattr(later, field)
        for field in later.__struct_fields__
        if getattr(later, field) != getattr(DEFAULT, field)
    }
    changes["roles_expected"] = sorted(set(base.roles_expected) | set(later.roles_expected))
    return msgspec.structs.replace(base, **changes)
