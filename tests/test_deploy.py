"""deploy/ checked offline: the Kubernetes manifests against Kubernetes' schemas, compose.yaml against the
compose-spec schema, every AVATARIUM_* name against the real settings, and the pieces agreeing with each other."""

from __future__ import annotations

import json
import re
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from avatarium.config import Settings
from avatarium.providers.plugins import builtin_specs

DEPLOY = Path(__file__).parent.parent / "deploy"
MANIFESTS = sorted((DEPLOY / "k8s").glob("*.yaml"))


def _load(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def _manifest(kind: str) -> dict[str, Any]:
    return next(doc for path in MANIFESTS for doc in _load(path) if doc["kind"] == kind)


def _known_variables() -> set[str]:
    known = {f"AVATARIUM_{name.upper()}" for name in Settings.model_fields}
    known |= {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}  # the storage settings' aliases
    for spec in builtin_specs():
        known |= {*spec.key_variables(), spec.base_url_variable()}
        known |= {f"AVATARIUM_{spec.id.upper()}_{option.upper()}" for option in spec.options}
    return known


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_each_manifest_is_valid_kubernetes(path: Path) -> None:
    for doc in _load(path):
        kubernetes_validate.validate(doc, kubernetes_validate.latest_version(), strict=True)


def test_the_kubernetes_set_is_complete_and_consistent() -> None:
    kinds = {doc["kind"] for path in MANIFESTS for doc in _load(path)}
    assert kinds == {"Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget", "ConfigMap", "Secret"}
    pod = _manifest("Deployment")["spec"]["template"]["spec"]
    api = pod["containers"][0]
    assert api["readinessProbe"]["httpGet"]["path"] == "/health"
    assert api["livenessProbe"]["httpGet"]["path"] != "/health"  # a database outage must not restart every pod
    assert {ref.get("configMapRef", ref.get("secretRef"))["name"] for ref in api["envFrom"]} == {"avatarium"}
    # The pod outlives the preStop pause plus the socket drain, or the kubelet's SIGKILL cuts turns short.
    grace = float(_manifest("ConfigMap")["data"]["AVATARIUM_SHUTDOWN_GRACE_SECONDS"])
    pause = int(api["lifecycle"]["preStop"]["exec"]["command"][-1])
    assert pod["terminationGracePeriodSeconds"] > pause + grace
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert _manifest("Service")["spec"]["sessionAffinity"] == "None"
    assert (
        _manifest("HorizontalPodAutoscaler")["spec"]["minReplicas"]
        > _manifest("PodDisruptionBudget")["spec"]["minAvailable"]
    )


def test_config_and_secrets_name_real_settings_and_keep_secrets_apart() -> None:
    config, secret = _manifest("ConfigMap")["data"], _manifest("Secret")["stringData"]
    assert set(config) | set(secret) <= _known_variables()
    secret_like = re.compile(r"(SECRET|PASSWORD|_KEY|DATABASE_URL|REDIS_URL)")
    assert not [name for name in config if secret_like.search(name)]


def test_compose_is_valid_compose_spec_and_names_real_settings() -> None:
    schema = json.loads(files("check_jsonschema.builtin_schemas.vendor").joinpath("compose-spec.json").read_text())
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    jsonschema.validators.validator_for(schema)(schema).validate(compose)
    services = compose["services"]
    apis = [name for name in services if name.startswith("api-")]
    assert len(apis) == 3 and {"postgres", "redis", "proxy"} <= set(services)
    names = {name for service in services.values() for name in service.get("environment", {})}
    assert {name for name in names if name.startswith("AVATARIUM_")} <= _known_variables()
    for name in apis:  # one definition for all three: the same settings and secret everywhere
        assert services[name] == services[apis[0]]
        assert services[name]["stop_grace_period"] == "30s"
    grace = float(services[apis[0]]["environment"]["AVATARIUM_SHUTDOWN_GRACE_SECONDS"])
    assert grace < 30


def test_the_proxy_balances_every_instance_and_upgrades_sockets() -> None:
    nginx = (DEPLOY / "nginx.conf").read_text()
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    upstreams = set(re.findall(r"server (api-\d+):8000", nginx))
    assert upstreams == {name for name in compose["services"] if name.startswith("api-")}
    assert "ip_hash" not in nginx and "sticky" not in nginx  # any instance serves any socket
    assert "proxy_set_header Upgrade $http_upgrade;" in nginx
    assert "proxy_set_header Connection $connection_upgrade;" in nginx


def test_the_image_runs_serve_as_a_user_with_a_health_check() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert dockerfile.count("FROM ") == 2  # build stage, then a runtime without the compiler
    assert re.search(r"^USER (?!root|0\b)\S+", dockerfile, re.MULTILINE)
    assert "HEALTHCHECK" in dockerfile and "/health" in dockerfile
    assert 'CMD ["avatarium", "serve", "--host", "0.0.0.0", "--port", "8000"]' in dockerfile
