"""A simulated child's growth and haemoglobin between visits: what a visit measures."""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from typing import Final

import attrs
import pendulum

from yiyu.dates import add_months, age_in_months
from yiyu.domain import Case, CategoryKind, Child, Measurements, Sex
from yiyu.errors import ValidationError
from yiyu.instruments import growth
from yiyu.scheduling import corrected_birth
from yiyu.synthetic._draw import clamp
from yiyu.synthetic.children import LOW_BIRTH_WEIGHT_G

__all__ = ["Body", "haemoglobin", "measure"]

# Growth: per-child mean z, an AR(1) latent around it per visit, and measurement noise;
# children of low birth weight start lower, and a few falter chronically.
_Z_MEAN_SD: Final = 0.65
_Z_LATENT_SD: Final = 0.45
_Z_RHO: Final = 0.8
_Z_NOISE: Final = 0.3
_CHRONIC: Final = 0.01
_ILLNESS: Final = 0.01  # an acute illness before a visit: weight-for-length drops
_GUIDED: Final = 0.3  # what a month of feeding or diet guidance does to a managed z-score
_EXCESS: Final = frozenset({CategoryKind.OVERWEIGHT, CategoryKind.OBESITY})
_THIN: Final = frozenset({CategoryKind.UNDERWEIGHT, CategoryKind.WASTING})
_Z_LIMIT: Final = 4.5

_HB_SD_CHILD: Final = 5.0
_HB_SD_VISIT: Final = 5.0


@attrs.define
class Body:
    """A simulated child's growth and haemoglobin between visits (private, mutable)."""

    mean_haz: float
    mean_whz: float
    mean_hcz: float
    haz: float
    whz: float
    hcz: float
    hb_offset: float
    last_hb: float | None = None
    last_hb_ord: int | None = None
    rickets: bool = False

    @classmethod
    def draw(cls, child: Child, rng: random.Random) -> Body:
        small = child.birth_weight_g is not None and child.birth_weight_g < LOW_BIRTH_WEIGHT_G
        mean_haz = rng.gauss(-0.6 if small else 0.15, _Z_MEAN_SD)
        mean_whz = rng.gauss(-0.3 if small else -0.05, _Z_MEAN_SD)
        if rng.random() < _CHRONIC:
            mean_haz -= 1.8
        if rng.random() < _CHRONIC / 2:
            mean_whz -= 1.8
        mean_hcz = rng.gauss(0.0, _Z_MEAN_SD)
        return cls(
            mean_haz=mean_haz,
            mean_whz=mean_whz,
            mean_hcz=mean_hcz,
            haz=mean_haz + rng.gauss(0, _Z_LATENT_SD),
            whz=mean_whz + rng.gauss(0, _Z_LATENT_SD),
            hcz=mean_hcz + rng.gauss(0, _Z_LATENT_SD),
            hb_offset=rng.gauss(0, _HB_SD_CHILD),
        )

    def step(self, rng: random.Random, cases: Iterable[Case]) -> None:
        """Move the latent z-scores on by one visit; guidance works on managed cases."""
        for case in cases:
            if not case.as_recorded().is_open:  # a move to come does not end the care
                continue
            if case.condition in _EXCESS:
                self.mean_whz = min(self.mean_whz, max(self.mean_whz - _GUIDED, 0.5))
                self.whz -= _GUIDED
            elif case.condition in _THIN:
                self.mean_whz = max(self.mean_whz, min(self.mean_whz + _GUIDED, -0.5))
                self.whz += _GUIDED
            elif case.condition is CategoryKind.STUNTING:
                self.mean_haz = max(self.mean_haz, min(self.mean_haz + _GUIDED / 2, -0.8))
                self.haz += _GUIDED / 2
        keep = math.sqrt(1 - _Z_RHO**2) * _Z_LATENT_SD
        self.haz = self.mean_haz + _Z_RHO * (self.haz - self.mean_haz) + rng.gauss(0, keep)
        self.whz = self.mean_whz + _Z_RHO * (self.whz - self.mean_whz) + rng.gauss(0, keep)
        self.hcz = self.mean_hcz + _Z_RHO * (self.hcz - self.mean_hcz) + rng.gauss(0, keep)
        if rng.random() < _ILLNESS:
            self.whz -= rng.uniform(1.0, 2.5)


def _at_z(indicator: growth.Indicator, sex: Sex, x: float, z: float) -> float | None:
    lms = growth.reference_lms(indicator, sex, x)
    if lms is None:
        return None
    try:
        return growth.lms_value(lms, clamp(z, -_Z_LIMIT, _Z_LIMIT))
    except ValidationError:  # beyond where the curve is defined
        return lms.m


def measure(
    child: Child,
    body: Body,
    rng: random.Random,
    on: pendulum.Date,
    *,
    length: bool,
    head: bool,
) -> Measurements:
    """Weight (and length, head) at ``on``, from WHO's distribution for the assessed age."""
    body.step(rng, child.cases)
    sex = child.sex
    basis = corrected_birth(child)
    if basis != child.birth_date and on >= add_months(basis, 24):
        basis = child.birth_date
    days = (on - basis).days
    if days < 0:
        # Before term (corrected age below zero): about 15 g a day after the first week.
        grams = (child.birth_weight_g or 3000) + 15 * max(0, (on - child.birth_date).days - 7)
        return Measurements(weight_kg=round(clamp(grams / 1000, 0.3, 40.0), 2))
    if days > growth.MAX_AGE_DAYS:
        return Measurements()
    standing = days >= 731
    height = _at_z(growth.Indicator.LHFA, sex, days, body.haz + rng.gauss(0, _Z_NOISE))
    weight: float | None = None
    if height is not None:
        height = round(clamp(height, 25.0, 130.0), 1)
        table = growth.Indicator.WFH if standing else growth.Indicator.WFL
        weight = _at_z(table, sex, height, body.whz + rng.gauss(0, _Z_NOISE))
    if weight is None:
        weight = _at_z(growth.Indicator.WFA, sex, days, body.whz + rng.gauss(0, _Z_NOISE))
    head_cm = None
    if head:
        head_cm = _at_z(growth.Indicator.HCFA, sex, days, body.hcz + rng.gauss(0, _Z_NOISE))
    return Measurements(
        weight_kg=None if weight is None else round(clamp(weight, 0.3, 40.0), 2),
        length_cm=height if length else None,
        measured="standing" if standing and length else "recumbent",
        head_cm=None if head_cm is None else round(clamp(head_cm, 20.0, 60.0), 1),
    )


def haemoglobin(child: Child, body: Body, rng: random.Random, on: pendulum.Date) -> float:
    """Hb in g/L: normal for age, rising under treatment while an anaemia case is open."""
    months = age_in_months(child.birth_date, on)
    base = 116.0 if months < 6 else 121.0 if months < 24 else 124.0
    normal = base + body.hb_offset + rng.gauss(0, _HB_SD_VISIT)
    hb = normal
    treated = any(c.condition is CategoryKind.ANAEMIA and c.open_on(on) for c in child.cases)
    if treated and body.last_hb is not None and body.last_hb_ord is not None:
        elapsed = min((on.toordinal() - body.last_hb_ord) / 30.4, 2.0)
        hb = min(body.last_hb + rng.gauss(8, 4) * elapsed, normal + 10)
    hb = float(round(clamp(hb, 40.0, 200.0)))
    body.last_hb, body.last_hb_ord = hb, on.toordinal()
    return hb
