"""How yiyu names what it exports: identifier systems, resource ids and references.

Every resource yiyu writes carries a business identifier, ``{system, value}``, whose
value is yiyu's own stable key (a child's id, an obligation's key), and a resource id
derived from that identifier alone: the first 32 hex digits (128 bits) of the SHA-256 of
``system|value``. FHIR ids allow only ``[A-Za-z0-9-.]{1,64}``, and yiyu's keys hold
``:``, ``/``, ``@`` and Chinese text, so a key cannot be its own id; a digest can, and
the same key gives the same id on every run and every machine. Re-exporting therefore
updates a host's resource rather than adding another.

Systems are URIs under one base: ``urn:yiyu`` by default (``urn:yiyu:obligation``), or a
host's own URL (``https://fhir.example.cn/yiyu`` → ``https://fhir.example.cn/yiyu/
obligation``). Changing the base changes every id: choose it once.
"""

from __future__ import annotations

import functools
import hashlib
from typing import Any, Final

import attrs

from yiyu.errors import ValidationError

__all__ = ["DEFAULT_NAMING", "LOINC", "UCUM", "Naming", "resource_id"]

LOINC: Final = "http://loinc.org"
UCUM: Final = "http://unitsofmeasure.org"


# Cached: a child's Patient and CarePlan are referred to by each of its Tasks, visits and
# measurements, so most ids an export computes it has computed a moment before.
@functools.lru_cache(maxsize=1 << 16)
def resource_id(system: str, value: str) -> str:
    """The resource id of the resource identified by ``system|value``: 32 hex digits."""
    return hashlib.sha256(f"{system}|{value}".encode()).hexdigest()[:32]


@functools.lru_cache(maxsize=1024)
def _system(base: str, name: str) -> str:
    return f"{base}{':' if base.startswith('urn:') else '/'}{name}"


def _base(_: object, __: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not (
        value.startswith("urn:") or value.startswith(("http://", "https://"))
    ):
        raise ValidationError("base", value, "a URN (urn:…) or an http(s) URL")
    if value.endswith(("/", ":")) or any(c.isspace() for c in value):
        raise ValidationError("base", value, "no trailing / or : and no spaces")


@attrs.frozen(kw_only=True)
class Naming:
    """The identifier systems of an export, and whether personal numbers are shown whole.

    Attributes:
        base: the base of every yiyu system and canonical URL (``urn:yiyu``).
        show_full_ids: write the resident identity number and the guardian's phone in
            full; by default both are masked (:mod:`yiyu.domain.masking`), as on paper.
    """

    base: str = attrs.field(default="urn:yiyu", validator=_base)
    show_full_ids: bool = False

    def system(self, name: str) -> str:
        """The system of ``name`` (``obligation`` → ``urn:yiyu:obligation``)."""
        return _system(self.base, name)

    def identifier(self, name: str, value: str) -> dict[str, Any]:
        return {"system": _system(self.base, name), "value": value}

    def id(self, name: str, value: str) -> str:
        """The resource id of the resource identified by ``value`` in ``name``'s system."""
        return resource_id(_system(self.base, name), value)

    def reference(self, resource_type: str, name: str, value: str) -> dict[str, Any]:
        """A literal reference (``Patient/<id>``) to a resource this export writes."""
        return {"reference": f"{resource_type}/{resource_id(_system(self.base, name), value)}"}

    def logical(self, resource_type: str, name: str, value: str) -> dict[str, Any]:
        """A logical reference, by identifier, to a resource yiyu does not write (a
        clinician as ``Practitioner``): the host resolves it, or keeps it as it is."""
        return {"type": resource_type, "identifier": self.identifier(name, value)}

    def coding(self, name: str, code: str, display: str | None = None) -> dict[str, Any]:
        coding = {"system": _system(self.base, name), "code": code}
        if display is not None:
            coding["display"] = display
        return coding


DEFAULT_NAMING: Final = Naming()
