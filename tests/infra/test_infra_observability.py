"""The alarms of the merge template watch the metrics the code emits, in the namespace the functions are given."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chalicelib import observability

TEMPLATE = json.loads((Path(__file__).resolve().parents[2] / "infra" / "resources.json").read_text())


def _alarm_on(metric: str) -> dict:
    [alarm] = [
        r["Properties"]
        for r in TEMPLATE["Resources"].values()
        if r.get("Type") == "AWS::CloudWatch::Alarm" and r["Properties"]["MetricName"] == metric
    ]
    return alarm


@pytest.mark.parametrize("metric", ["SubscriptionsDisabled", "EnrichmentKeyRevoked"])
def test_a_disabled_subscription_or_a_revoked_enrichment_key_raises_an_alarm_on_the_emf_metric(metric):
    namespace = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"][observability.NAMESPACE_VARIABLE]
    alarm = _alarm_on(metric)
    assert alarm["Namespace"] == namespace
    assert alarm["Dimensions"] == [{"Name": "Service", "Value": observability.SERVICE}]
    assert alarm["Threshold"] == 0 and alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_the_dead_letter_queue_alarm_is_wired_to_the_topic():
    [alarm] = [
        r["Properties"]
        for r in TEMPLATE["Resources"].values()
        if r.get("Type") == "AWS::CloudWatch::Alarm"
        and r["Properties"].get("Dimensions", [{}])[0].get("Value") == {"Fn::GetAtt": ["DeliveryDeadLetterQueue", "QueueName"]}
    ]
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_an_emf_document_names_its_namespace_dimensions_and_metric(monkeypatch, caplog):
    monkeypatch.setenv(observability.NAMESPACE_VARIABLE, "7stampConnector/test")
    observability.correlate("evt_1_abc")
    with caplog.at_level("INFO", logger="connector.metrics"):
        observability.metric("Deliveries", outcome="failed")
    [document] = [json.loads(r.getMessage()) for r in caplog.records if r.name == "connector.metrics"]
    [definition] = document["_aws"]["CloudWatchMetrics"]
    assert definition == {
        "Namespace": "7stampConnector/test",
        "Dimensions": [["Service", "Outcome"]],
        "Metrics": [{"Name": "Deliveries", "Unit": "Count"}],
    }
    assert document["Service"] == "connector" and document["Outcome"] == "failed" and document["Deliveries"] == 1
    assert document["correlation_id"] == "evt_1_abc"
