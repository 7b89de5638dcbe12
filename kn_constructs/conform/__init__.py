"""``kn-constructs conform``: check a model server's container behaviour with real HTTP and signals.

It starts the server (``PORT`` set, as Knative does), and checks the container practices the
manifest cannot enforce: not ready before the model is loaded and ready after (with the time to
ready of each start, printed as an :class:`~kn_constructs.profile.AutoscalerProfile` line), liveness
while loading, a cancelled request that stops its work, the SIGTERM drain, and a start with no
network. Pure Python and standard library only: no cdk8s, jsii or Node is imported.
"""

from __future__ import annotations

from kn_constructs.conform.http import RequestSpec, Response
from kn_constructs.conform.run import (
    CHECKS,
    CheckInfo,
    CheckResult,
    ConformOptions,
    ConformReport,
    ConformUsageError,
    profile_line,
    run_conform,
)

__all__ = [
    "CHECKS",
    "CheckInfo",
    "CheckResult",
    "ConformOptions",
    "ConformReport",
    "ConformUsageError",
    "RequestSpec",
    "Response",
    "profile_line",
    "run_conform",
]
