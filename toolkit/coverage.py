"""What a run did not check, and why: the first thing a report says, so that nothing looks green unverified.

* A role with no target in the facts: its checks SKIP (the site does not name it: no [ldap] section, no [scep]
  urls, no [[hosts]] entry with that role) or are UNKNOWN (site.toml names it, but its facts are missing).
* A target nothing could be read from (WinRM refused, DNS failed): every check on it is UNKNOWN for that reason.
* A selection (--host, --role, --codes, ``conncheck scep``): the targets, roles and codes left out.
"""

from __future__ import annotations

from collections.abc import Iterable

from conncheck.catalog import format_code
from conncheck.checklist import NotChecked
from conncheck.facts import Facts, Target
from conncheck.plugin import Check
from conncheck.results import Msg
from conncheck.site import ALL_ROLES, DIRECTORY_ROLE, SCEP_ROLE

NO_DIRECTORY = Msg(
    "no directory in these facts: site.toml has no [ldap] section (or the directory's facts were not given)",
    "bu olgularda dizin yok: site.toml'da [ldap] bölümü yok (ya da dizinin olguları verilmedi)",
)
NO_SCEP = Msg(
    "no SCEP endpoint in these facts: site.toml has no [scep] urls (or their facts were not given)",
    "bu olgularda SCEP adresi yok: site.toml'da [scep] urls yok (ya da adreslerin olguları verilmedi)",
)
NO_HOST_ROLE = Msg(
    "no {role} host in these facts: site.toml lists no [[hosts]] entry with this role (or its facts file was not "
    "given)",
    "bu olgularda {role} sunucusu yok: site.toml'da bu rolü taşıyan bir [[hosts]] girdisi yok (ya da sunucunun "
    "olgu dosyası verilmedi)",
)
EXPECTED_BUT_ABSENT = Msg(
    "site.toml expects it, but these facts hold none (its collection failed or its facts file was not given): "
    "its checks are UNKNOWN",
    "site.toml bunu bekliyor, ancak bu olgularda yok (toplanamadı ya da olgu dosyası verilmedi): denetimleri "
    "UNKNOWN",
)
NOTHING_READ = Msg("nothing could be read from it: {reason}", "ondan hiçbir şey okunamadı: {reason}")
NOT_SELECTED = Msg("not selected for this run", "bu çalıştırma için seçilmedi")
CODES_ONLY = Msg(
    "only the checks behind {codes} were run (--codes); the other codes were not checked",
    "yalnızca {codes} kodlarının denetimleri çalıştırıldı (--codes); diğer kodlar denetlenmedi",
)


def _absent_role(role: str) -> Msg:
    if role == DIRECTORY_ROLE:
        return NO_DIRECTORY
    if role == SCEP_ROLE:
        return NO_SCEP
    return Msg(NO_HOST_ROLE.en.format(role=role), (NO_HOST_ROLE.tr or "").format(role=role))


def _nothing_read(target: Target) -> str | None:
    """The first reason, when the target has probes and not one of them was read."""
    probes = list(target.probes.values())
    if not probes or any(p.ok for p in probes):
        return None
    return probes[0].error or "probe failed"


def not_checked(
    facts: Facts, checks: list[Check], *, hosts: set[str] | None, codes: Iterable[int] | None, lang: str
) -> list[NotChecked]:
    """Everything the evaluation of ``checks`` over ``facts`` leaves unverified, with the reason, in ``lang``."""
    targets = facts.targets()
    selected = targets if hosts is None else [t for t in targets if t.name in hosts]
    present = {role for t in selected for role in t.roles}
    absent = {role: tuple(c.id for c in checks if role in c.involved_roles) for role in ALL_ROLES
              if role not in present}
    absent = {role: behind for role, behind in absent.items() if behind}
    out = []
    if hosts is None:
        for role, behind in absent.items():
            reason = EXPECTED_BUT_ABSENT if role in facts.roles_expected else _absent_role(role)
            out.append(NotChecked(role, reason.in_lang(lang), behind))
    else:  # one line: the targets and the roles the selection left out
        left_out = [t.name for t in targets if t.name not in hosts] + list(absent)
        if left_out:
            behind = tuple(dict.fromkeys(c for ids in absent.values() for c in ids))
            out.append(NotChecked(", ".join(left_out), NOT_SELECTED.in_lang(lang), behind))
    for target in selected:
        error = _nothing_read(target)
        if error is not None:
            behind = tuple(c.id for c in checks if set(c.roles) & set(target.roles))
            out.append(NotChecked(target.name, NOTHING_READ.in_lang(lang).format(reason=error), behind))
    if codes is not None:
        spelled = ", ".join(format_code(c) for c in codes)
        out.append(NotChecked("--codes", CODES_ONLY.in_lang(lang).format(codes=spelled)))
    return out
