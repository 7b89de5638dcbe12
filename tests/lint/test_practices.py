"""The practice lint rules, one behaviour at a time, on plain Service dicts.

The baseline is a Service as the constructs plan it: it follows every practice, so it has no
finding; each test breaks one practice and checks the code, path and severity of what is found.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kn_constructs.errors import Problem
from kn_constructs.knative.rules import KNATIVE_RULES
from kn_constructs.knative.settings import ClusterSettings
from kn_constructs.lint import LINT_RULES, lint_manifest, practice_problems
from kn_constructs.lint.practices import (
    is_gpu_service,
    is_hub_model_id,
    is_literal_secret,
    time_to_liveness_kill,
)
from kn_constructs.practices import PRACTICES
from tests.lint.helpers import (
    ANN,
    C0,
    GPU_CLUSTER,
    SPEC,
    annotations,
    container,
    good_service,
    pod_spec,
)

UTIL = "autoscaling.knative.dev/target-utilization-percentage"


def found(service: dict[str, Any], code: str, *, cluster: ClusterSettings = GPU_CLUSTER) -> list[Problem]:
    return [p for p in practice_problems(service, settings=cluster) if p.code == code]


def only(service: dict[str, Any], code: str, *, cluster: ClusterSettings = GPU_CLUSTER) -> Problem:
    problems = found(service, code, cluster=cluster)
    assert len(problems) == 1, problems
    return problems[0]


def env_entry(service: dict[str, Any], name: str) -> tuple[int, dict[str, Any]]:
    env = container(service)["env"]
    return next((i, e) for i, e in enumerate(env) if e["name"] == name)


# --------------------------------------------------------------------------- the table


def test_the_planned_service_follows_every_practice() -> None:
    assert lint_manifest(good_service(), settings=GPU_CLUSTER) == []


def test_every_rule_names_a_practice_or_a_lint_code() -> None:
    for rule in LINT_RULES:
        assert rule.id in PRACTICES or rule.id.startswith("LINT-"), rule.id
        assert rule.severity in ("error", "warning", "info")
        assert rule.title
        assert (rule.check is None) == (rule.scope == "file")


def test_non_services_have_no_practice_findings() -> None:
    service = good_service()
    service["kind"] = "Deployment"
    service["apiVersion"] = "apps/v1"
    assert practice_problems(service) == []
    assert practice_problems({"apiVersion": "v1", "kind": "ConfigMap"}) == []


# --------------------------------------------------------------------------- KN-CONC-3


def test_concurrency_1_with_knatives_default_utilization() -> None:
    service = good_service()
    del annotations(service)[UTIL]
    del annotations(service)["autoscaling.knative.dev/target"]
    pod_spec(service)["containerConcurrency"] = 1
    problem = only(service, "KN-CONC-3")
    assert problem.path == f"{ANN}.{UTIL}"
    assert problem.severity == "warning"
    # Knative's default utilization is 70 %: the target per pod is 1 x 0.7.
    utilization = ClusterSettings().container_concurrency_target_percentage / 100
    assert utilization == 0.7
    assert f"aims at {utilization:g} requests per pod" in problem.message
    assert f"ask for {math.ceil(10 / utilization)} pods" in problem.message  # 15 pods for 10 requests


def test_utilization_uses_the_clusters_default() -> None:
    service = good_service()
    del annotations(service)[UTIL]
    tuned = ClusterSettings(container_concurrency_target_percentage=95)
    assert found(service, "KN-CONC-3", cluster=tuned) == []
    low = ClusterSettings(container_concurrency_target_percentage=80)
    assert "cluster default of 80%" in only(service, "KN-CONC-3", cluster=low).message


@pytest.mark.parametrize(("value", "flagged"), [("50", True), ("69", True), ("70", False), ("90", False)])
def test_explicit_utilization_below_70_is_flagged(value: str, flagged: bool) -> None:
    service = good_service()
    annotations(service)[UTIL] = value
    assert bool(found(service, "KN-CONC-3")) is flagged


def test_utilization_legacy_alias_is_read() -> None:
    service = good_service()
    del annotations(service)[UTIL]
    annotations(service)["autoscaling.knative.dev/targetUtilizationPercentage"] = "50"
    assert only(service, "KN-CONC-3").path == f"{ANN}.autoscaling.knative.dev/targetUtilizationPercentage"


def test_utilization_is_not_judged_for_hpa() -> None:
    service = good_service()
    del annotations(service)[UTIL]
    annotations(service)["autoscaling.knative.dev/class"] = "hpa.autoscaling.knative.dev"
    annotations(service)["autoscaling.knative.dev/metric"] = "cpu"
    assert found(service, "KN-CONC-3") == []


# --------------------------------------------------------------------------- autoscaling, concurrency, scale


@pytest.mark.parametrize("key", ["autoscaling.knative.dev/class", "autoscaling.knative.dev/metric"])
def test_missing_class_or_metric_on_a_gpu_service(key: str) -> None:
    service = good_service()
    del annotations(service)[key]
    problem = only(service, "KN-AS-1")
    # writing the default explicitly is an opinion: info, never a failure
    assert (problem.path, problem.severity) == (f"{ANN}.{key}", "info")


def test_class_and_metric_both_missing_are_one_finding_kn_as_1() -> None:
    service = good_service()
    del annotations(service)["autoscaling.knative.dev/class"]
    del annotations(service)["autoscaling.knative.dev/metric"]
    problem = only(service, "KN-AS-1")
    assert (problem.path, problem.severity) == (f"{ANN}.autoscaling.knative.dev/class", "info")
    assert "autoscaler class and metric not written" in problem.message


def test_a_wrong_metric_outranks_a_missing_class_kn_as_1() -> None:
    service = good_service()
    del annotations(service)["autoscaling.knative.dev/class"]
    annotations(service)["autoscaling.knative.dev/metric"] = "rps"
    problem = only(service, "KN-AS-1")
    assert (problem.severity, problem.path) == ("warning", f"{ANN}.autoscaling.knative.dev/metric")
    assert problem.message.endswith(
        "also spec.template.metadata.annotations.autoscaling.knative.dev/class:"
        " autoscaler class not written: the defaults apply (class"
        " kpa.autoscaling.knative.dev, metric rps), and a cluster change would"
        " silently change how this service scales"
    )


def test_rps_metric_on_a_gpu_service() -> None:
    service = good_service()
    annotations(service)["autoscaling.knative.dev/metric"] = "rps"
    problem = only(service, "KN-AS-1")
    assert (problem.path, problem.value) == (f"{ANN}.autoscaling.knative.dev/metric", "rps")


def test_target_above_container_concurrency() -> None:
    service = good_service()
    annotations(service)["autoscaling.knative.dev/target"] = "12"
    problem = only(service, "KN-CONC-2")
    assert problem.path == f"{ANN}.autoscaling.knative.dev/target"
    assert "min(target, containerConcurrency) = 8" in problem.message


def test_unlimited_concurrency_on_a_gpu_service() -> None:
    service = good_service()
    del pod_spec(service)["containerConcurrency"]
    assert only(service, "KN-CONC-4").path == f"{SPEC}.containerConcurrency"
    # a cluster default of 4 makes the pod's limit 4: no queue
    assert found(service, "KN-CONC-4", cluster=ClusterSettings(container_concurrency=4)) == []


def test_hard_limit_far_above_the_target() -> None:
    service = good_service()  # fixed batching of 8: target 8
    pod_spec(service)["containerConcurrency"] = 17  # over 2 x 8
    problem = only(service, "KN-CONC-4")
    assert (problem.path, problem.value) == (f"{SPEC}.containerConcurrency", 17)
    pod_spec(service)["containerConcurrency"] = 16
    assert found(service, "KN-CONC-4") == []


def test_panic_threshold_below_200() -> None:
    service = good_service()
    annotations(service)["autoscaling.knative.dev/panic-threshold-percentage"] = "150"
    assert only(service, "KN-AS-5").path == f"{ANN}.autoscaling.knative.dev/panic-threshold-percentage"
    # outside Knative's range it is Knative's finding, not this one
    annotations(service)["autoscaling.knative.dev/panic-threshold-percentage"] = "100"
    assert found(service, "KN-AS-5") == []
    assert any(p.code == "KNATIVE-ANNOTATION-VALUE" for p in lint_manifest(service, settings=GPU_CLUSTER))


@pytest.mark.parametrize("value", [None, "0"])
def test_gpu_service_without_a_max_scale(value: str | None) -> None:
    service = good_service()
    if value is None:
        del annotations(service)["autoscaling.knative.dev/max-scale"]
    else:
        annotations(service)["autoscaling.knative.dev/max-scale"] = value
    assert only(service, "KN-SCALE-2").path == f"{ANN}.autoscaling.knative.dev/max-scale"
    if value is None:
        assert found(service, "KN-SCALE-2", cluster=ClusterSettings(max_scale=4)) == []


# --------------------------------------------------------------------------- timeouts, probes


def test_no_timeout() -> None:
    service = good_service()
    del pod_spec(service)["timeoutSeconds"]
    problem = only(service, "KN-SHUT-2")
    assert problem.path == f"{SPEC}.timeoutSeconds"
    assert f"({ClusterSettings().revision_timeout_seconds}s)" in problem.message


@pytest.mark.parametrize(("timeout", "flagged"), [(144, False), (145, True), (600, True)])
def test_long_timeouts(timeout: int, flagged: bool) -> None:
    # 1.2 x 120 s = 144 s: a longer timeout serves requests over two minutes
    service = good_service()
    pod_spec(service)["timeoutSeconds"] = timeout
    assert bool(found(service, "KN-LONG-1")) is flagged


def test_no_readiness_probe() -> None:
    service = good_service()
    del container(service)["readinessProbe"]
    assert only(service, "KN-PROBE-1").path == f"{C0}.readinessProbe"


def test_tcp_readiness_probe() -> None:
    service = good_service()
    container(service)["readinessProbe"] = {"tcpSocket": {"port": 8080}, "periodSeconds": 2}
    problem = only(service, "KN-PROBE-1")
    assert (problem.path, problem.value) == (f"{C0}.readinessProbe", "tcpSocket")


def test_slow_readiness_probe() -> None:
    service = good_service()
    container(service)["readinessProbe"]["periodSeconds"] = 10
    problem = only(service, "KN-PROBE-1")
    assert (problem.path, problem.value) == (f"{C0}.readinessProbe.periodSeconds", 10)
    assert found(service, "KN-PROBE-3") == []  # one finding for one slow period


@pytest.mark.parametrize(
    ("period", "failures", "window"),
    [(4, 3, 12), (5, None, 15)],  # None: Kubernetes' default failureThreshold of 3
)
def test_long_unready_window(period: int, failures: int | None, window: int) -> None:
    service = good_service()
    probe = container(service)["readinessProbe"]
    probe["periodSeconds"] = period
    if failures is None:
        del probe["failureThreshold"]
    else:
        probe["failureThreshold"] = failures
    problem = only(service, "KN-PROBE-3")
    assert f"look ready for {window}s" in problem.message
    assert problem.path.startswith(f"{C0}.readinessProbe.")


def test_aggressive_readiness_probing_is_fine() -> None:
    service = good_service()
    container(service)["readinessProbe"] = {"httpGet": {"path": "/ready", "port": 8080}, "periodSeconds": 0}
    assert found(service, "KN-PROBE-1") == found(service, "KN-PROBE-3") == []


def test_liveness_without_startup_probe() -> None:
    service = good_service()
    del container(service)["startupProbe"]
    problem = only(service, "KN-PROBE-2")
    assert problem.path == f"{C0}.livenessProbe"
    # period 10 s x 6 failures, no initial delay: restarted 50-60 s after the container starts
    assert "longer than 50s to load is restarted 50-60s after its container starts" in problem.message


def test_liveness_restart_time_counts_the_initial_delay_kn_probe_2() -> None:
    service = good_service()
    del container(service)["startupProbe"]
    container(service)["livenessProbe"] = {
        "httpGet": {"path": "/health", "port": 8080},
        "initialDelaySeconds": 240,
    }
    message = only(service, "KN-PROBE-2").message
    # Kubernetes' defaults: period 10 s, 3 failures, after the 240 s delay
    assert (
        "restarted 260-270s after its container starts (initialDelaySeconds 240, then 3 failed checks 10s"
        " apart)" in message
    )
    assert "after 30s" not in message


@given(
    delay=st.integers(0, 600),
    period=st.integers(1, 60),
    failures=st.integers(1, 30),
    phase=st.fractions(0, 1).filter(lambda f: f < 1),
)
def test_liveness_kill_time_matches_the_kubelets_probe_loop_kn_probe_2(
    delay: int, period: int, failures: int, phase: Fraction
) -> None:
    """Replay worker.doProbe: ticks every period from a random phase, no probe before the delay."""
    tick = phase * period
    failed = 0
    while True:
        if int(tick) >= delay:  # int32(time.Since(startedAt).Seconds()) < InitialDelaySeconds skips
            failed += 1
            if failed == failures:
                break
        tick += period
    earliest, latest = time_to_liveness_kill(delay, period, failures)
    assert earliest <= tick < latest


def test_liveness_that_fires_before_readiness() -> None:
    service = good_service()
    container(service)["livenessProbe"].update(
        periodSeconds=2, failureThreshold=3
    )  # 6 s = readiness' 2 s x 3
    assert only(service, "KN-PROBE-2").path == f"{C0}.livenessProbe.failureThreshold"


def test_startup_probe_outlasting_the_progress_deadline() -> None:
    service = good_service()
    probe = container(service)["startupProbe"]
    annotations(service)["serving.knative.dev/progress-deadline"] = "300s"
    budget = probe["periodSeconds"] * probe["failureThreshold"]
    assert budget > 300
    problem = only(service, "KN-START-2")
    assert problem.path == f"{ANN}.serving.knative.dev/progress-deadline"
    assert f"up to {budget}s" in problem.message
    del annotations(service)["serving.knative.dev/progress-deadline"]  # cluster default 600 s
    assert budget <= ClusterSettings().progress_deadline_seconds
    assert found(service, "KN-START-2") == []


# --------------------------------------------------------------------------- env, images, resources


@pytest.mark.parametrize(
    ("name", "value", "secret"),
    [
        ("HF_TOKEN", "abc123", True),
        ("OPENAI_API_KEY", "x", True),
        ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI", True),
        ("DB_PASSWORD", "hunter2", True),
        ("GCP_CREDENTIALS", "{...}", True),
        ("ANYTHING", "AKIA" + "A" * 16, True),  # the shape of an AWS access key id
        ("TOKENIZERS_PARALLELISM", "false", False),
        ("MAX_TOTAL_TOKENS", "4096", False),
        ("TOKENIZER_PATH", "meta-llama/tok", False),
        ("HF_TOKEN", "", False),
        ("HF_TOKEN_PATH", "/var/run/secrets/hf", False),
        ("PASSWORD_RETRIES", "3", False),
    ],
)
def test_literal_secret_detection(name: str, value: str, secret: bool) -> None:
    assert is_literal_secret(name, value) is secret


def test_literal_secret_in_env_is_an_error() -> None:
    service = good_service()
    container(service)["env"].append({"name": "HF_TOKEN", "value": "abc123"})
    problem = only(service, "KN-MODEL-2")
    assert problem.severity == "error"
    assert problem.path == f"{C0}.env[{len(container(service)['env']) - 1}].value"
    assert "abc123" not in str(problem)  # never echo the secret


def test_secret_key_ref_is_fine() -> None:
    service = good_service()
    _, entry = env_entry(service, "AWS_SECRET_ACCESS_KEY")
    assert "valueFrom" in entry
    assert found(service, "KN-MODEL-2") == []


@pytest.mark.parametrize(
    ("where", "text"),
    [
        ("env", "https://huggingface.co/meta-llama/Meta-Llama-3-8B"),
        ("args", "--model=hf://meta-llama/Meta-Llama-3-8B"),
        ("command", "https://ollama.com/library/llama3"),
    ],
)
def test_hub_uri_is_an_error(where: str, text: str) -> None:
    service = good_service()
    c = container(service)
    if where == "env":
        c["env"].append({"name": "MODEL_ID", "value": text})
        at = f"{C0}.env[{len(c['env']) - 1}].value"
    else:
        c[where] = ["serve", text]
        at = f"{C0}.{where}[1]"
    problem = [p for p in found(service, "KN-MODEL-4") if p.severity == "error"]
    assert [p.path for p in problem] == [at]


@pytest.mark.parametrize("value", [None, "0", "false"])
def test_hugging_face_not_offline(value: str | None) -> None:
    service = good_service()
    index, entry = env_entry(service, "HF_HUB_OFFLINE")
    if value is None:
        del container(service)["env"][index]
        at = f"{C0}.env"
    else:
        entry["value"] = value
        at = f"{C0}.env[{index}].value"
    problem = only(service, "KN-MODEL-4")
    assert (problem.path, problem.severity) == (at, "warning")


@pytest.mark.parametrize(
    ("image", "flagged"),
    [("example/server:latest", True), ("example/server", True), ("example/server:1.2", True), (None, False)],
)
def test_unpinned_images(image: str | None, flagged: bool) -> None:
    service = good_service()
    if image is not None:
        container(service)["image"] = image
    problems = found(service, "KN-IMAGE-1")
    assert [p.path for p in problems] == ([f"{C0}.image"] if flagged else [])


def test_gpu_placement_without_gpu_limits() -> None:
    service = good_service()
    del container(service)["resources"]["limits"]["nvidia.com/gpu"]
    problem = [p for p in found(service, "KN-GPU-1") if p.severity == "error"]
    assert [p.path for p in problem] == [f"{C0}.resources.limits"]


def test_gpu_requested_but_not_limited() -> None:
    service = good_service()
    resources = container(service)["resources"]
    resources["requests"]["nvidia.com/gpu"] = resources["limits"].pop("nvidia.com/gpu")
    problem = [p for p in found(service, "KN-GPU-1") if p.severity == "error"]
    assert [p.path for p in problem] == [f"{C0}.resources.requests.nvidia.com/gpu"]


def test_gpu_service_without_cpu_request() -> None:
    service = good_service()
    del container(service)["resources"]["requests"]["cpu"]
    problem = only(service, "KN-GPU-1")
    assert (problem.path, problem.severity) == (f"{C0}.resources.requests", "warning")


def test_missing_name_label() -> None:
    service = good_service()
    del service["metadata"]["labels"]["app.kubernetes.io/name"]
    del service["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"]
    assert only(service, "KN-OPS-1").path == "metadata.labels"


# --------------------------------------------------------------------------- GPU scope


def test_gpu_detection() -> None:
    assert is_gpu_service(pod_spec(good_service()))
    plain = {"containers": [{"image": "nginx", "resources": {"limits": {"cpu": "1"}}}]}
    assert not is_gpu_service(plain)
    for resource in ("nvidia.com/gpu", "amd.com/gpu", "gpu.intel.com/i915", "nvidia.com/mig-1g.5gb"):
        assert is_gpu_service({"containers": [{"resources": {"requests": {resource: 1}}}]}), resource
    for label in ("gpu.nvidia.com/class", "nvidia.com/gpu.product", "cloud.google.com/gke-accelerator"):
        assert is_gpu_service({**plain, "nodeSelector": {label: "x"}}), label
        term = {"matchExpressions": [{"key": label, "operator": "In", "values": ["x"]}]}
        required = {
            "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [term]}}
        }
        assert is_gpu_service({**plain, "affinity": required}), label
    assert is_gpu_service({**plain, "runtimeClassName": "nvidia"})


def test_what_is_not_gpu_placement() -> None:
    plain: dict[str, Any] = {"containers": [{"image": "nginx"}]}
    # keeping a pod OFF GPU nodes is the opposite of GPU placement
    away = {"matchExpressions": [{"key": "nvidia.com/gpu.present", "operator": "DoesNotExist"}]}
    affinity = {
        "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [away]}}
    }
    assert not is_gpu_service({**plain, "affinity": affinity})
    # a toleration lets a pod onto GPU nodes, it does not put it there
    assert not is_gpu_service({**plain, "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists"}]})
    # a node pool that happens to be called gpu-something is a guess, not a GPU label
    assert not is_gpu_service({**plain, "nodeSelector": {"cloud.example.com/pool": "gpu-pool"}})
    # pod anti-affinity on an app label is not node placement
    anti = {
        "podAntiAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {
                    "labelSelector": {"matchExpressions": [{"key": "gpu-job", "operator": "Exists"}]},
                    "topologyKey": "kubernetes.io/hostname",
                }
            ]
        }
    }
    assert not is_gpu_service({**plain, "affinity": anti})


def _web(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "metadata": {"name": "web"},
        "spec": {
            "template": {
                "spec": {
                    "containers": [{"image": "nginx:latest", "ports": [{"containerPort": 8080}]}],
                    **spec,
                }
            }
        },
    }


def test_practices_skip_services_that_are_not_inference() -> None:
    # no timeout, an unpinned image, containerConcurrency 1 at 70 %: none of it is judged on a web app
    assert practice_problems(_web(containerConcurrency=1)) == []
    # Knative's own rules still apply to it
    assert [p.code for p in lint_manifest(_web(containerConcurrency=-1))] == ["KNATIVE-CONTAINER-CONCURRENCY"]


def test_the_library_label_declares_an_inference_service() -> None:
    service = _web(containerConcurrency=1)
    service["metadata"]["labels"] = {"kn-constructs.io/model": "llama"}
    codes = {p.code for p in practice_problems(service)}
    assert {"KN-SHUT-2", "KN-IMAGE-1", "KN-CONC-3"} <= codes
    # the GPU-only rules need a GPU the manifest shows
    assert not codes & {r.id for r in LINT_RULES if r.scope == "gpu"}


def test_gpu_placement_alone_makes_an_inference_service() -> None:
    service = _web(nodeSelector={"nvidia.com/gpu.product": "NVIDIA-L4"})
    problem = only(service, "KN-GPU-1")
    assert (problem.severity, problem.path) == ("error", f"{C0}.resources.limits")


# --------------------------------------------------------------------------- robustness

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=30,
)
_keys = st.sampled_from(
    [
        "containers",
        "env",
        "readinessProbe",
        "livenessProbe",
        "startupProbe",
        "resources",
        "image",
        "args",
        "containerConcurrency",
        "timeoutSeconds",
        "annotations",
        "affinity",
        "periodSeconds",
        "name",
        "value",
    ]
)


_annotation_keys = st.sampled_from(
    [
        "autoscaling.knative.dev/class",
        "autoscaling.knative.dev/metric",
        "autoscaling.knative.dev/target",
        "autoscaling.knative.dev/max-scale",
        "autoscaling.knative.dev/panic-threshold-percentage",
        "serving.knative.dev/progress-deadline",
        UTIL,
    ]
)


@settings(max_examples=200, deadline=None)
@given(
    spec=st.dictionaries(_keys, _json, max_size=6),
    container_fields=st.dictionaries(_keys, _json, max_size=6),
    ann=st.dictionaries(_annotation_keys, st.text(max_size=6) | _json),
)
def test_the_linter_never_crashes_on_odd_shapes(
    spec: dict[str, Any], container_fields: dict[str, Any], ann: dict[str, Any]
) -> None:
    service = {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "metadata": {"name": "x"},
        "spec": {
            "template": {"metadata": {"annotations": ann}, "spec": {**spec, "containers": [container_fields]}}
        },
    }
    codes = {r.id for r in LINT_RULES} | set(KNATIVE_RULES)
    for problem in lint_manifest(service):
        assert problem.code in codes
        assert problem.severity in ("error", "warning")


# --------------------------------------------------------------------------- KN-IMAGE-1: resolver schemes


@pytest.mark.parametrize(
    "image",
    [
        "ko://github.com/example/llm-router/cmd/router",
        "ko://knative.dev/serving/test/test_images/helloworld",
        "kind.local/router-" + "0" * 8 + ":" + "ab" * 32,
        "ko.local/helloworld:" + "0123456789abcdef" * 4,
    ],
)
def test_images_a_resolver_pins_are_not_reported_kn_image_1(image: str) -> None:
    service = good_service()
    container(service)["image"] = image
    assert found(service, "KN-IMAGE-1") == []


@pytest.mark.parametrize(
    ("image", "why"),
    [
        ("ko.local/helloworld:latest", "the tag 'latest' moves"),
        ("kind.local/router", "the tag 'latest' moves"),
        ("vllm/vllm-openai:v0.9.1", "the tag 'v0.9.1' can move"),
        ("localhost:5000/llm-server", "the tag 'latest' moves"),
    ],
)
def test_tags_still_move_kn_image_1(image: str, why: str) -> None:
    service = good_service()
    container(service)["image"] = image
    assert only(service, "KN-IMAGE-1").message == f"image is not pinned by digest: {why}"


# --------------------------------------------------------------------------- KN-MODEL-4: hub model ids

LLAMA = "meta-llama/Meta-Llama-3.1-8B-Instruct"


def _engine_service(
    image: str,
    *,
    command: list[str] | None = None,
    args: list[str] | None = None,
    env: dict[str, str] | None = None,
) -> dict[str, Any]:
    service = good_service()
    served = container(service)
    served["image"] = image
    for key, value in (("command", command), ("args", args)):
        if value is not None:
            served[key] = value
    # the planned service is offline; these engines are not, unless a test says so
    served["env"] = [{"name": k, "value": v} for k, v in (env or {}).items()]
    return service


def _hub_id_problem(service: dict[str, Any]) -> Problem:
    problem = only(service, "KN-MODEL-4")
    assert problem.severity == "error"
    return problem


@pytest.mark.parametrize(
    ("command", "args", "at"),
    [
        (["vllm", "serve"], [LLAMA, "--max-model-len", "8192"], "args[0]"),
        (None, ["--model", LLAMA, "--port", "8080"], "args[1]"),
        (["python3", "-m", "vllm.entrypoints.openai.api_server"], [f"--model={LLAMA}"], "args[0]"),
        (None, [LLAMA, "--port", "8080"], "args[0]"),  # vllm/vllm-openai's entrypoint is `vllm serve`
        (["/bin/sh", "-c"], [f"vllm serve {LLAMA} --port 8080 --gpu-memory-utilization 0.9"], "args[0]"),
    ],
)
def test_vllm_model_from_the_hub_kn_model_4(command: list[str] | None, args: list[str], at: str) -> None:
    problem = _hub_id_problem(_engine_service("vllm/vllm-openai:v0.9.1", command=command, args=args))
    assert (problem.path, problem.value) == (f"{C0}.{at}", LLAMA)
    assert "downloads meta-llama/Meta-Llama-3.1-8B-Instruct from the Hugging Face Hub" in problem.message


def test_tgi_model_id_in_env_or_flag_kn_model_4() -> None:
    image = "ghcr.io/huggingface/text-generation-inference:2.4.1"
    problem = _hub_id_problem(_engine_service(image, env={"MODEL_ID": LLAMA}))
    assert (problem.path, problem.value) == (f"{C0}.env[0].value", LLAMA)
    problem = _hub_id_problem(
        _engine_service(image, args=["--model-id", "mistralai/Mistral-7B-Instruct-v0.3"])
    )
    assert (problem.path, problem.value) == (f"{C0}.args[1]", "mistralai/Mistral-7B-Instruct-v0.3")


def test_sglang_model_path_kn_model_4() -> None:
    service = _engine_service(
        "lmsysorg/sglang:v0.4.6",
        command=["python3", "-m", "sglang.launch_server"],
        args=["--model-path", "Qwen/Qwen2.5-7B-Instruct", "--port", "8080"],
    )
    assert _hub_id_problem(service).path == f"{C0}.args[1]"


def test_kubernetes_variable_references_are_expanded_kn_model_4() -> None:
    service = _engine_service(
        "vllm/vllm-openai:v0.9.1",
        command=["vllm", "serve"],
        args=["$(MODEL)", "--port", "8080"],
        env={"MODEL": LLAMA},
    )
    assert _hub_id_problem(service).value == LLAMA
    # $$ escapes: the server is given the literal text $(MODEL), not the model
    service = _engine_service(
        "vllm/vllm-openai:v0.9.1", command=["vllm", "serve"], args=["$$(MODEL)"], env={"MODEL": LLAMA}
    )
    assert [p for p in found(service, "KN-MODEL-4") if p.severity == "error"] == []


def test_hf_model_id_and_init_container_downloads_kn_model_4() -> None:
    service = _engine_service("registry.example.com/custom-server:1", env={"HF_MODEL_ID": LLAMA})
    assert _hub_id_problem(service).path == f"{C0}.env[0].value"
    service = good_service()
    pod_spec(service)["initContainers"] = [
        {
            "name": "fetch",
            "image": "python:3.12-slim",
            "command": ["sh", "-c"],
            "args": [
                f"pip install -q huggingface_hub && huggingface-cli download {LLAMA} --local-dir /models"
            ],
        }
    ]
    problem = _hub_id_problem(service)
    assert problem.path == f"{SPEC}.initContainers[0].args[0]"


@pytest.mark.parametrize(
    "env",
    [
        {"HF_HUB_OFFLINE": "1"},
        {"TRANSFORMERS_OFFLINE": "1"},
        {"HF_HUB_OFFLINE": "1", "HF_HOME": "/models/hf"},
        {"HF_ENDPOINT": "https://artifactory.example.com/api/huggingfaceml/hf-remote"},
    ],
)
def test_offline_or_a_private_mirror_is_not_a_hub_download_kn_model_4(env: dict[str, str]) -> None:
    service = _engine_service("vllm/vllm-openai:v0.9.1", command=["vllm", "serve"], args=[LLAMA], env=env)
    assert [p for p in found(service, "KN-MODEL-4") if p.severity == "error"] == []


@pytest.mark.parametrize(
    "model",
    ["/models/llama-3.1-8b", "./llama", "s3://models/llama-3.1-8b", "models/llama.gguf", "llama", "$(MODEL)"],
)
def test_local_paths_and_urls_are_not_hub_ids_kn_model_4(model: str) -> None:
    service = _engine_service("vllm/vllm-openai:v0.9.1", command=["vllm", "serve"], args=[model])
    assert [p for p in found(service, "KN-MODEL-4") if "Hugging Face Hub" in p.message] == []


def test_an_unknown_program_with_a_model_flag_is_not_guessed_kn_model_4() -> None:
    service = _engine_service("ghcr.io/berriai/litellm:main-v1.40.0", args=["--model", "openai/gpt-4o"])
    assert [p for p in found(service, "KN-MODEL-4") if "Hugging Face Hub" in p.message] == []


@given(st.text(max_size=40))
def test_hub_ids_have_the_org_name_shape(text: str) -> None:
    if is_hub_model_id(text):
        org, name = text.split("/")
        assert org and name and "://" not in text and not text.startswith((".", "/"))


# --------------------------------------------------------------------------- one finding per code


def test_each_code_at_most_once_per_service() -> None:
    service = good_service()
    served = container(service)
    served["image"] = "vllm/vllm-openai:latest"
    served["env"] = [
        {"name": "HF_TOKEN", "value": "hf_" + "a" * 34},
        {"name": "API_KEY", "value": "sk-live-abcdefabcdef"},
        {"name": "MODEL_URI", "value": "hf://" + LLAMA},
    ]
    served["args"] = ["--model", LLAMA]
    pod_spec(service)["initContainers"] = [{"name": "warm", "image": "busybox"}]
    problems = practice_problems(service, settings=GPU_CLUSTER)
    codes = [p.code for p in problems]
    assert len(codes) == len(set(codes)), codes
    secrets = only(service, "KN-MODEL-2")
    assert "HF_TOKEN" in secrets.message and "API_KEY" in secrets.message
    assert "initContainers[0].image" in only(service, "KN-IMAGE-1").message
