"""The operators' files in ops/: valid YAML and JSON, and every figure they read is one /metrics gives."""

import json
import re
from pathlib import Path

import pytest
import yaml
from django.test import Client

ROOT = Path(__file__).resolve().parents[1]
DASHBOARD = ROOT / "ops" / "grafana" / "primetric.json"
ALERTS = ROOT / "ops" / "prometheus" / "alerts.yml"
SCRAPE = ROOT / "ops" / "prometheus" / "prometheus.yml"
NAME = re.compile(r"\bprimetric_[a-z0-9_]+")
# A histogram <name> is served as <name>_bucket, _count and _sum; a counter <name> as <name>_total.
SAMPLE_SUFFIXES = ("_bucket", "_count", "_sum", "_total")


def dashboard_expressions():
    dashboard = json.loads(DASHBOARD.read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def alert_rules():
    return [rule for group in yaml.safe_load(ALERTS.read_text())["groups"] for rule in group["rules"]]


def figure_names(expressions):
    names = set()
    for expr in expressions:
        for found in NAME.findall(expr):
            name = found
            for part in SAMPLE_SUFFIXES:
                name = name.removesuffix(part)
            names.add(name)
    return names


def test_the_dashboard_is_grafana_json_with_a_query_in_every_panel():
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] and dashboard["title"]
    assert dashboard["templating"]["list"][0]["type"] == "datasource"
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for panel in dashboard["panels"]:
        assert panel["targets"] and all(target["expr"].strip() for target in panel["targets"]), panel["title"]
        assert panel["datasource"]["uid"] == "${datasource}"


def test_the_alert_rules_are_prometheus_rule_groups():
    rules = alert_rules()
    names = {rule["alert"] for rule in rules}
    assert {"PrimetricSyncsFailing", "PrimetricScheduledQueueGrowing", "PrimetricBudgetExhausted"} <= names
    for rule in rules:
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations", "keep_firing_for"}, rule[
            "alert"
        ]
        assert rule["expr"].strip() and rule["labels"]["severity"] in {"warning", "critical"}
        assert rule["annotations"]["summary"]
        assert re.fullmatch(r"\d+[smh]", rule["for"])
        # Parentheses balance: a hand edit's commonest slip in PromQL.
        assert rule["expr"].count("(") == rule["expr"].count(")"), rule["alert"]


def test_the_scrape_example_sends_the_token_and_loads_the_rules():
    config = yaml.safe_load(SCRAPE.read_text())
    assert config["rule_files"] == ["alerts.yml"]
    (job,) = config["scrape_configs"]
    assert job["metrics_path"] == "/metrics" and job["authorization"]["type"] == "Bearer"


@pytest.mark.django_db
def test_every_figure_the_dashboard_and_alerts_read_is_on_the_metrics_page(client: Client, settings):
    settings.METRICS_TOKEN = "token-for-this-test-0123456789"
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer token-for-this-test-0123456789")
    assert response.status_code == 200
    # A counter's TYPE line names it with its _total, as its samples are.
    served = {
        line.split()[2].removesuffix("_total")
        for line in response.content.decode().splitlines()
        if line.startswith("# TYPE")
    }
    wanted = figure_names(dashboard_expressions()) | figure_names(rule["expr"] for rule in alert_rules())
    assert wanted and wanted <= served, sorted(wanted - served)
