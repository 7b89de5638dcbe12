"""The PodAutoscaler reconciler: bounds, initial scale and the scale-to-zero steps.

Expected outcomes follow Knative's ``scaler.scale`` / ``handleScaleToZero`` /
``computeActiveCondition`` rules, stated in each test.
"""

from __future__ import annotations

import math

from kn_constructs.sim.kpa import SCALE_UNKNOWN, PodAutoscaler, ScalerSpec, apply_bounds

INF = math.inf


def test_apply_bounds() -> None:
    assert apply_bounds(1, 2, 5) == 2  # raised to min
    assert apply_bounds(9, 2, 5) == 5  # capped at max
    assert apply_bounds(9, 2, None) == 9  # no max
    assert apply_bounds(-1, 0, None) == 0


def test_min_and_max_scale_bound_the_replicas() -> None:
    pa = PodAutoscaler(ScalerSpec(min_scale=2, max_scale=5), replicas=2, state="active")
    assert pa.reconcile(0, 1, 0, 2).replicas == 2
    assert pa.reconcile(1, 9, 0, 2).replicas == 5
    # desired 0 with min-scale 2: bounds raise it to 2, no scale to zero
    result = pa.reconcile(2, 0, 0, 5)
    assert (result.want, result.replicas) == (2, 2)


def test_initial_scale_is_a_floor_until_the_revision_is_initialized() -> None:
    pa = PodAutoscaler(
        ScalerSpec(initial_scale=3), replicas=3, state="activating", state_since=0, initialized=False
    )
    # not initialized: min = max(0, 3) = 3; desired 1 -> 3
    assert pa.reconcile(1, 1, -1, 0).replicas == 3
    assert pa.state == "activating"  # ready 0 < max(min-scale, initial-scale) = 3
    # 3 ready: initialized, active
    result = pa.reconcile(2, 1, -1, 3)
    assert result.state == "active"
    assert pa.initialized
    # from now on the floor is min-scale (0): desired 1 -> 1
    assert pa.reconcile(3, 1, -1, 3).replicas == 1


def test_scale_to_zero_disabled_keeps_one_pod() -> None:
    pa = PodAutoscaler(ScalerSpec(enable_scale_to_zero=False), replicas=2, state="active")
    assert pa.reconcile(100, 0, -1, 2).replicas == 1


def test_active_revision_keeps_one_pod_until_active_for_a_stable_window_then_goes_inactive() -> None:
    spec = ScalerSpec(stable_window_seconds=60, grace_period_seconds=30)
    pa = PodAutoscaler(spec, replicas=3, state="active", state_since=0, mode="serve", proxy_since=None)
    # active for 40 s < 60 s: desired 0 becomes 1 pod, state stays active
    result = pa.reconcile(40, 0, 0, 3)
    assert (result.want, result.replicas, result.state) == (1, 1, "active")
    # active for 60 s >= 60 s: report 0 without touching the replicas; inactive; activator in the path
    result = pa.reconcile(60, 0, 0, 1)
    assert (result.want, result.replicas, result.patched) == (0, 1, False)
    assert (result.state, result.mode) == ("inactive", "proxy")
    # inactive 10 s, activator in the path 10 s < grace 30 s: wait
    assert pa.reconcile(70, 0, 0, 1).replicas == 1
    # inactive 30 s >= max(grace 30, retention 0): scale to zero
    result = pa.reconcile(90, 0, 0, 1)
    assert (result.replicas, result.patched) == (0, True)


def test_activator_already_in_the_path_for_the_grace_period_scales_to_zero_at_once() -> None:
    # GPU services (cc 1, TBC 211) always have the activator in the path: ProxyFor is long
    spec = ScalerSpec(stable_window_seconds=60, grace_period_seconds=30)
    pa = PodAutoscaler(spec, replicas=1, state="active", state_since=0, mode="proxy", proxy_since=0)
    pa.reconcile(100, 0, -209, 1)  # active 100 s >= 60: goes inactive at 100
    result = pa.reconcile(101, 0, -209, 1)
    # inactive only 1 s, but the activator has been in the path 101 s >= 30 s: patch 0
    assert (result.replicas, result.patched) == (0, True)


def test_pod_retention_keeps_the_last_pod() -> None:
    spec = ScalerSpec(stable_window_seconds=60, grace_period_seconds=30, retention_seconds=120)
    pa = PodAutoscaler(spec, replicas=1, state="inactive", state_since=0, mode="proxy", proxy_since=-INF)
    # inactive 50 s < retention 120 s: no scale to zero, even though the activator is in the path
    assert pa.reconcile(50, 0, -1, 1).replicas == 1
    # inactive 120 s >= max(30, 120): scale to zero
    assert pa.reconcile(120, 0, -1, 1).replicas == 0


def test_activation_gives_up_after_the_progress_deadline_plus_30_seconds() -> None:
    spec = ScalerSpec(progress_deadline_seconds=600)
    pa = PodAutoscaler(spec, replicas=1, state="activating", state_since=0, mode="proxy", proxy_since=0)
    # activating and nothing wanted: wait (no patch, want unknown)
    result = pa.reconcile(600, 0, -1, 0)
    assert (result.want, result.replicas) == (SCALE_UNKNOWN, 1)
    # 631 s > 600 + 30: give up, scale to zero
    result = pa.reconcile(631, 0, -1, 0)
    assert (result.want, result.replicas) == (0, 0)
    assert result.state == "inactive"


def test_data_path_mode() -> None:
    pa = PodAutoscaler(ScalerSpec(), replicas=2, state="active", mode="proxy", proxy_since=0)
    # desired > 0 and EBC >= 0: straight to the pods
    assert pa.reconcile(1, 2, 0, 2).mode == "serve"
    assert pa.proxy_since is None
    # negative EBC: activator back in the path, from now
    assert pa.reconcile(2, 2, -5, 2).mode == "proxy"
    assert pa.proxy_since == 2


def test_first_request_after_scale_to_zero_activates() -> None:
    pa = PodAutoscaler(ScalerSpec(), replicas=0, state="inactive")
    # the decider asks for 2 pods: patch 2, ready 0 < 1 -> activating, activator in the path (EBC < 0)
    result = pa.reconcile(10, 2, -212, 0)
    assert (result.replicas, result.state, result.mode) == (2, "activating", "proxy")
    # a pod is ready: active
    assert pa.reconcile(30, 2, -211, 1).state == "active"


def test_unknown_desired_scale_is_a_no_op_unless_activating() -> None:
    pa = PodAutoscaler(ScalerSpec(min_scale=1), replicas=3, state="active")
    result = pa.reconcile(5, SCALE_UNKNOWN, 0, 3)
    assert (result.want, result.replicas, result.patched) == (SCALE_UNKNOWN, 3, False)
