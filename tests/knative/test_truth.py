"""Issue 10: every refusal names its true authority; what Knative admits is admitted.

Each case cites the function it follows (knative/serving at knative-v1.23.0, go-containerregistry
v0.20.3, kubernetes/kubernetes). Construct and linter go through the same Knative layer, so they
agree on the code and its severity.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

import pytest
from cdk8s import App, Chart
from hypothesis import given
from hypothesis import strategies as st

from kn_constructs import GpuInferenceService, ValidationError
from kn_constructs.images import image_reference_error, parse_image_reference, unpinned_image_reason
from kn_constructs.knative import (
    DEFAULT_SETTINGS,
    check_config_autoscaler,
    check_config_defaults,
    check_manifest,
    check_revision_spec,
)
from kn_constructs.knative.names import (
    annotation_key_problems,
    env_name_problems,
    label_key_problems,
    label_value_problems,
)
from kn_constructs.knative.rules import K8S_RULES, KNATIVE_RULES, RECONCILE_RULES, RULES
from kn_constructs.knative.settings import ClusterSettings
from kn_constructs.lint.linter import lint_manifest
from tests.helpers import contract_props

HEX = "0123456789abcdef" * 4
SPEC = "spec.template.spec"


def service(container: dict[str, Any] | None = None, **metadata: Any) -> dict[str, Any]:
    return {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "metadata": {"name": "llama", **metadata},
        "spec": {
            "template": {
                "spec": {"containers": [{"image": "registry.example.com/llm:1", **(container or {})}]}
            }
        },
    }


def codes(problems: list[Any]) -> list[tuple[str, str, str]]:
    return [(p.code, p.path, p.severity) for p in problems]


# --------------------------------------------------------------------------- rule tables


def test_every_rule_cites_its_source_and_authority() -> None:
    assert set(RULES) == set(KNATIVE_RULES) | set(K8S_RULES) | set(RECONCILE_RULES)
    for code, rule in KNATIVE_RULES.items():
        assert code.startswith("KNATIVE-") and rule.authority == "knative" and rule.source
    for code, rule in K8S_RULES.items():
        assert code.startswith("K8S-") and rule.authority == "kubernetes"
        assert "validation" in rule.source  # a Kubernetes validation file or function
    for code, rule in RECONCILE_RULES.items():
        assert code.startswith("KNATIVE-RECONCILE-") and rule.authority == "reconcile"
        assert "pkg/reconciler/" in rule.source


# --------------------------------------------------------------------------- images (item 2)

IMAGE_CASES = [
    # (image, refused, why): k8s_validation.go validate -> name.ParseReference(WeakValidation)
    (f"registry.example.com/LLM-Server@sha256:{HEX}", True, "repository can only contain"),
    ("registry.example.com/llm-server@sha256:abc", True, "invalid checksum digest length"),
    (f"registry.example.com/llm-server@sha256:{HEX.upper()}", True, "invalid checksum digest format"),
    (f"registry.example.com/llm-server@sha512:{HEX}{HEX}", True, "unsupported digest algorithm"),
    ("foo:bar:baz", True, "repository can only contain"),
    ("registry.example.com/a:v1", True, "repository must be between 2 and 255"),
    ("registry.example.com:port/llm:v1", True, "RFC 3986"),
    ("registry.example.com/llm:" + "v" * 129, True, "tag must be between 1 and 128"),
    (f"registry.example.com/llm-server@sha256:{HEX}", False, ""),
    (f"registry.example.com/llm-server:v1@sha256:{HEX}", False, ""),
    ("localhost:5000/team/llm:v1.2_3-rc", False, ""),
    ("nginx", False, ""),
    ("nginx:", False, ""),  # an empty tag is not checked under weak validation: latest
    ("[::1]:5000/llm", False, ""),
]


@pytest.mark.parametrize(("image", "refused", "why"), IMAGE_CASES)
def test_image_references_parse_as_knative_parses_them(image: str, refused: bool, why: str) -> None:
    found = [p for p in check_manifest(service({"image": image})) if p.code == "KNATIVE-IMAGE"]
    if refused:
        (problem,) = found
        assert (problem.path, problem.severity) == (f"{SPEC}.containers[0].image", "error")
        assert problem.message == (
            f'Failed to parse image reference: image: "{image}", error: could not parse reference: {image}'
        )
        assert why in (problem.hint or "")
    else:
        assert found == []


@pytest.mark.parametrize(("image", "refused", "why"), IMAGE_CASES[:5])
def test_the_linter_reports_unparsable_images(image: str, refused: bool, why: str) -> None:
    found = [p for p in lint_manifest(service({"image": image})) if p.code == "KNATIVE-IMAGE"]
    assert codes(found) == [("KNATIVE-IMAGE", f"{SPEC}.containers[0].image", "error")]


@pytest.mark.parametrize(("image", "refused", "why"), IMAGE_CASES[:5])
def test_the_construct_refuses_unparsable_images(tmp_path: Path, image: str, refused: bool, why: str) -> None:
    chart = Chart(App(outdir=str(tmp_path)), "c")
    with pytest.raises(ValidationError) as info:
        GpuInferenceService(chart, "llama", **contract_props(image=image))
    (problem,) = info.value.find("KNATIVE-IMAGE", "llama.image")
    assert problem.severity == "error" and why in (problem.hint or "")


def test_pinned_means_a_valid_sha256_digest() -> None:
    assert unpinned_image_reason(f"registry.example.com/llm@sha256:{HEX}") is None
    assert unpinned_image_reason(f"registry.example.com/llm@sha256:{HEX.upper()}") == "the tag 'latest' moves"
    assert unpinned_image_reason("registry.example.com/llm:v1") == "the tag 'v1' can move"


_LOWER = string.ascii_lowercase + string.digits
_component = st.text(_LOWER, min_size=2, max_size=12)
_tag = st.text(string.ascii_letters + string.digits + "_.-", min_size=1, max_size=128)
_hex = st.text("0123456789abcdef", min_size=64, max_size=64)


@st.composite
def valid_refs(draw: st.DrawFn) -> str:
    registry = draw(st.sampled_from(["", "registry.example.com/", "localhost:5000/", "ghcr.io/"]))
    path = "/".join(draw(st.lists(_component, min_size=1, max_size=3)))
    tag = draw(st.one_of(st.just(""), _tag.map(lambda t: ":" + t)))
    digest = draw(st.one_of(st.just(""), _hex.map(lambda h: "@sha256:" + h)))
    return registry + path + tag + digest


@given(valid_refs())
def test_property_refs_built_valid_parse(image: str) -> None:
    assert image_reference_error(image) is None
    ref = parse_image_reference(image)
    assert (ref.digest is not None) == ("@sha256:" in image)
    assert check_manifest(service({"image": image})) == []


@st.composite
def invalid_refs(draw: st.DrawFn) -> str:
    base = draw(valid_refs()).split("@")[0]
    breakage = draw(
        st.sampled_from(["upper", "short-digest", "upper-digest", "sha512", "two-colons", "long-tag"])
    )
    if breakage == "upper":
        head, _, last = base.rpartition("/")
        name = last.split(":")[0]
        return (head + "/" if head else "") + name.upper() + "X" + f"@sha256:{HEX}"
    if breakage == "short-digest":
        return base + "@sha256:" + draw(st.text("0123456789abcdef", min_size=0, max_size=63))
    if breakage == "upper-digest":
        return base + "@sha256:" + draw(_hex.filter(lambda h: any(c in "abcdef" for c in h))).upper()
    if breakage == "sha512":
        return base + "@sha512:" + draw(_hex) + draw(_hex)
    if breakage == "two-colons":
        return base.split(":")[0] + ":a:b"
    return base.split(":")[0] + ":" + "t" * draw(st.integers(129, 200))


@given(invalid_refs())
def test_property_refs_built_invalid_are_refused(image: str) -> None:
    assert image_reference_error(image) is not None
    assert [p.code for p in check_manifest(service({"image": image}))] == ["KNATIVE-IMAGE"]


# --------------------------------------------------------------------------- labels (item 1)


def test_label_keys_and_values_are_kubernetes_rules() -> None:
    problems = check_manifest(service(labels={"bad key!": "x", "app.kubernetes.io/part-of": "bad value!"}))
    assert codes(problems) == [
        ("K8S-LABEL", "metadata.labels.bad key!", "error"),
        ("K8S-LABEL", "metadata.labels.app.kubernetes.io/part-of", "error"),
    ]
    assert codes(lint_manifest(service(labels={"bad key!": "x"})))[0] == (
        "K8S-LABEL",
        "metadata.labels.bad key!",
        "error",
    )


@pytest.mark.parametrize(
    ("key", "ok"),
    [("app", True), ("app.kubernetes.io/part-of", True), ("a/b/c", False), ("-x", False), ("x" * 64, False)],
)
def test_label_key_problems(key: str, ok: bool) -> None:
    found = label_key_problems("metadata.labels", key)
    assert (found == []) is ok
    assert all(p.code == "K8S-LABEL" for p in found)


@pytest.mark.parametrize(
    ("value", "ok"), [("", True), ("v1.2_3", True), ("x" * 64, False), ("a b", False), ("-a", False)]
)
def test_label_value_problems(value: str, ok: bool) -> None:
    assert (label_value_problems("metadata.labels.app", value) == []) is ok


def test_annotation_keys_are_checked_in_lower_case() -> None:
    assert annotation_key_problems("metadata.annotations", "Example.COM/Owner") == []
    (problem,) = annotation_key_problems("metadata.annotations", "bad key")
    assert problem.code == "K8S-ANNOTATION"


# --------------------------------------------------------------------------- false refusals (item 2)


def test_env_name_1bad_is_valid_relaxed_names_kubernetes_1_32() -> None:
    # ValidateEnv -> IsRelaxedEnvVarName: printable ASCII other than '='.
    assert env_name_problems("env[0].name", "1BAD") == []
    spec = {"containers": [{"image": "registry.example.com/llm:1", "env": [{"name": "1BAD", "value": "x"}]}]}
    assert check_revision_spec(spec) == []
    (problem,) = env_name_problems("env[0].name", "A=B")
    assert problem.code == "K8S-ENV"


def test_construct_accepts_env_1bad(tmp_path: Path) -> None:
    chart = Chart(App(outdir=str(tmp_path)), "c")
    service_ = GpuInferenceService(chart, "llama", **contract_props(env={"1BAD": "x"}))
    assert service_ is not None


@pytest.mark.parametrize(
    "probe",
    [
        {"httpGet": {}, "periodSeconds": 0, "failureThreshold": 0, "timeoutSeconds": 0},
        {"tcpSocket": {}, "successThreshold": 1, "initialDelaySeconds": 0},
    ],
)
def test_liveness_and_startup_numbers_are_not_knatives_rule(probe: dict[str, Any]) -> None:
    # validateProbe (k8s_validation.go) checks the handler only; Kubernetes defaults 0.
    spec = {
        "containers": [{"image": "registry.example.com/llm:1", "livenessProbe": probe, "startupProbe": probe}]
    }
    assert [p for p in check_revision_spec(spec) if p.severity == "error"] == []


def test_negative_liveness_numbers_are_kubernetes_rules() -> None:
    probe = {"httpGet": {}, "periodSeconds": -1, "successThreshold": 2}
    spec = {"containers": [{"image": "registry.example.com/llm:1", "livenessProbe": probe}]}
    assert codes(check_revision_spec(spec)) == [
        ("K8S-PROBE", f"{SPEC}.containers[0].livenessProbe.periodSeconds", "error"),
        ("K8S-PROBE", f"{SPEC}.containers[0].livenessProbe.successThreshold", "error"),
    ]


def test_readiness_zero_is_defaulted_before_validation() -> None:
    # revision_defaults.go applyReadinessProbeDefaults: with periodSeconds set, 0 -> 3 and 1.
    probe = {
        "httpGet": {},
        "periodSeconds": 2,
        "timeoutSeconds": 0,
        "failureThreshold": 0,
        "successThreshold": 0,
    }
    spec = {"containers": [{"image": "registry.example.com/llm:1", "readinessProbe": probe}]}
    assert check_revision_spec(spec) == []


def test_port_name_empty_and_port_zero_are_allowed() -> None:
    # validateContainerPorts: validPortNames has ""; validateContainerPortBasic: 0..65535.
    spec = {
        "containers": [{"image": "registry.example.com/llm:1", "ports": [{"name": "", "containerPort": 0}]}]
    }
    assert check_revision_spec(spec) == []


def test_container_concurrency_zero_follows_allow_container_concurrency_zero() -> None:
    spec = {"containerConcurrency": 0, "containers": [{"image": "registry.example.com/llm:1"}]}
    assert check_revision_spec(spec) == []
    strict = ClusterSettings(allow_container_concurrency_zero=False)
    assert codes(check_revision_spec(spec, settings=strict)) == [
        ("KNATIVE-CONTAINER-CONCURRENCY", f"{SPEC}.containerConcurrency", "error")
    ]


@pytest.mark.parametrize("raw", ["inf", "+Inf", "Infinity"])
def test_max_scale_up_rate_inf_is_accepted(raw: str) -> None:
    # config.go validate refuses only `MaxScaleUpRate <= 1.0`; ParseFloat reads infinities.
    assert check_config_autoscaler({"max-scale-up-rate": raw}) == []


def test_tag_host_label_is_a_reconcile_time_error_in_construct_layer_and_linter() -> None:
    doc = service()
    doc["metadata"]["name"] = "m" * 50
    doc["spec"]["traffic"] = [{"latestRevision": True, "percent": 100, "tag": "canary-tag-long"}]
    expected = [("KNATIVE-RECONCILE-TAG-HOST", "spec.traffic[0].tag", "error")]
    assert codes(check_manifest(doc)) == expected
    assert [c for c in codes(lint_manifest(doc)) if c[0].startswith("KNATIVE")] == expected


# --------------------------------------------------------------------------- container-name-template


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{.Name}}", None),
        ("user-container", None),
        ("{{.Name}}-{{.Labels.app}}", None),
        (
            "{{.Nmae}}",
            'error executing template: template: container-template:1:2: executing "container-template" '
            "at <.Nmae>: can't evaluate field Nmae in type v1.ObjectMeta",
        ),
        ("{{.Name", "template: container-template:1: unclosed action"),
        ("{{lower .Name}}", 'template: container-template:1: function "lower" not defined'),
    ],
)
def test_container_name_template_is_parsed_and_executed_like_knative(
    template: str, message: str | None
) -> None:
    # defaults.go asTemplate (Parse) and NewDefaultsConfigFromMap (Execute on ObjectMeta{}).
    for key in ("container-name-template", "init-container-name-template"):
        found = check_config_defaults({key: template})
        if message is None:
            assert found == []
        else:
            assert [(p.code, p.path, p.severity, p.message) for p in found] == [
                ("KNATIVE-CONFIGMAP", f"data.{key}", "error", message)
            ]


def test_template_this_port_does_not_evaluate_is_a_warning() -> None:
    (problem,) = check_config_defaults({"container-name-template": '{{printf "%s-x" .Name}}'})
    assert (problem.code, problem.severity) == ("KNATIVE-CONFIGMAP", "warning")


def test_cluster_settings_from_configmaps_refuse_a_bad_template() -> None:
    doc = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "config-defaults", "namespace": "knative-serving"},
        "data": {"container-name-template": "{{.Nope}}"},
    }
    with pytest.raises(ValidationError) as info:
        ClusterSettings.from_configmaps([doc])
    assert [(p.code, p.path) for p in info.value.problems] == [
        ("KNATIVE-CONFIGMAP", "config-defaults.data.container-name-template")
    ]


# --------------------------------------------------------------------------- cluster settings (item 3)


def test_issue_10_settings_no_cluster_can_hold_are_refused() -> None:
    with pytest.raises(ValidationError) as info:
        ClusterSettings(max_revision_timeout_seconds=1000, container_concurrency=1001)
    assert [(p.code, p.path, p.message) for p in info.value.problems] == [
        ("KNATIVE-CONFIGMAP", "container_concurrency", "expected 0 <= 1001 <= 1000")
    ]


@given(
    st.integers(-5, 1100),
    st.integers(-5, 1100),
    st.integers(1, 2000),
)
def test_property_settings_refused_exactly_when_config_defaults_is(
    cc: int, limit: int, max_timeout: int
) -> None:
    data = {
        "container-concurrency": str(cc),
        "container-concurrency-max-limit": str(limit),
        "max-revision-timeout-seconds": str(max_timeout),
    }
    knative_refuses = any(p.severity == "error" for p in check_config_defaults(data))
    try:
        ClusterSettings(
            container_concurrency=cc,
            container_concurrency_max_limit=limit,
            max_revision_timeout_seconds=max_timeout,
        )
    except ValidationError:
        refused = True
    else:
        refused = False
    assert refused is knative_refuses
    assert knative_refuses is (
        cc < 0 or limit < 1 or cc > limit or max_timeout < DEFAULT_SETTINGS.revision_timeout_seconds
    )


@pytest.mark.parametrize(("allow_zero", "rule"), [(True, None), (False, "KNATIVE-CONTAINER-CONCURRENCY")])
def test_construct_concurrency_zero_is_the_guides_rule_not_knatives(
    tmp_path: Path, allow_zero: bool, rule: str | None
) -> None:
    from kn_constructs.batching import Batching

    cluster = ClusterSettings(allow_container_concurrency_zero=allow_zero).with_features(
        {"kubernetes.podspec-affinity": "enabled"}
    )
    chart = Chart(App(outdir=str(tmp_path)), "c")
    batching = Batching(mode="none", container_concurrency=0, target=1)
    with pytest.raises(ValidationError) as info:
        GpuInferenceService(chart, "llama", **contract_props(batching=batching, cluster=cluster))
    (problem,) = info.value.find("KN-CONC-1", "llama.batching.container_concurrency")
    assert problem.rule == rule


def test_visibility_label_other_than_cluster_local_is_admitted_with_a_warning() -> None:
    # serving#12397 removed validateClusterVisibilityLabel; the Route stays public.
    (problem,) = check_manifest(service(labels={"networking.knative.dev/visibility": "public"}))
    assert (problem.code, problem.severity) == ("KNATIVE-LABEL", "warning")
    assert check_manifest(service(labels={"networking.knative.dev/visibility": "cluster-local"})) == []


_alnum = string.ascii_letters + string.digits
_name_part = st.builds(
    lambda first, middle, last: first + middle + last,
    st.sampled_from(_alnum),
    st.text(_alnum + "-_.", max_size=20),
    st.sampled_from(_alnum),
)


@given(
    st.one_of(
        _name_part,
        st.builds(lambda p, n: f"{p}.example.com/{n}", st.text(_LOWER, min_size=1, max_size=10), _name_part),
    ),
    st.one_of(st.just(""), _name_part),
)
def test_property_labels_built_valid_are_accepted(key: str, value: str) -> None:
    assert label_key_problems("metadata.labels", key) == []
    assert label_value_problems(f"metadata.labels.{key}", value) == []
    assert check_manifest(service(labels={key: value})) == []


@given(_name_part, st.sampled_from([" ", "!", "@", "#", "é"]), st.booleans())
def test_property_labels_built_invalid_are_kubernetes_errors(part: str, bad: str, in_key: bool) -> None:
    broken = part[: len(part) // 2] + bad + part[len(part) // 2 :]
    labels = {broken: "v"} if in_key else {"app": broken}
    found = check_manifest(service(labels=labels))
    assert {(p.code, p.severity) for p in found} == {("K8S-LABEL", "error")}


def test_unset_container_concurrency_is_defaulted_before_validation() -> None:
    # revision_defaults.go SetDefaults: nil -> config-defaults container-concurrency (0); then
    # ValidateContainerConcurrency refuses 0 when allow-container-concurrency-zero is false.
    spec = {"containers": [{"image": "registry.example.com/llm:1"}]}
    strict = ClusterSettings(allow_container_concurrency_zero=False)
    (problem,) = check_revision_spec(spec, settings=strict)
    assert (problem.code, problem.path, problem.message) == (
        "KNATIVE-CONTAINER-CONCURRENCY",
        f"{SPEC}.containerConcurrency",
        "expected 1 <= 0 <= 1000",
    )
    assert (
        check_revision_spec(
            spec, settings=ClusterSettings(allow_container_concurrency_zero=False, container_concurrency=4)
        )
        == []
    )
    assert check_revision_spec(spec) == []


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("cpu", True),
        ("ephemeral-storage", True),
        ("hugepages-2Mi", True),
        ("nvidia.com/gpu", True),
        ("gpu", False),
        ("requests.example.com/x", False),
        ("example.com/bad name", False),
    ],
)
def test_resource_names_are_kubernetes_rules(name: str, ok: bool) -> None:
    # validateContainerResourceName (pkg/apis/core/validation/validation.go).
    spec = {"containers": [{"image": "registry.example.com/llm:1", "resources": {"limits": {name: 1}}}]}
    found = check_revision_spec(spec)
    assert (found == []) is ok
    assert {p.code for p in found} <= {"K8S-RESOURCE"}
