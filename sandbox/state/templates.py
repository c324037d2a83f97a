"""Card and voucher templates: listed per location, and looked up for a card or voucher being issued."""

from __future__ import annotations

from collections.abc import Mapping

from ..paging import paginate
from ..validation import Fields
from .store import Obj, Store


class Templates(Store):
    def list_card_templates(self, location_id: str, query: Mapping[str, str]) -> Obj:
        with self.lock:
            return paginate(self._at(self.card_templates, location_id), self._position, Fields(query, query=True))

    def list_voucher_templates(self, location_id: str, query: Mapping[str, str]) -> Obj:
        with self.lock:
            return paginate(self._at(self.voucher_templates, location_id), self._position, Fields(query, query=True))

    def _card_template(self, location_id: str, template_id: str | None, fields: Fields) -> Obj | None:
        """The template asked for, or the location's first one."""
        if template_id is None:
            templates = self._at(self.card_templates, location_id)
            if not templates:
                fields.fail("template_id", "is required: this location has no default card template.")
                return None
            return min(templates, key=self._position)
        template = self.card_templates.get(template_id)
        if template is None or self.owner[template_id] != location_id:
            fields.fail("template_id", "is not a card template of this location.")
            return None
        return template

    def _voucher_template(self, location_id: str, template_id: str | None, fields: Fields) -> Obj | None:
        """The template asked for, if any; one of another location is a bad field, as an unknown one."""
        if template_id is None:
            return None
        template = self.voucher_templates.get(template_id)
        if template is None or self.owner[template_id] != location_id:
            fields.fail("template_id", "is not a voucher template of this location.")
            return None
        return template
