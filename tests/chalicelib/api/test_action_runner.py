"""Running an action (api/action_runner.py): validated, once per idempotency key per tenant, the key passed on to 7stamp.

The actions here are made for the test: their perform counts its runs and echoes what it was
given, so what the runner decides is seen directly; the idempotency store is the real one (moto).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import pytest

from chalicelib.api import action_runner
from chalicelib.container import Services
from chalicelib.contract.definitions import ActionContext, ActionDefinition
from chalicelib.contract.input_types import Input
from chalicelib.contract.limits import IDEMPOTENCY_FIELD, IDEMPOTENCY_KEY_MAX
from chalicelib.errors import Conflict, UpstreamError, ValidationFailed
from chalicelib.store.records import Tenant

TENANT = Tenant("loc_a", "Café A", "biz_1", "Biz", "staff@example.com")
OTHER = Tenant("loc_b", "Café B", "biz_2", "Biz 2", "staff@example.com")


class StampInput(Input):
    card_id: str
    count: int = 1


@dataclass
class Performer:
    runs: list[tuple[str, Any]] = field(default_factory=list)
    fail: bool = False

    def __call__(self, context: ActionContext, model: StampInput) -> dict[str, Any]:
        self.runs.append((context.idempotency_key, model))
        if self.fail:
            raise UpstreamError("7stamp failed")
        return {"card_id": model.card_id, "stamps": model.count, "run": len(self.runs)}


def action(perform: Performer, kind: Literal["create", "search"] = "create") -> ActionDefinition:
    return ActionDefinition("add_stamp", kind, "Stamp", "Add stamps", "", StampInput, (), {}, perform)


def run(services: Services, definition: ActionDefinition, data: dict, header: str | None = None, tenant: Tenant = TENANT) -> Any:
    return action_runner.run(services.idempotency, definition, tenant, None, data, header)  # type: ignore[arg-type]


def test_an_action_without_a_key_runs_each_time_with_a_fresh_key_for_7stamp(services: Services) -> None:
    perform = Performer()
    run(services, action(perform), {"card_id": "c1"})
    run(services, action(perform), {"card_id": "c1"})
    keys = [k for k, _ in perform.runs]
    assert len(keys) == 2 and keys[0] != keys[1] and all(k.startswith("conn-") for k in keys)


def test_a_repeated_key_with_the_same_input_answers_the_first_result_without_running(services: Services) -> None:
    perform = Performer()
    first = run(services, action(perform), {"card_id": "c1", "count": 2}, header="order-1")
    again = run(services, action(perform), {"count": 2, "card_id": "c1"}, header="order-1")  # same input, other order
    assert again == first and len(perform.runs) == 1
    assert perform.runs[0][0] == f"{TENANT.location_id}:order-1"  # what 7stamp's key is made from


def test_the_key_may_come_in_the_body_and_is_not_part_of_the_input(services: Services) -> None:
    perform = Performer()
    first = run(services, action(perform), {"card_id": "c1", IDEMPOTENCY_FIELD: "order-1"})
    again = run(services, action(perform), {"card_id": "c1"}, header="order-1")
    assert again == first and len(perform.runs) == 1


def test_a_repeated_key_with_other_input_is_a_conflict(services: Services) -> None:
    perform = Performer()
    run(services, action(perform), {"card_id": "c1"}, header="order-1")
    with pytest.raises(Conflict) as clash:
        run(services, action(perform), {"card_id": "c2"}, header="order-1")
    assert clash.value.code == "idempotency_conflict" and len(perform.runs) == 1


def test_a_key_still_being_processed_is_a_conflict(services: Services) -> None:
    seen: list[Conflict] = []

    def perform(context: ActionContext, model: StampInput) -> dict[str, Any]:
        try:  # the caller's retry arrives while the first request is still running
            run(services, definition, {"card_id": "c1"}, header="order-1")
        except Conflict as busy:
            seen.append(busy)
        return {"ok": True}

    definition = ActionDefinition("add_stamp", "create", "Stamp", "Add stamps", "", StampInput, (), {}, perform)
    assert run(services, definition, {"card_id": "c1"}, header="order-1") == {"ok": True}
    assert [c.code for c in seen] == ["idempotency_in_progress"]


def test_a_failed_run_frees_its_key_for_a_retry(services: Services) -> None:
    perform = Performer(fail=True)
    with pytest.raises(UpstreamError):
        run(services, action(perform), {"card_id": "c1"}, header="order-1")
    perform.fail = False
    assert run(services, action(perform), {"card_id": "c1"}, header="order-1")["run"] == 2


def test_keys_are_per_tenant(services: Services) -> None:
    perform = Performer()
    run(services, action(perform), {"card_id": "c1"}, header="order-1")
    run(services, action(perform), {"card_id": "c2"}, header="order-1", tenant=OTHER)
    assert len(perform.runs) == 2


@pytest.mark.parametrize("bad", ["", "k" * (IDEMPOTENCY_KEY_MAX + 1), 5, ["k"]])
def test_a_bad_key_in_either_place_is_a_422_naming_the_field(services: Services, bad: object) -> None:
    perform = Performer()
    with pytest.raises(ValidationFailed) as refused:
        run(services, action(perform), {"card_id": "c1", IDEMPOTENCY_FIELD: bad}, header="fine")
    assert set(refused.value.fields) == {IDEMPOTENCY_FIELD} and perform.runs == []
    if isinstance(bad, str):
        with pytest.raises(ValidationFailed):
            run(services, action(perform), {"card_id": "c1"}, header=bad)


def test_invalid_input_is_refused_before_any_key_is_taken(services: Services) -> None:
    perform = Performer()
    with pytest.raises(ValidationFailed):
        run(services, action(perform), {"count": "x"}, header="order-1")
    assert run(services, action(perform), {"card_id": "c1"}, header="order-1")["run"] == 1


def test_a_search_ignores_idempotency_and_keeps_the_field_as_input(services: Services) -> None:
    perform = Performer()
    run(services, action(perform, "search"), {"card_id": "c1"}, header="order-1")
    run(services, action(perform, "search"), {"card_id": "c1"}, header="order-1")
    assert len(perform.runs) == 2
    with pytest.raises(ValidationFailed):  # a search has no idempotency field: it is an unknown field
        run(services, action(perform, "search"), {"card_id": "c1", IDEMPOTENCY_FIELD: "k"})


def test_the_callers_data_is_left_as_it_was(services: Services) -> None:
    data = {"card_id": "c1", IDEMPOTENCY_FIELD: "order-1"}
    run(services, action(Performer()), data)
    assert data == {"card_id": "c1", IDEMPOTENCY_FIELD: "order-1"}
