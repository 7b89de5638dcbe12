"""The PodAutoscaler reconciler: bounds, initial scale, the scale-to-zero steps and the re-queues.

Expected outcomes follow Knative's ``scaler.scale`` / ``applyBounds`` / ``handleScaleToZero``
(``pkg/reconciler/autoscaling/kpa/scaler.go``) and ``computeActiveCondition`` (``kpa.go``) at
knative-v1.23.0, stated in each test.
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


def test_apply_bounds_returns_the_floor_even_above_max_scale() -> None:
    """``applyBounds(min, max, x)`` at knative-v1.23.0: ``if x < min { return min }`` comes first.

    Only a wish at or above the floor reaches ``if max != 0 && x > max { return max }``. With
    a floor of 12 (initial-scale 12 before initialization) and max-scale 3:
    x = 1 < 12 -> 12; x = 12 is not < 12 and 12 > 3 -> 3; x = 20 > 3 -> 3.
    """
    assert apply_bounds(1, 12, 3) == 12
    assert apply_bounds(SCALE_UNKNOWN, 12, 3) == 12
    assert apply_bounds(12, 12, 3) == 3
    assert apply_bounds(20, 12, 3) == 3


def test_initial_scale_above_max_scale_starts_the_initial_pods_then_comes_back_under_the_cap() -> None:
    """initial-scale 12, max-scale 3 (``scaler.scale``, ``applyBounds``, knative-v1.23.0).

    Until the target is initialized ``scale()`` sets ``minScale = max(initialScale, minScale)
    = 12``; the bounds then return 12 for any wish below 12, above max-scale 3. Once 12 pods
    are ready (``activeThreshold`` = max(0, 12) = 12) the target is initialized and the
    bounds are [0, 3] again.
    """
    spec = ScalerSpec(initial_scale=12, max_scale=3)
    pa = PodAutoscaler(spec, replicas=12, state="activating", state_since=0, initialized=False)
    assert pa.bounds() == (12, 3)
    # no decision yet while activating: applyBounds(12, 3, -1) = 12, the Deployment keeps its 12
    result = pa.reconcile(0, SCALE_UNKNOWN, -1, 0)
    assert (result.want, result.replicas, result.patched, result.state) == (12, 12, False, "activating")
    # the decider wants 1: 1 < 12 -> 12, above max-scale
    assert pa.reconcile(2, 1, -1, 5).replicas == 12
    # 12 ready >= activeThreshold 12: initialized and active (still 12 this pass)
    result = pa.reconcile(30, 1, -1, 12)
    assert (result.replicas, result.state, pa.initialized) == (12, "active", True)
    # from now on the bounds are [0, 3]: the wish of 1 is applied
    assert pa.bounds() == (0, 3)
    result = pa.reconcile(32, 1, -1, 12)
    assert (result.replicas, result.patched) == (1, True)


def test_a_wish_above_the_raised_floor_is_capped_at_max_scale() -> None:
    """applyBounds(12, 3, 20): 20 is not below the floor 12, so the cap applies: 3 pods."""
    spec = ScalerSpec(initial_scale=12, max_scale=3)
    pa = PodAutoscaler(spec, replicas=12, state="activating", state_since=0, initialized=False)
    result = pa.reconcile(2, 20, -1, 0)
    assert (result.want, result.replicas, result.patched) == (3, 3, True)


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


# ----------------------------------------------------------------- re-queues (handleScaleToZero's enqueueCB)


def test_active_and_waiting_for_the_stable_window_requeues_after_what_remains_of_it() -> None:
    """Active, ActiveFor 40 s < stable window 60 s: ``enqueueCB(pa, sw - af)`` = 60 - 40 = 20 s, scale 1."""
    spec = ScalerSpec(stable_window_seconds=60)
    pa = PodAutoscaler(spec, replicas=3, state="active", state_since=0, mode="serve", proxy_since=None)
    result = pa.reconcile(40, 0, 0, 3)
    assert (result.want, result.replicas, result.requeue_after) == (1, 1, 20)


def test_active_for_the_stable_window_requeues_after_3s_only_when_the_activator_is_in_the_path() -> None:
    """ActiveFor >= stable window: (0, no patch); ``enqueueCB(pa, 3s)`` only if the SKS is in proxy mode.

    The mode is the SKS's as the pass found it (``sks.Spec.Mode`` before ``ReconcileSKS``).
    """
    spec = ScalerSpec(stable_window_seconds=60)
    proxied = PodAutoscaler(spec, replicas=1, state="active", state_since=0, mode="proxy", proxy_since=0)
    result = proxied.reconcile(60, 0, -1, 1)
    assert (result.want, result.patched, result.state, result.requeue_after) == (0, False, "inactive", 3)
    served = PodAutoscaler(spec, replicas=1, state="active", state_since=0, mode="serve", proxy_since=None)
    result = served.reconcile(60, 0, 0, 1)
    assert (result.want, result.patched, result.state, result.requeue_after) == (0, False, "inactive", None)


def test_inactive_with_pod_retention_pending_requeues_after_what_remains_of_the_retention() -> None:
    """Inactive 50 s, retention 120 s > grace 30 s: not ``>= max(30, 120)``; ``50 < 120``:
    ``enqueueCB(pa, lastPodTimeout - inactiveTime)`` = 120 - 50 = 70 s, no patch."""
    spec = ScalerSpec(grace_period_seconds=30, retention_seconds=120)
    pa = PodAutoscaler(spec, replicas=1, state="inactive", state_since=0, mode="proxy", proxy_since=-INF)
    result = pa.reconcile(50, 0, -1, 1)
    assert (result.replicas, result.patched, result.requeue_after) == (1, False, 70)


def test_inactive_within_the_grace_period_requeues_after_the_rest_of_it_since_the_activator_entered() -> None:
    """Inactive 25 s < grace 30 s, no retention, activator in the path since 10: ``ProxyFor`` = 15 s,
    ``to = grace - ProxyFor`` = 15 s > 0: ``enqueueCB(pa, to)``, no patch.

    At 40: inactive 40 >= 30: patch 0.
    """
    spec = ScalerSpec(grace_period_seconds=30)
    pa = PodAutoscaler(spec, replicas=1, state="inactive", state_since=0, mode="proxy", proxy_since=10)
    result = pa.reconcile(25, 0, -1, 1)
    assert (result.replicas, result.patched, result.requeue_after) == (1, False, 15)
    result = pa.reconcile(40, 0, -1, 1)
    assert (result.replicas, result.patched, result.requeue_after) == (0, True, None)


def test_inactive_without_the_activator_in_the_path_counts_the_whole_grace_period() -> None:
    """``ProxyFor`` is 0 while the activator's endpoints are not populated: inactive 10 s, the SKS
    still serving: ``to = 30 - 0`` = 30 s (not 30 - 10), no patch."""
    spec = ScalerSpec(grace_period_seconds=30)
    pa = PodAutoscaler(spec, replicas=1, state="inactive", state_since=0, mode="serve", proxy_since=None)
    result = pa.reconcile(10, 0, 0, 1)
    assert (result.replicas, result.patched, result.requeue_after) == (1, False, 30)
    assert (result.mode, pa.proxy_since) == ("proxy", 10)  # the activator enters the path now


def test_activating_requeues_after_the_whole_activation_timeout() -> None:
    """Activating 600 s, not > 600 + 30: ``enqueueCB(pa, activationTimeout)`` with the whole timeout
    (progress deadline 600 s + ``activationTimeoutBuffer`` 30 s = 630 s), not what remains of it."""
    spec = ScalerSpec(progress_deadline_seconds=600)
    pa = PodAutoscaler(spec, replicas=1, state="activating", state_since=0, mode="proxy", proxy_since=0)
    result = pa.reconcile(600, 0, -1, 0)
    assert (result.want, result.patched, result.requeue_after) == (SCALE_UNKNOWN, False, 630)
    # 631 > 630: give up, patch 0, nothing to wait for
    result = pa.reconcile(631, 0, -1, 0)
    assert (result.want, result.replicas, result.requeue_after) == (0, 0, None)


def test_passes_without_a_timer_ask_for_no_requeue() -> None:
    """A positive wish, a finished scale to zero and an unknown wish while active involve no enqueueCB."""
    pa = PodAutoscaler(ScalerSpec(), replicas=2, state="active")
    assert pa.reconcile(0, 2, 0, 2).requeue_after is None
    assert pa.reconcile(1, SCALE_UNKNOWN, 0, 2).requeue_after is None
    done = PodAutoscaler(
        ScalerSpec(), replicas=1, state="inactive", state_since=0, mode="proxy", proxy_since=0
    )
    result = done.reconcile(30, 0, -1, 1)  # inactive 30 >= max(30, 0): patch 0
    assert (result.replicas, result.requeue_after) == (0, None)
