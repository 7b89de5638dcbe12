"""The fast path of ``check_arguments`` (cached fit tests) reports exactly what the full checks report.

The fast path exists for synthesis speed (issue 12: a fleet checks a dozen calls per model); it
may only skip work, never change a verdict.
"""

from __future__ import annotations

import math
import typing
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kn_constructs import (
    AutoscalerProfile,
    Batching,
    GpuPlacement,
    ModelSource,
    Probes,
    SecretKeyRef,
)
from kn_constructs import _boundary as boundary
from kn_constructs.service import GpuInferenceService

VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
    st.sampled_from(["http1", "h2c", "production", "dev", "4", "32Gi"]),
    st.lists(st.one_of(st.text(max_size=3), st.integers()), max_size=3),
    st.tuples(st.text(max_size=3)),
    st.frozensets(st.text(max_size=2), max_size=2),
    st.dictionaries(st.text(max_size=3), st.one_of(st.text(max_size=3), st.integers()), max_size=2),
    st.sampled_from(
        [
            Batching.fixed(4),
            AutoscalerProfile(),
            Probes(),
            GpuPlacement(classes=["A40"], regions=["LGA1"], count=1),
            ModelSource.tensorizer("s3://m/x.tensors", endpoint="https://e", credentials_secret="s"),
            SecretKeyRef("s", "k"),
            {"A": SecretKeyRef("s", "k")},
            object(),
        ]
    ),
)
NAMES = sorted(boundary._hints(GpuInferenceService.__init__.__wrapped__))  # type: ignore[attr-defined]


def _both(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any], **options: Any) -> tuple[Any, Any]:
    fast = boundary.check_arguments(func, args, kwargs, **options)
    original = boundary._well_formed
    boundary._well_formed = lambda *_: False  # type: ignore[assignment]
    try:
        full = boundary.check_arguments(func, args, kwargs, **options)
    finally:
        boundary._well_formed = original
    return fast, full


def _valid() -> dict[str, Any]:
    return {
        "image": "registry.example.com/x@sha256:" + "a" * 64,
        "model": ModelSource.tensorizer("s3://m/x.tensors", endpoint="https://e", credentials_secret="s"),
        "gpu": GpuPlacement(classes=["A40"], regions=["LGA1"], count=1),
        "longest_request_seconds": 10,
        "env": {"A": "b", "S": SecretKeyRef("s", "k")},
        "command": ["serve"],
    }


@settings(max_examples=300, deadline=None)
@given(
    overrides=st.dictionaries(st.sampled_from([*NAMES, "typo_name"]), VALUES, max_size=3),
    drop=st.sets(st.sampled_from(sorted(_valid())), max_size=1),
)
def test_fast_path_agrees_with_the_full_checks_on_construct_props(
    overrides: dict[str, Any], drop: set[str]
) -> None:
    overrides.pop("return", None)
    kwargs = {k: v for k, v in _valid().items() if k not in drop} | overrides
    func = GpuInferenceService.__init__.__wrapped__  # type: ignore[attr-defined]
    fast, full = _both(func, (_scope(), "llama"), kwargs, prefix="llama", skip=1)
    assert fast == full


_SCOPES: list[Any] = []


def _scope() -> Any:
    """One real construct for the ``scope`` argument (the tests build nothing under it)."""
    if not _SCOPES:
        import tempfile

        from cdk8s import App

        _SCOPES.append(App(outdir=tempfile.mkdtemp(prefix="kn-boundary-")))
    return _SCOPES[0]


def test_a_valid_call_takes_the_fast_path_and_finds_nothing(tmp_path: Any) -> None:
    from cdk8s import App

    scope = App(outdir=str(tmp_path))
    func = GpuInferenceService.__init__.__wrapped__  # type: ignore[attr-defined]
    shape = boundary._call_shape(func, 1)
    assert boundary._well_formed(shape, (scope, "llama"), _valid())
    assert boundary._all_fit(shape, (scope, "llama"), _valid(), boundary._hints(func))
    assert _both(func, (scope, "llama"), _valid(), prefix="llama", skip=1) == ([], [])
    wrong = {**_valid(), "command": "serve"}  # a str where a list is meant: the full checks say so
    assert not boundary._all_fit(shape, (scope, "llama"), wrong, boundary._hints(func))
    fast, full = _both(func, (scope, "llama"), wrong, prefix="llama", skip=1)
    assert fast == full and [p.path for p in fast] == ["llama.command"]


@pytest.mark.parametrize(
    ("value", "fits"),
    [(1, True), (True, False), (2**64, False), (1.5, False), ("x", False)],
)
def test_int_fit_test_mirrors_check_value(value: object, fits: bool) -> None:
    assert boundary._fitting(value, int) is fits
    assert (boundary.check_value(value, int, "p") == []) is fits


def test_float_fit_test_refuses_what_check_value_refuses() -> None:
    for value in (math.nan, math.inf, 10**400, True):
        assert not boundary._fitting(value, float)
        assert boundary.check_value(value, float, "p")


def test_protocol_fit_test_mirrors_check_value() -> None:
    """A Protocol hint (``ClusterConfigLike``) has a fit test: members present, as check_value."""
    from kn_constructs.inference import ClusterConfigLike

    class Config:
        settings = None

        def request(self) -> None: ...

    class Partial:
        settings = None

    for value, fits in ((Config(), True), (Partial(), False), ("cluster", False), (None, False)):
        assert boundary._fitting(value, ClusterConfigLike) is fits
        assert (boundary.check_value(value, ClusterConfigLike, "p") == []) is fits


_OPTIONALS = [int | None, typing.Union[str, None], None | int, int | str | None]  # noqa: UP007


@pytest.mark.parametrize("hint", _OPTIONALS)
@pytest.mark.parametrize("value", [None, 1, True, "x", 2**64, 1.5])
def test_optional_fit_test_mirrors_check_value(hint: Any, value: object) -> None:
    assert boundary._fitting(value, hint) is (boundary.check_value(value, hint, "p") == [])
