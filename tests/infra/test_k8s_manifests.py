"""The collector's Kubernetes manifests (infra/k8s/: Kustomize base and overlays) and the ArgoCD
Applications, checked structurally: every file parses, selectors match the pod labels, the HPA
scales the Deployment on CPU and request rate, the PodDisruptionBudget covers the pods, probes hit
/healthz and /readyz on a declared port, the environment matches the Cloud Run service's, and each
overlay renders with `kubectl kustomize` when kubectl is installed.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from iac import MODULES, ROOT, collector_env, resources

K8S = ROOT / "infra" / "k8s"
BASE = K8S / "base"
OVERLAYS = sorted(p for p in (K8S / "overlays").iterdir() if p.is_dir())
APPS = sorted((K8S / "argocd").glob("*.yaml"))


def base_docs() -> dict[str, dict]:
    kustomization = yaml.safe_load((BASE / "kustomization.yaml").read_text())
    docs = {}
    for name in kustomization["resources"]:
        doc = yaml.safe_load((BASE / name).read_text())
        assert doc["apiVersion"] and doc["metadata"]["name"], name
        docs[doc["kind"]] = doc
    return docs


def selected(selector: dict, labels: dict) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def test_selectors_match_the_pods() -> None:
    docs = base_docs()
    assert set(docs) == {
        "ServiceAccount",
        "Deployment",
        "Service",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "NetworkPolicy",
    }
    deployment = docs["Deployment"]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert selected(deployment["spec"]["selector"]["matchLabels"], pod_labels)
    assert selected(docs["Service"]["spec"]["selector"], pod_labels)
    assert selected(docs["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"], pod_labels)
    pdb = docs["PodDisruptionBudget"]["spec"]
    assert pdb["minAvailable"] < docs["HorizontalPodAutoscaler"]["spec"]["minReplicas"]
    policy = docs["NetworkPolicy"]["spec"]
    assert selected(policy["podSelector"]["matchLabels"], pod_labels)
    ports = {p["name"] for p in deployment["spec"]["template"]["spec"]["containers"][0]["ports"]}
    assert {p["port"] for rule in policy["ingress"] for p in rule["ports"]} <= ports
    sa = deployment["spec"]["template"]["spec"]["serviceAccountName"]
    assert sa == docs["ServiceAccount"]["metadata"]["name"]


def test_hpa_scales_on_cpu_and_request_rate() -> None:
    docs = base_docs()
    hpa = docs["HorizontalPodAutoscaler"]["spec"]
    target = hpa["scaleTargetRef"]
    assert (target["kind"], target["name"]) == (
        "Deployment",
        docs["Deployment"]["metadata"]["name"],
    )
    metrics = {m["type"]: m for m in hpa["metrics"]}
    assert metrics["Resource"]["resource"]["name"] == "cpu"
    assert metrics["Pods"]["pods"]["metric"]["name"] == "http_requests_per_second"
    assert hpa["minReplicas"] <= hpa["maxReplicas"]
    container = docs["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    assert container["resources"]["requests"]["cpu"]  # CPU utilisation needs a request


def test_probes_and_ports() -> None:
    docs = base_docs()
    [container] = docs["Deployment"]["spec"]["template"]["spec"]["containers"]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        assert container[probe]["httpGet"]["port"] in ports, probe
    assert docs["Service"]["spec"]["ports"][0]["targetPort"] in ports
    # Same port and environment as the Cloud Run service of the same collector.
    run = resources(MODULES / "collector")[("google_cloud_run_v2_service", "collector")]
    run_container = run["template"][0]["containers"][0]
    assert run_container["ports"][0]["container_port"] == ports["http"]
    plain, secret = collector_env()
    env = {e["name"]: e for e in container["env"]}
    assert set(env) == set(plain) | secret
    for name in secret:
        assert "secretKeyRef" in env[name]["valueFrom"], name
    assert env["STREAMQOE_EVENTBRIDGE_HEADER"]["value"] == plain["STREAMQOE_EVENTBRIDGE_HEADER"]


@pytest.mark.parametrize("overlay", OVERLAYS, ids=lambda p: p.name)
def test_overlay_structure(overlay: Path) -> None:
    doc = yaml.safe_load((overlay / "kustomization.yaml").read_text())
    assert doc["namespace"] == f"streamqoe-{overlay.name}"
    for resource in doc["resources"]:
        assert (overlay / resource / "kustomization.yaml").is_file()
    docs = base_docs()
    image = docs["Deployment"]["spec"]["template"]["spec"]["containers"][0]["image"]
    assert [i["name"] for i in doc["images"]] == [image.rsplit(":", 1)[0]]
    kinds = {(d["kind"], d["metadata"]["name"]) for d in docs.values()}
    for patch in doc["patches"]:
        assert (patch["target"]["kind"], patch["target"]["name"]) in kinds


@pytest.mark.parametrize("overlay", OVERLAYS, ids=lambda p: p.name)
def test_overlay_renders(overlay: Path) -> None:
    kubectl = shutil.which("kubectl")
    if not kubectl:
        pytest.skip("SKIPPED LOUDLY: no kubectl, the overlay is not rendered")
    done = subprocess.run(
        [kubectl, "kustomize", str(overlay)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    rendered = {(d["kind"], d["metadata"]["name"]): d for d in yaml.safe_load_all(done.stdout)}
    namespace = f"streamqoe-{overlay.name}"
    assert all(d["metadata"]["namespace"] == namespace for d in rendered.values())
    deployment = rendered[("Deployment", "streamqoe-collector")]
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    assert f"/streamqoe-{overlay.name}/" in container["image"]
    config = next(d for (kind, _), d in rendered.items() if kind == "ConfigMap")
    ref = container["env"][0]["valueFrom"]["configMapKeyRef"]
    assert ref["name"] == config["metadata"]["name"]  # kustomize rewrote the hashed name
    sa = rendered[("ServiceAccount", "streamqoe-collector")]
    assert (
        f"streamqoe-{overlay.name}-collector@"
        in sa["metadata"]["annotations"]["iam.gke.io/gcp-service-account"]
    )
    assert deployment["spec"]["selector"]["matchLabels"] == {"app": "streamqoe-collector"}


@pytest.mark.parametrize("app", APPS, ids=lambda p: p.name)
def test_argocd_application_points_at_an_overlay(app: Path) -> None:
    doc = yaml.safe_load(app.read_text())
    assert (doc["apiVersion"], doc["kind"]) == ("argoproj.io/v1alpha1", "Application")
    spec = doc["spec"]
    overlay = ROOT / spec["source"]["path"]
    assert (overlay / "kustomization.yaml").is_file()
    namespace = yaml.safe_load((overlay / "kustomization.yaml").read_text())["namespace"]
    assert spec["destination"]["namespace"] == namespace
    assert spec["source"]["targetRevision"] == "main"
    assert spec["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}
    assert {a.stem.removeprefix("collector-") for a in APPS} == {o.name for o in OVERLAYS}
