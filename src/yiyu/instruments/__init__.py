"""Measurement instruments: growth (WHO 2006 z-scores, WS/T 423—2022 evaluation), anaemia,
预警征象, the rearing-risk form, the daycare review and case management."""
