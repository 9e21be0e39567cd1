"""Measurement instruments: growth (WHO 2006 z-scores, WS/T 423—2022 evaluation), anaemia,
预警征象, the rearing-risk form, the daycare review and case management.

Everything here is pure: no clock, and no I/O but each instrument's data file (read by
:mod:`yiyu.data`, format in ``docs/data-format.md``).
"""
