"""One router per resource."""

from layerwalk.api.routes import client, datasets, events, inputs, jobs, layers, networks

__all__ = ["client", "datasets", "events", "inputs", "jobs", "layers", "networks"]
