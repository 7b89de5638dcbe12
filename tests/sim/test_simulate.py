"""simulate() on small hand-worked traces.

Each expected number is derived in the test from Knative's rules and the simulator's stated
conventions (``CONVENTIONS``); the comments carry the arithmetic.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kn_constructs import AutoscalerProfile, Batching, StartupTime
from kn_constructs.errors import ValidationError
from kn_constructs.sim import Distribution, Trace, simulate, traces
from kn_constructs.sim.kpa import smoothing_coefficient

A = "autoscaling.knative.dev/"


def at(times: list[float], service: float, duration: float) -> Trace:
    """Requests arriving at ``times``, each needing ``service`` seconds."""
    return Trace(times, [service] * len(times), duration_seconds=duration)


# ----------------------------------------------------------------- scale from zero, step by step


def test_one_request_from_zero_every_step() -> None:
    """One 2 s request at t = 0.5 to a revision at zero; from_startup(20), pods ready 20 s after asked.

    from_startup(20): window 2 x 20 = 40 s, panic 50 % = 20 s, target 1 x 90 % = 0.9.
    """
    result = simulate(at([0.5], 2.0, 10), AutoscalerProfile.from_startup(20), 20.0)
    s, tl = result.summary, result.timeline

    # The activator's first request is reported at once as 1: S = P = 1 -> ceil(1 / 0.9) = 2 pods,
    # created at 0.5, ready at 20.5; the request waits in the activator and runs 20.5 -> 22.5.
    assert s.latency_max_seconds == pytest.approx(22.0)
    assert s.cold_start_requests == 1
    assert (s.peak_pods, s.pods_started) == (2, 2)
    assert tl.desired[0] == 2  # second 1
    assert tl.ready[19] == 0 and tl.ready[20] == 2  # ready at 20.5: counted at second 21

    # Panic: R = max(1, 0) = 1, dP = 2 >= 2 x 1 from the poke until the tick at 20 (pods not ready yet);
    # at 22 ready = 2 -> 2 / 2 < 2: calm. Panic ends at the first calm tick after 20 + 40 = 60: t = 62.
    assert tl.panic[60] == 1 and tl.panic[61] == 0  # seconds 61, 62

    # At 62 the stable window (22, 62] still holds second 23 (the request's last half second: 0.5):
    # 0.5 / 40 = 0.0125 -> ceil(0.0125 / 0.9) = 1, within [floor(2 / 2) = 1, ...] -> 1 pod.
    assert tl.desired[61] == 1
    # At 64 the window (24, 64] is all zeros -> 0 (ready 1 -> floor(1 / 2) = 0 allows it).
    assert tl.desired[63] == 0
    # The reconciler: active since 21 (first pass with a ready pod), 64 - 21 >= 40 -> inactive at 64;
    # the activator has always been in the path (>= 30 s grace) -> 0 replicas at the next pass, 65.
    assert (tl.pods[62], tl.pods[63], tl.pods[64]) == (1, 1, 0)

    # GPU-seconds: one pod 0.5 -> 62, the other 0.5 -> 65: 61.5 + 64.5 = 126; starting: 2 x 20 = 40.
    assert s.gpu_seconds == pytest.approx(126.0)
    assert s.startup_gpu_seconds == pytest.approx(40.0)
    # end = trace 10 s + tail (window 40 + delay 0 + grace 30 + 4) = 84 s
    assert s.simulated_seconds == 84


def test_weighted_exponential_first_request_asks_for_one_pod() -> None:
    # Weighted-exponential does not renormalise: the poke's 1 weighs only c.
    # stable 40 buckets: c = max(1 - 0.0001^(1/40), 0.2) = 0.2057 -> ceil(0.2057 / 0.9) = 1
    # panic 20 buckets: c = 1 - 0.0001^(1/20) = 0.369 -> 1 pod, and 1 / R(1) < 2: no panic
    # (linear averaging gives 1 / 1 -> ceil(1 / 0.9) = 2 pods and panic, see the test above)
    assert math.ceil(smoothing_coefficient(40) / 0.9) == 1
    assert math.ceil(smoothing_coefficient(20) / 0.9) == 1
    profile = AutoscalerProfile.from_startup(20).replace(aggregation="weighted-exponential")
    result = simulate(at([0.5], 2.0, 10), profile, 20.0)
    assert result.autoscaling.algorithm == "weighted-exponential"
    assert result.timeline.desired[0] == 1
    assert result.timeline.panic[0] == 0
    # as the held request keeps reporting 1 each second the weighted sums approach 1 -> 2 pods
    assert max(result.timeline.desired) == 2


# ----------------------------------------------------------------- where requests wait


def test_activator_sends_each_pod_at_most_container_concurrency() -> None:
    # 2 warm pods with containerConcurrency 2 (activator in the path: TBC 211): 4 start at once,
    # the 5th waits for the first to finish at 1.1 -> latency 2.0
    result = simulate(
        at([0.1] * 5, 1.0, 5),
        AutoscalerProfile(min_scale=2),
        20.0,
        batching=Batching.fixed(2),
        initial_pods=2,
    )
    assert sorted(result.latencies) == pytest.approx([1.0, 1.0, 1.0, 1.0, 2.0])
    assert result.summary.waited_requests == 1
    assert result.summary.cold_start_requests == 0


def test_queue_proxy_queues_ten_times_container_concurrency_then_refuses() -> None:
    # TBC 0 and a warm pod: the activator leaves the path (EBC = 0), requests go straight to the pod.
    # containerConcurrency 1: 1 runs, 10 x 1 = 10 wait in the queue-proxy, the 12th gets a 503.
    profile = AutoscalerProfile(target_burst_capacity=0, min_scale=1)
    result = simulate(at([0.1] * 12, 1.0, 5), profile, 20.0, initial_pods=1)
    s = result.summary
    assert (s.completed, s.overflowed, s.rejected) == (11, 1, 1)
    # one after the other on one pod: latencies 1, 2, ..., 11 s; nearest-rank p50 = 6th of 11 = 6 s
    assert sorted(v for v in result.latencies if v >= 0) == pytest.approx([float(k) for k in range(1, 12)])
    assert s.latency_p50_seconds == pytest.approx(6.0)
    assert result.timeline.proxy[0] == 0


def test_activator_queue_overflow_is_rejected() -> None:
    # at zero, queue depth 2: two wait for the pods (ready at 20.1, done at 21.1), three get a 503
    result = simulate(at([0.1] * 5, 1.0, 5), AutoscalerProfile(), 20.0, activator_queue_depth=2)
    s = result.summary
    assert (s.completed, s.overflowed, s.timed_out) == (2, 3, 0)
    assert s.latency_max_seconds == pytest.approx(21.0)
    assert s.cold_start_requests == 2


def test_requests_waiting_past_the_timeout_are_cut_off() -> None:
    # pods need 20 s, the timeout is 10 s: three requests at 0.5 time out at 10.5
    result = simulate(at([0.5] * 3, 1.0, 5), AutoscalerProfile(), 20.0, timeout_seconds=10)
    s = result.summary
    assert (s.completed, s.timed_out, s.rejected) == (0, 3, 3)
    assert s.latency_p99_seconds is None
    assert (result.timeline.queued[9], result.timeline.queued[10]) == (3, 0)  # seconds 10 and 11


def test_a_request_longer_than_the_timeout_is_cut_off() -> None:
    result = simulate(
        at([0.5], 8.0, 5), AutoscalerProfile(min_scale=1), 20.0, initial_pods=1, timeout_seconds=5
    )
    assert (result.summary.timed_out, result.summary.completed) == (1, 0)
    assert list(result.latencies) == [-1.0]


def test_activator_in_the_path_depends_on_burst_capacity() -> None:
    empty = Trace([], [], duration_seconds=20)
    # cc 1, TBC 211: EBC = floor(1 x 1 - 211 - 0) < 0 -> activator always in the path
    held = simulate(empty, AutoscalerProfile(min_scale=1), 20.0, initial_pods=1)
    assert set(held.timeline.proxy) == {1}
    # TBC 0: EBC = 0 -> straight to the pod while one is wanted
    direct = simulate(empty, AutoscalerProfile(min_scale=1, target_burst_capacity=0), 20.0, initial_pods=1)
    assert set(direct.timeline.proxy) == {0}


# ----------------------------------------------------------------- pods and GPU time


def test_gpu_seconds_count_every_pod_second_times_gpus_per_pod() -> None:
    # min-scale 2, warm: 2 pods for the whole run. End = 100 + (60 + 0 + 30 + 4) = 194 s.
    empty = Trace([], [], duration_seconds=100)
    result = simulate(empty, AutoscalerProfile(min_scale=2), 20.0, initial_pods=2, gpus_per_pod=2)
    assert result.summary.simulated_seconds == 194
    assert result.summary.gpu_seconds == pytest.approx(2 * 2 * 194)
    assert set(result.timeline.ready) == {2}


def test_max_scale_caps_the_replicas() -> None:
    trace = traces.poisson(10, 120, service=2.0, seed=3)
    result = simulate(trace, AutoscalerProfile(max_scale=3), 20.0)
    assert max(result.timeline.replicas) == 3
    assert result.summary.peak_ready_pods == 3
    assert max(result.timeline.desired) > 3  # the decider wanted more


def test_rps_metric_scales_on_requests_per_second() -> None:
    # exactly 10 requests per second, target 5 rps per pod x 100 % -> ceil(10 / 5) = 2 pods
    times = [k / 10 for k in range(3000)]
    profile = AutoscalerProfile(metric="rps", target=5, target_utilization_percentage=100, min_scale=1)
    result = simulate(at(times, 0.05, 300), profile, 10.0, initial_pods=2)
    assert result.autoscaling.target.target_value == 5
    assert set(result.timeline.desired[100:300]) == {2}


def test_rollout_starts_initial_scale_pods_and_holds_them_until_ready() -> None:
    empty = Trace([], [], duration_seconds=60)
    result = simulate(empty, AutoscalerProfile(), 10.0, initial_scale=3, rollout=True)
    tl = result.timeline
    # three pods created at 0, ready at 10 (counted from second 10 on); initial-scale holds them till then
    assert (tl.pods[0], tl.ready[8], tl.ready[9]) == (3, 0, 3)
    assert result.summary.pods_started == 3
    assert tl.pods[-1] == 0  # no traffic: scaled to zero in the end


def test_rollout_with_initial_scale_above_max_scale_starts_the_initial_pods_then_obeys_the_cap() -> None:
    """initial-scale 3, max-scale 1, pods ready 10 s after asked, no traffic (knative-v1.23.0).

    ``scaler.scale`` raises min-scale to initial-scale 3 until the target is initialized and
    ``applyBounds`` returns that floor for any wish below it, above max-scale 1. The
    Deployment starts with 3 replicas (``MakeDeployment``); they are ready at 10 (3 >=
    ``activeThreshold`` 3: initialized, active since 10). The decision at 10 wants
    ``max(ceil(0), floor(3 / 2)) = 1``: still raised to 3 in that pass; the pass at 11 applies
    [0, 1] -> 1 pod. At 12 the wish is 0 (floor(1 / 2) = 0): active 2 s < 60 s -> 1 pod,
    re-queued for 58 s; at 70 inactive, at 71 (activator in the path since 0, >= 30 s) 0 pods.
    GPU-seconds: 2 pods x 11 s + 1 pod x 71 s = 93.
    """
    empty = Trace([], [], duration_seconds=60)
    result = simulate(empty, AutoscalerProfile(max_scale=1), 10.0, initial_scale=3, rollout=True)
    tl = result.timeline
    assert list(tl.replicas[:10]) == [3] * 10  # seconds 1..10: above max-scale 1
    assert (tl.ready[8], tl.ready[9]) == (0, 3)
    assert (tl.replicas[10], tl.ready[10]) == (1, 1)  # second 11: under the cap
    assert (tl.replicas[69], tl.replicas[70]) == (1, 0)  # seconds 70, 71
    assert (result.summary.peak_ready_pods, result.summary.pods_started) == (3, 3)
    assert result.summary.gpu_seconds == pytest.approx(93.0)


def test_a_requeued_pass_runs_when_the_scaler_asked_for_it() -> None:
    """The stable-window and retention waits end at Knative's re-queue times, between whole seconds.

    One warm pod (cc 1, target 1 x 100 % = 1, window 6 s, panic 1 s, threshold 1000 %,
    pod retention 20 s, grace 30 s, TBC 211 so the activator is always in the path) and one
    instant request at 14.5 (``handleScaleToZero``, knative-v1.23.0):

    * decision at 2: S = 0 -> 0 pods; the PA has been active for long: inactive at 2 (no patch);
      the retention keeps the pod;
    * 14.5: the request reaches the activator, which reports 1 at once; the decision then sees
      S = 1 / 6 -> ceil(0.166667 / 1) = 1 pod (dP 1 < 10: no panic); the pass at 14.5 finds the
      pod ready: active since 14.5;
    * decision at 20: window (14, 20] all zeros -> 0; active 5.5 s < 6 s: 1 pod and
      ``enqueueCB(sw - af)`` = 0.5 s; the pass at 20.5 finds active 6 s >= 6: inactive at 20.5;
    * inactive 0.5 s at 21 < retention 20: ``enqueueCB(20 - 0.5)`` -> pass at 40.5: retention
      over, activator in the path >= 30 s: 0 replicas at 40.5.

    GPU-seconds: the pod 0 -> 40.5 = 40.5 (41.0 if the passes waited for whole seconds).
    """
    service: dict[str, Any] = {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "metadata": {"name": "m"},
        "spec": {
            "template": {
                "metadata": {
                    "annotations": {
                        A + "window": "6s",
                        A + "panic-threshold-percentage": "1000",
                        A + "target-utilization-percentage": "100",
                        A + "scale-to-zero-pod-retention-period": "20s",
                    }
                },
                "spec": {"containerConcurrency": 1, "containers": [{"image": "registry.example.com/m:1"}]},
            }
        },
    }
    result = simulate(at([14.5], 0.0, 50), service, 10.0, initial_pods=1)
    tl = result.timeline
    assert result.autoscaling.panic_window_seconds == 1
    assert tl.desired[1] == 0 and tl.desired[14] == 1 and tl.desired[19] == 0  # seconds 2, 15, 20
    assert (tl.replicas[39], tl.replicas[40]) == (1, 0)  # seconds 40, 41
    assert list(result.latencies) == [0.0]
    assert result.summary.gpu_seconds == pytest.approx(40.5)


def test_min_scale_pods_stay_ready() -> None:
    trace = traces.on_off(3, on_seconds=60, off_seconds=200, duration_seconds=600, service=1.5, seed=2)
    result = simulate(trace, AutoscalerProfile(min_scale=2, max_scale=6), 15.0, initial_pods=2)
    assert min(result.timeline.ready) == 2
    assert max(result.timeline.replicas) <= 6


# ----------------------------------------------------------------- inputs


SERVICE: dict[str, Any] = {
    "apiVersion": "serving.knative.dev/v1",
    "kind": "Service",
    "metadata": {"name": "llama"},
    "spec": {
        "template": {
            "metadata": {
                "annotations": {
                    A + "class": "kpa.autoscaling.knative.dev",
                    A + "metric": "concurrency",
                    A + "target": "8",
                    A + "target-utilization-percentage": "90",
                    A + "window": "40s",
                    A + "panic-window-percentage": "50",
                    A + "min-scale": "0",
                    A + "max-scale": "3",
                }
            },
            "spec": {
                "containerConcurrency": 8,
                "timeoutSeconds": 12,
                "containers": [{"image": "x", "resources": {"limits": {"nvidia.com/gpu": "2"}}}],
            },
        }
    },
}


def test_a_knative_service_manifest_is_read_as_knative_reads_it() -> None:
    result = simulate(Trace([], [], duration_seconds=10), SERVICE, 20.0)
    auto = result.autoscaling
    assert auto.target.target_value == pytest.approx(8 * 0.9)
    assert (auto.container_concurrency, auto.stable_window_seconds, auto.panic_window_seconds) == (8, 40, 20)
    assert auto.scaler.max_scale == 3
    assert (result.timeout_seconds, result.gpus_per_pod) == (12, 2)


def test_arguments_override_the_manifests_scale_bounds() -> None:
    result = simulate(Trace([], [], duration_seconds=10), SERVICE, 20.0, max_scale=7, min_scale=1)
    assert (result.autoscaling.scaler.min_scale, result.autoscaling.scaler.max_scale) == (1, 7)


@dataclass
class _Props:
    autoscaling: AutoscalerProfile


@dataclass
class _Construct:
    """Shaped like GpuInferenceService: a rendered manifest and its props."""

    manifest: dict[str, Any]
    props: _Props


def test_an_object_with_a_manifest_and_a_profile_startup_needs_no_startup_argument() -> None:
    manifest = copy.deepcopy(SERVICE)
    manifest["spec"]["template"]["spec"]["timeoutSeconds"] = 60
    construct = _Construct(manifest, _Props(AutoscalerProfile.from_startup(20)))
    result = simulate(at([0.5], 2.0, 10), construct)
    # startup 20 s from the profile; target 7.2 -> ceil(1 / 7.2) = 1 pod, ready at 20.5, done at 22.5
    assert result.summary.latency_max_seconds == pytest.approx(22.0)
    assert result.startup == Distribution.fixed(20)


def test_a_cold_request_times_out_when_the_startup_exceeds_timeout_seconds() -> None:
    # The activator applies the revision's timeoutSeconds (12 s here) to the wait for a pod too:
    # a request at 0.5 to a revision at zero with 20 s startups is cut off at 12.5.
    result = simulate(at([0.5], 2.0, 10), SERVICE, 20.0)
    assert (result.summary.timed_out, result.summary.completed) == (1, 0)
    assert result.timeline.queued[11] == 1 and result.timeline.queued[12] == 0  # seconds 12 and 13


@pytest.mark.slow
def test_a_gpu_inference_service_construct(tmp_path: Path) -> None:
    from cdk8s import App, Chart

    from kn_constructs import GpuInferenceService
    from tests.helpers import contract_props

    app = App(outdir=str(tmp_path))
    service = GpuInferenceService(Chart(app, "c"), "llama", **contract_props())
    result = simulate(at([0.5], 2.0, 10), service)
    # contract: Batching.fixed(8) -> cc 8, target 8 x 90 % = 7.2; max-scale 3;
    # timeoutSeconds = ceil(1.2 x 10) = 12
    auto = result.autoscaling
    assert (auto.container_concurrency, auto.scaler.max_scale) == (8, 3)
    assert auto.target.target_value == pytest.approx(7.2)
    assert result.timeout_seconds == 12
    assert result.startup == Distribution.fixed(20)  # from_startup(mean_seconds=20) carries the startup
    # min-scale 0 and a 20 s startup against timeoutSeconds 12: the cold request is cut off at 12.5
    assert result.summary.timed_out == 1


def test_profile_batching_sets_container_concurrency_and_target() -> None:
    result = simulate(
        Trace([], [], duration_seconds=5), AutoscalerProfile(), 5.0, batching=Batching.in_flight(64)
    )
    # in-flight 64: hard 64, soft floor(0.8 x 64) = 51; utilization 90 % -> 45.9
    assert result.autoscaling.container_concurrency == 64
    assert result.autoscaling.target.target_value == pytest.approx(51 * 0.9)


# ----------------------------------------------------------------- errors


def test_missing_startup_is_reported() -> None:
    with pytest.raises(ValidationError) as caught:
        simulate(Trace([], [], duration_seconds=5), AutoscalerProfile())
    (problem,) = caught.value.find("SIM-INPUT", "startup")
    assert "KN-AS-2" in (problem.hint or "")


def test_every_bad_argument_is_reported_together() -> None:
    with pytest.raises(ValidationError) as caught:
        simulate(
            Trace([], [], duration_seconds=5),
            AutoscalerProfile(min_scale=1, max_scale=3),
            StartupTime(-1),
            initial_pods=5,
            timeout_seconds=0,
        )
    err = caught.value
    assert {(p.code, p.path) for p in err.problems} >= {
        ("KN-AS-2", "startup.mean_seconds"),
        ("SIM-INPUT", "initial_pods"),
        ("SIM-INPUT", "timeout_seconds"),
    }
    assert err.find("SIM-INPUT", "initial_pods")[0].allowed == "1..3"


def test_error_message_format() -> None:
    with pytest.raises(ValidationError) as caught:
        simulate(Trace([], [], duration_seconds=5), AutoscalerProfile(max_scale=3), 5.0, initial_pods=4)
    assert str(caught.value) == (
        "simulate: 1 problem found\n  [SIM-INPUT] initial_pods: invalid value: 4 (value: 4; allowed: 0..3)"
    )


def test_profile_errors_are_reported_at_the_profile_fields() -> None:
    with pytest.raises(ValidationError) as caught:
        simulate(Trace([], [], duration_seconds=5), AutoscalerProfile(window_seconds=3), 5.0)
    (problem,) = caught.value.find("KN-AS-3", "autoscaling.window_seconds")
    assert (problem.rule, problem.message) == ("KNATIVE-ANNOTATION-VALUE", "expected 6s <= 3s <= 1h0m0s")
    # listed together with a missing startup
    with pytest.raises(ValidationError) as caught:
        simulate(Trace([], [], duration_seconds=5), AutoscalerProfile(window_seconds=3))
    assert {(p.code, p.path) for p in caught.value.problems} == {
        ("KN-AS-3", "autoscaling.window_seconds"),
        ("SIM-INPUT", "startup"),
    }


def test_manifest_errors_are_reported_at_knatives_paths() -> None:
    manifest = copy.deepcopy(SERVICE)
    manifest["spec"]["template"]["metadata"]["annotations"][A + "window"] = "3s"
    with pytest.raises(ValidationError) as caught:
        simulate(Trace([], [], duration_seconds=5), manifest, 5.0)
    assert caught.value.find("KNATIVE-ANNOTATION-VALUE", f"spec.template.metadata.annotations.{A}window")


def test_not_a_service_is_reported() -> None:
    with pytest.raises(ValidationError) as caught:
        simulate(Trace([], [], duration_seconds=5), {"kind": "ConfigMap"}, 5.0)
    assert caught.value.find("SIM-INPUT", "service_or_profile")


# ----------------------------------------------------------------- reproducibility


def test_seeded_runs_repeat_exactly_and_seeds_matter() -> None:
    trace = traces.poisson(3, 300, service=Distribution.lognormal(1.5, 0.5), seed=4)
    startup = Distribution.lognormal(20, 8)
    first = simulate(trace, AutoscalerProfile.from_startup(20), startup, seed=11)
    again = simulate(trace, AutoscalerProfile.from_startup(20), startup, seed=11)
    other = simulate(trace, AutoscalerProfile.from_startup(20), startup, seed=12)
    assert first.summary == again.summary
    assert first.timeline.to_dict() == again.timeline.to_dict()
    assert list(first.latencies) == list(again.latencies)
    assert other.summary.gpu_seconds != first.summary.gpu_seconds


def test_progress_reaches_one() -> None:
    seen: list[float] = []
    simulate(traces.poisson(1, 300, seed=1), AutoscalerProfile(), 10.0, progress=seen.append)
    assert seen
    assert seen == sorted(seen)
    assert seen[-1] == pytest.approx(1.0, abs=0.02)


def test_to_dict_is_json_ready() -> None:
    import json

    result = simulate(at([0.5], 2.0, 10), AutoscalerProfile.from_startup(20), 20.0)
    data = json.loads(json.dumps(result.to_dict(timeline=True)))
    assert data["summary"]["requests"] == 1
    assert data["revision"]["stable_window_seconds"] == 40
    assert len(data["timeline"]["ready"]) == data["summary"]["simulated_seconds"]
    assert data["timeline"]["latency_mean"][0] == pytest.approx(22.0)  # the request arrived in second [0, 1)
