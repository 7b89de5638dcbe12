"""Readiness, liveness and startup probes for a model server (KN-PROBE-1..3, KN-START-1).

* Readiness (KN-PROBE-1): an HTTP probe on a path the server passes only once the
  model is loaded and it can serve; short period (1..9 s) and a small failure
  threshold, so an unready pod is found fast (KN-PROBE-3). Knative runs it from
  queue-proxy.
* Liveness (KN-PROBE-2): a safety net, far more tolerant than readiness: unready
  beats dead. It must never fire before readiness could.
* Startup: covers the model load, so liveness never kills a loading pod. Knative
  passes it through unchanged, so it names the port explicitly.

Defaults follow the Open Inference Protocol (``/v2/health/ready``,
``/v2/health/live``: Triton, KServe, MLServer). For servers with one health
endpoint (vLLM, TGI: ``/health``) use :meth:`Probes.single_path`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from kn_constructs._boundary import checked, checked_dataclass
from kn_constructs.errors import Problem

__all__ = ["Probes"]

#: Readiness period x failure threshold above this many seconds warns (KN-PROBE-3).
READINESS_DETECTION_WARN_SECONDS = 10

#: What ``0`` becomes: Knative's ``applyReadinessProbeDefaults`` (readiness, with a period set)
#: and Kubernetes' ``SetDefaults_Probe`` (liveness, startup) default it before validating.
_ZERO_MEANS: dict[str, int] = {
    "readiness_failure_threshold": 3,
    "readiness_timeout_seconds": 1,
    "liveness_period_seconds": 10,
    "liveness_failure_threshold": 3,
    "liveness_timeout_seconds": 1,
    "startup_period_seconds": 10,
}


@checked_dataclass
@dataclass(frozen=True)
class Probes:
    """Probe settings. All times in whole seconds.

    Attributes:
        readiness_path: HTTP path that answers 2xx only when the model can serve.
            Default ``/v2/health/ready``.
        liveness_path: HTTP path that answers 2xx while the process is healthy.
            Default ``/v2/health/live``.
        readiness_period_seconds: Readiness period. Default 2; allowed 1..9 (KN-PROBE-1:
            below Kubernetes' default of 10). Knative's ``0`` (aggressive probing) is not
            offered: it gives up the failure threshold.
        readiness_failure_threshold: Failures before unready. Default 3; >= 0 (0: Knative
            defaults it to 3).
        readiness_timeout_seconds: Per-probe timeout. Default 1; >= 0 (0: Knative defaults
            it to 1).
        liveness_period_seconds: Liveness period. Default 10; >= 0 (0: Kubernetes' 10).
        liveness_failure_threshold: Failures before a restart. Default 6 (a minute).
            >= 0 (0: Kubernetes' 3).
        liveness_timeout_seconds: Per-probe timeout. Default 5; >= 0 (0: Kubernetes' 1).
        startup_period_seconds: Startup probe period. Default 5; >= 0 (0: Kubernetes' 10). Its failure
            threshold is derived so the probe tolerates the service's progress
            deadline (worst-case startup with margin, KN-START-2).
    """

    readiness_path: str = "/v2/health/ready"
    liveness_path: str = "/v2/health/live"
    readiness_period_seconds: int = 2
    readiness_failure_threshold: int = 3
    readiness_timeout_seconds: int = 1
    liveness_period_seconds: int = 10
    liveness_failure_threshold: int = 6
    liveness_timeout_seconds: int = 5
    startup_period_seconds: int = 5

    @classmethod
    @checked
    def single_path(cls, path: str = "/health") -> Probes:
        """Probes for servers with one health endpoint that turns 200 once loaded (vLLM, TGI)."""
        return cls(readiness_path=path, liveness_path=path)

    @property
    def readiness_detection_seconds(self) -> int:
        """Worst time for a pod that stopped being able to serve to be marked unready."""
        return self.readiness_period_seconds * self._effective("readiness_failure_threshold")

    @property
    def liveness_detection_seconds(self) -> int:
        """Time of failing liveness probes before the container is restarted."""
        return self._effective("liveness_period_seconds") * self._effective("liveness_failure_threshold")

    def _effective(self, name: str) -> int:
        """The value Knative or Kubernetes uses: ``0`` is their default (:data:`_ZERO_MEANS`)."""
        value: int = getattr(self, name)
        return _ZERO_MEANS[name] if value == 0 else value

    def render(self, *, port: int, startup_budget_seconds: int) -> dict[str, dict[str, object]]:
        """The three probe blocks for the serving container.

        Args:
            port: The container port (named explicitly in every probe).
            startup_budget_seconds: How long the startup probe must tolerate.
        """
        startup_failures = max(
            1, math.ceil(startup_budget_seconds / self._effective("startup_period_seconds"))
        )
        return {
            "readinessProbe": {
                "httpGet": {"path": self.readiness_path, "port": port},
                "periodSeconds": self.readiness_period_seconds,
                "failureThreshold": self.readiness_failure_threshold,
                "timeoutSeconds": self.readiness_timeout_seconds,
                "successThreshold": 1,
            },
            "livenessProbe": {
                "httpGet": {"path": self.liveness_path, "port": port},
                "periodSeconds": self.liveness_period_seconds,
                "failureThreshold": self.liveness_failure_threshold,
                "timeoutSeconds": self.liveness_timeout_seconds,
            },
            "startupProbe": {
                "httpGet": {"path": self.readiness_path, "port": port},
                "periodSeconds": self.startup_period_seconds,
                "failureThreshold": startup_failures,
                "timeoutSeconds": self.readiness_timeout_seconds,
            },
        }

    def problems(self, path: str = "probes") -> list[Problem]:
        """Check the practice rules on probes."""
        found: list[Problem] = []
        for name in ("readiness_path", "liveness_path"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.startswith("/"):
                found.append(
                    Problem(
                        "KN-PROBE-1",
                        f"{path}.{name}",
                        f"invalid value: {value}",
                        value=value,
                        allowed="an absolute HTTP path",
                        hint="e.g. /v2/health/ready",
                    )
                )
        if not 1 <= self.readiness_period_seconds < 10:
            found.append(
                Problem(
                    "KN-PROBE-1",
                    f"{path}.readiness_period_seconds",
                    f"expected 1 <= {self.readiness_period_seconds} <= 9",
                    value=self.readiness_period_seconds,
                    allowed="1..9 seconds",
                    hint="probe readiness often: Kubernetes' default of 10 s is too slow",
                )
            )
        for name in (
            "readiness_failure_threshold",
            "readiness_timeout_seconds",
            "liveness_period_seconds",
            "liveness_failure_threshold",
            "liveness_timeout_seconds",
            "startup_period_seconds",
        ):
            value = getattr(self, name)
            if value >= 0:
                continue  # 0 is defaulted (Knative for readiness, Kubernetes for the others)
            if name.startswith("readiness_"):
                # validateReadinessProbe (k8s_validation.go), after Knative's defaulting.
                found.append(
                    Problem(
                        "KNATIVE-PROBE",
                        f"{path}.{name}",
                        f"expected 1 <= {value} <= 2147483647",
                        value=value,
                        allowed=">= 1 (0 = the default)",
                    )
                )
            else:
                # Kubernetes' validateProbe: Knative passes liveness/startup numbers through.
                found.append(
                    Problem(
                        "K8S-PROBE",
                        f"{path}.{name}",
                        f"Invalid value: {value}: must be greater than or equal to 0",
                        value=value,
                        allowed=">= 0 (0 = the Kubernetes default)",
                        hint="the API server refuses the Deployment Knative creates: the pods never start",
                    )
                )
        if found:
            return found
        if self.readiness_detection_seconds > READINESS_DETECTION_WARN_SECONDS:
            found.append(
                Problem(
                    "KN-PROBE-3",
                    f"{path}.readiness_failure_threshold",
                    f"an unready pod can look ready for {self.readiness_detection_seconds}s"
                    f" ({self.readiness_period_seconds}s x {self.readiness_failure_threshold})",
                    value=self.readiness_failure_threshold,
                    allowed=f"period x threshold <= {READINESS_DETECTION_WARN_SECONDS}s",
                    hint="shorten the period or lower the failure threshold",
                    severity="warning",
                )
            )
        if self.liveness_detection_seconds <= self.readiness_detection_seconds:
            found.append(
                Problem(
                    "KN-PROBE-2",
                    f"{path}.liveness_failure_threshold",
                    f"liveness gives up after {self.liveness_detection_seconds}s, no later than"
                    f" readiness ({self.readiness_detection_seconds}s): pods would be restarted"
                    " before they could be marked unready",
                    value=self.liveness_failure_threshold,
                    allowed=f"liveness period x threshold > {self.readiness_detection_seconds}s",
                    hint="make liveness far more tolerant than readiness (e.g. 10 s x 6)",
                )
            )
        return found
