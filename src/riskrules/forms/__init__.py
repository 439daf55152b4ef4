"""Intake forms (采集表单): the form-ready schema with UI hints, and what to ask next."""

from .schema import FALLBACK_SECTION, SECTIONS, Section, form_bundle, form_schema, form_ui_schema, section_of

__all__ = ["FALLBACK_SECTION", "SECTIONS", "Section", "form_bundle", "form_schema", "form_ui_schema", "section_of"]
