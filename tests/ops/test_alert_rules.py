"""The shipped alert rules and dashboard: promtool accepts the rules, an alert fires
from recorded series, and every metric they name is one the portal exposes."""

import json
import re
import subprocess

from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import ROOT
from tests.ops.prometheus import prometheus_binary

RULES = ROOT / "deploy" / "prometheus" / "rules.yml"
RULE_TESTS = ROOT / "deploy" / "prometheus" / "rules.test.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "a1studio.json"
NAMED = re.compile(r"\ba1studio_[a-z_]+")
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}


def promtool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [prometheus_binary("promtool"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=RULES.parent,
    )


def test_promtool_accepts_the_rules():
    result = promtool("check", "rules", str(RULES))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_alerts_fire_from_recorded_series():
    """rules.test.yml: a silent worker, late polls and A1's server errors each fire."""
    result = promtool("test", "rules", str(RULE_TESTS))
    assert result.returncode == 0, result.stdout + result.stderr


def _exposed(client) -> set[str]:
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret")
    assert response.status_code == 200
    names = set()
    for family in text_string_to_metric_families(response.content.decode()):
        names.add(family.name)  # as prose names it (a histogram, a counter without _total)
        names.update(family.name + suffix for suffix in SUFFIXES.get(family.type, ("",)))
    return names


def test_every_metric_the_dashboard_and_the_rules_name_exists(client, db, settings):
    settings.METRICS_TOKEN = "s3cret"
    exposed = _exposed(client)
    dashboard = json.loads(DASHBOARD.read_text())
    queries = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    assert len(queries) >= 15
    named = {name for query in queries for name in NAMED.findall(query)}
    named |= set(NAMED.findall(RULES.read_text()))
    assert named and named <= exposed, sorted(named - exposed)
