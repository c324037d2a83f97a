"""Every JSON answer says no-store and nosniff; the console's key input has no name (issue 23.10)."""

from __future__ import annotations

from html.parser import HTMLParser

from sandbox import DEMO_KEY_A


def test_every_kind_of_json_answer_carries_no_store_and_nosniff(stack, receiver):
    with stack.client(DEMO_KEY_A) as c, stack.client() as anonymous:
        hook = c.post("/v1/hooks", json={"event": "stamp_added", "target_url": receiver.url})
        answers = {
            "created": hook,
            "read": c.get("/v1/hooks"),
            "polled": c.get("/v1/triggers/stamp_added"),
            "validation error": c.post("/v1/hooks", json={"event": "nope"}),
            "not found": c.get("/v1/hooks/hook_000000000000000000000000"),
            "unauthenticated": anonymous.get("/v1/hooks"),
            "bad JSON": c.post("/v1/hooks", content=b"{", headers={"Content-Type": "application/json"}),
        }
    for kind, answer in answers.items():
        assert answer.headers["content-type"].startswith("application/json"), kind
        assert answer.headers.get("cache-control") == "no-store", kind
        assert answer.headers.get("x-content-type-options") == "nosniff", kind
    assert [a.status_code for a in answers.values()] == [201, 200, 200, 422, 404, 401, 400]


class _Inputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inputs: dict[str, dict[str, str | None]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "input":
            given = dict(attrs)
            self.inputs[str(given.get("id"))] = given


def test_the_consoles_key_input_has_no_name_so_no_form_can_put_the_key_in_a_url(stack):
    with stack.client() as anonymous:
        page = anonymous.get("/console")
    parser = _Inputs()
    parser.feed(page.text)
    assert parser.inputs["key"]["type"] == "password" and "name" not in parser.inputs["key"]
