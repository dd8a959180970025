"""deploy/: the image, the compose file and the Kubernetes manifests agree with the code.

Nothing here starts a container (CI has no image registry): each check reads the files
and holds them against the real pieces they name: the ``rtvi`` command line parses every
container command, the worker's bot file validates with the installed plugins, the drain
fits in the grace periods, the HPA scales on a metric the exporter serves, and every
Service selects a Deployment's pods.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from rtvi_core.cli.app import build_parser
from rtvi_core.config.loader import load_bot_file
from rtvi_core.server.server import CANCEL_GRACE_SECS

pytestmark = pytest.mark.rtvi_plugins  # the worker's bot file and `rtvi gateway` come with plugins

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
ROOT = DEPLOY.parent
ENVIRONMENT = {"RTVI_PUBLIC_URL": "http://10.0.0.7:7860", "RTVI_CLUSTER_SECRET": "s" * 32}


def manifests() -> list[dict[str, Any]]:
    return [doc for path in sorted((DEPLOY / "k8s").glob("*.yaml")) for doc in yaml.safe_load_all(path.read_text())]


def kind(name: str) -> list[dict[str, Any]]:
    return [doc for doc in manifests() if doc["kind"] == name]


def containers() -> list[tuple[str, list[str]]]:
    """(where, command) of every container: the Kubernetes Deployments, compose services, the image's CMD."""
    found = [
        (f"k8s {d['metadata']['name']}", c["command"])
        for d in kind("Deployment")
        for c in d["spec"]["template"]["spec"]["containers"]
        if "command" in c  # Redis runs its image's own
    ]
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    found += [(f"compose {name}", s["command"]) for name, s in compose["services"].items() if "command" in s]
    cmd = re.search(r"^CMD (\[.*\])$", (DEPLOY / "Dockerfile").read_text(), re.M)
    assert cmd, "the Dockerfile has an exec-form CMD"
    found.append(("Dockerfile CMD", yaml.safe_load(cmd.group(1))))
    return [(where, command) for where, command in found if command[0] == "rtvi"]


def worker_bot(monkeypatch: pytest.MonkeyPatch) -> Any:
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    return load_bot_file(DEPLOY / "worker.toml")


def test_every_container_command_parses_with_the_rtvi_command_line():
    commands = containers()
    assert {command[1] for _, command in commands} == {"run", "gateway"}
    parser = build_parser()
    for where, command in commands:
        try:
            parser.parse_args(command[1:])
        except SystemExit:
            pytest.fail(f"{where}: `{shlex.join(command)}` is not a valid rtvi command")


def test_the_worker_bot_file_validates_and_joins_a_cluster(monkeypatch: pytest.MonkeyPatch):
    config = worker_bot(monkeypatch)
    assert config.transport.name == "websocket"
    assert config.cluster is not None
    assert config.model.metrics.enabled


def test_the_image_installs_packages_of_this_repository():
    for line in (DEPLOY / "requirements.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            path = ROOT / line.split("[")[0]
            assert (path / "pyproject.toml").is_file(), f"deploy/requirements.txt: {line!r} is no package here"
    assert "COPY deploy/worker.toml" in (DEPLOY / "Dockerfile").read_text()


def test_the_drain_fits_in_the_grace_periods(monkeypatch: pytest.MonkeyPatch):
    drain = worker_bot(monkeypatch).transport.config.drain_timeout_secs
    (worker,) = [d for d in kind("Deployment") if d["metadata"]["name"] == "rtvi-worker"]
    pod = worker["spec"]["template"]["spec"]
    assert pod["terminationGracePeriodSeconds"] > drain + CANCEL_GRACE_SECS
    pre_stop = pod["containers"][0]["lifecycle"]["preStop"]["exec"]["command"]
    assert "kill -TERM 1" in pre_stop[-1]  # the drain starts in the hook, which waits for the worker to exit
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    for name, service in compose["services"].items():
        if name.startswith("worker"):
            grace = service.get("stop_grace_period") or compose["x-worker"]["stop_grace_period"]
            assert float(grace.rstrip("s")) > drain + CANCEL_GRACE_SECS


def test_the_autoscaler_scales_the_workers_on_a_metric_they_serve():
    from prometheus_client import generate_latest
    from prometheus_client.parser import text_string_to_metric_families
    from rtvi_prometheus.metrics import ServerMetrics

    (hpa,) = kind("HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"]["name"] == "rtvi-worker"
    (metric,) = hpa["spec"]["metrics"]
    name = metric["pods"]["metric"]["name"]
    scrape = generate_latest(ServerMetrics("voice-bot", active=lambda: 3, capacity=lambda: 20).registry).decode()
    values = {s.name: s.value for f in text_string_to_metric_families(scrape) for s in f.samples}
    assert values.get(name) == 3, f"the HPA's metric {name!r} is not a worker's live sessions"
    (worker,) = [d for d in kind("Deployment") if d["metadata"]["name"] == "rtvi-worker"]
    env = {e["name"]: e.get("value") for e in worker["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert 0 < float(metric["pods"]["target"]["averageValue"]) < float(env["RTVI_MAX_SESSIONS"])


def test_every_service_selects_a_deployment_and_a_named_port():
    deployments = {d["metadata"]["name"]: d for d in kind("Deployment")}
    for service in kind("Service"):
        matches = [
            d
            for d in deployments.values()
            if service["spec"]["selector"].items() <= d["spec"]["template"]["metadata"]["labels"].items()
        ]
        assert len(matches) == 1, f"Service {service['metadata']['name']} selects {len(matches)} Deployments"
        ports = {p.get("name") for c in matches[0]["spec"]["template"]["spec"]["containers"] for p in c["ports"]}
        ports |= {p["containerPort"] for c in matches[0]["spec"]["template"]["spec"]["containers"] for p in c["ports"]}
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in ports


def test_the_cluster_secret_reaches_every_worker_and_gateway():
    from rtvi_cluster.gateway_cmd import SECRET_VARIABLE

    (secret,) = kind("Secret")
    assert SECRET_VARIABLE in secret["stringData"]
    for deployment in kind("Deployment"):
        if deployment["metadata"]["name"].startswith("rtvi-"):
            env = deployment["spec"]["template"]["spec"]["containers"][0]["env"]
            assert any(e["name"] == SECRET_VARIABLE and "secretKeyRef" in e.get("valueFrom", {}) for e in env)
