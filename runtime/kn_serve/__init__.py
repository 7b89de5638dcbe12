"""kn_serve: the serving runtime for model servers on Knative Serving.

A model server adopts the guide's container practices in a few lines::

    from kn_serve import ModelServer

    server = ModelServer(load=load_model, self_test=check_model)

    @server.post("/v1/predict")
    def predict(ctx):
        return {"output": ctx.model(ctx.json()["input"])}

    server.run()

``kn-serve -- <engine command>`` gives an inference engine the same lifecycle. This package does
not import kn_constructs, cdk8s, jsii or Node: it installs into model server images on its own.
"""

from kn_serve.batching import Batcher
from kn_serve.cancel import CancelToken, RequestCancelled
from kn_serve.errors import ConfigError, Problem
from kn_serve.server import CLIENT_CLOSED_STATUS, ModelServer, RequestContext
from kn_serve.settings import (
    DEFAULT_HOST,
    DEFAULT_LIVE_PATH,
    DEFAULT_PORT,
    DEFAULT_READY_PATH,
    OFFLINE_ENV,
    Settings,
    set_offline_env,
)

__all__ = [
    "CLIENT_CLOSED_STATUS",
    "DEFAULT_HOST",
    "DEFAULT_LIVE_PATH",
    "DEFAULT_PORT",
    "DEFAULT_READY_PATH",
    "OFFLINE_ENV",
    "Batcher",
    "CancelToken",
    "ConfigError",
    "ModelServer",
    "Problem",
    "RequestCancelled",
    "RequestContext",
    "Settings",
    "set_offline_env",
]

__version__ = "0.1.0"
