"""The collector paused for a batch: on again after it, whatever happened in it."""

from __future__ import annotations

import gc

import pytest

from yiyu.jobs.collector import collector_paused


def test_the_collector_is_on_again_after_a_batch_even_one_that_failed() -> None:
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("a batch failed")
    assert gc.isenabled()


def test_a_host_that_turned_the_collector_off_keeps_it_off() -> None:
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
