"""Backends only map shards: in this process, or as Ray tasks. Each finished shard is stored at once."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable

from layerwalk.errors import LayerwalkError
from layerwalk.precompute.shard import compute_shard, to_bytes


def run_local(network, dataset, shards, params, layers, store, progress: Callable[[int], None]) -> None:
    for i, start, stop in shards:
        store.write_shard(i, to_bytes(compute_shard(network, dataset, start, stop, params, layers, progress)))


# --- Ray -----------------------------------------------------------------------------------------------------
_worker_networks: dict = {}  # per Ray worker process: the network built from a recipe, reused across tasks


def _network_recipe(network) -> dict:
    """What a worker needs to build the same network: the model itself (Ray's object store), its preprocessing."""
    return {"model": network.model, "input_size": tuple(network.input_size), "mean": tuple(network.mean),
            "std": tuple(network.std), "class_names": list(network.class_names), "name": network.name,
            "detail": network.graph.detail}


def _dataset_recipe(dataset):
    """A dataset spec is cheaper to ship than the dataset; datasets without a loadable spec travel whole."""
    spec = getattr(dataset, "spec", "")
    return ("spec", spec) if spec.split(":")[0] in ("photos", "fashion-mnist", "imagefolder") else ("object", dataset)


def _build(recipe_key: str, network_recipe: dict, dataset_recipe):
    if recipe_key not in _worker_networks:
        from layerwalk.data import load_dataset
        from layerwalk.engine import Network

        kind, value = dataset_recipe
        dataset = load_dataset(value) if kind == "spec" else value
        recipe = dict(network_recipe)
        model = recipe.pop("model")
        _worker_networks[recipe_key] = (Network(model, dataset=dataset, device="auto", **recipe), dataset)
    return _worker_networks[recipe_key]


def _shard_task(recipe_key, network_recipe, dataset_recipe, start, stop, params, layers) -> bytes:
    network, dataset = _build(recipe_key, network_recipe, dataset_recipe)
    return to_bytes(compute_shard(network, dataset, start, stop, params, layers))


def run_ray(network, dataset, shards, params, layers, store, progress, *, address: str | None = None) -> None:
    import ray

    if not ray.is_initialized():
        if address not in (None, "auto", "local") and not address.startswith("ray://"):
            _check_reachable(address)
        # a local instance stays on the loopback interface: nothing of it is reachable from elsewhere
        local = {"_node_ip_address": "127.0.0.1", "num_cpus": os.cpu_count()} if address is None else {}
        try:
            ray.init(address=address, include_dashboard=False, log_to_driver=False, **local)
        except (ConnectionError, RuntimeError, ValueError) as e:
            raise _unreachable(address, e) from None
    # A worker that dies mid-shard (preempted node, OOM kill) is retried; results are pure, so a retry is exact.
    # Each task asks for as many CPUs as it uses threads (capped by the largest node, or it would never start).
    largest_node = max(node["Resources"].get("CPU", 1) for node in ray.nodes() if node["Alive"])
    task = ray.remote(max_retries=5, num_cpus=min(params.threads, largest_node),
                      num_gpus=_gpus_per_task())(_shard_task)
    net_ref, data_ref = ray.put(_network_recipe(network)), ray.put(_dataset_recipe(dataset))
    pending = {task.remote(store.key, net_ref, data_ref, start, stop, params, layers): (i, stop - start)
               for i, start, stop in shards}
    while pending:
        done, _ = ray.wait(list(pending), num_returns=1)
        i, count = pending.pop(done[0])
        store.write_shard(i, ray.get(done[0]))
        progress(count)


def _check_reachable(address: str) -> None:
    """Fail in seconds, not after Ray's minutes of retries, when nothing listens at ``address`` (HOST:PORT)."""
    host, _, port = address.rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except (OSError, ValueError) as e:
        raise _unreachable(address, e) from None


def _unreachable(address, error) -> LayerwalkError:
    return LayerwalkError(f"could not reach a Ray cluster at {address!r}: {error}. Start one with `ray start --head` "
                          "and pass the address it prints, or omit --address for a local instance")


def _gpus_per_task() -> float:
    import ray

    gpus = ray.cluster_resources().get("GPU", 0)
    return 1 if gpus >= 1 else 0
