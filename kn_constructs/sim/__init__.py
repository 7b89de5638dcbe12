"""The autoscaler simulator: what a profile will do to latency, cold starts and GPU cost.

Pure Python (no cdk8s, no Node): run a request trace through Knative's autoscaler and a
model of one revision before deploying anything.

- :mod:`~kn_constructs.sim.kpa`: Knative's KPA pieces (targets, windows, decider,
  scale-to-zero), each matching Knative's behaviour;
- :mod:`~kn_constructs.sim.traces`: traces from CSV or token counts, and generators
  (Poisson, bursts, diurnal, on/off);
- :mod:`~kn_constructs.sim.distributions`: startup and service-time distributions;
- :mod:`~kn_constructs.sim.service_time`: :class:`ServiceCurve`, service time that grows with
  the requests a pod runs at once;
- :mod:`~kn_constructs.sim.simulate`: :func:`simulate`;
- :mod:`~kn_constructs.sim.recommend`: :func:`recommend`, a search of the profile space;
- :mod:`~kn_constructs.sim.plot`: one figure of a run (needs the ``plot`` extra).

Example::

    from kn_constructs import AutoscalerProfile
    from kn_constructs.sim import Distribution, simulate, traces

    trace = traces.poisson(2.0, 600, service=Distribution.lognormal(1.5, 0.5), seed=1)
    result = simulate(trace, AutoscalerProfile.from_startup(20), seed=1)  # startup 20 s from the profile
    print(result.summary.latency_p99_seconds, result.summary.gpu_seconds)
"""

from kn_constructs.sim import traces
from kn_constructs.sim.distributions import Distribution
from kn_constructs.sim.recommend import Goal, Recommendation, SearchSpace, recommend
from kn_constructs.sim.service_time import ServiceCurve
from kn_constructs.sim.simulate import CONVENTIONS, SimulationResult, Summary, Timeline, simulate
from kn_constructs.sim.traces import TokenModel, Trace

__all__ = [
    "CONVENTIONS",
    "Distribution",
    "Goal",
    "Recommendation",
    "SearchSpace",
    "ServiceCurve",
    "SimulationResult",
    "Summary",
    "Timeline",
    "TokenModel",
    "Trace",
    "recommend",
    "simulate",
    "traces",
]
