"""The observation's fields, stated once: each field's type, the county list or vocabulary it
draws from, its card step, label, limits, whether it is required, guarded free text, a digest
dimension, an export column. The dialog's validation, the card steps, the digest's dimensions,
the export columns and the expert's view are driven by this table.

Adding a field: a ``Field`` here, the attribute on ``ReportData``/``Submission``
(dialogs/report.py) and the column (storage/models.py, with a migration), and the catalog
strings ``field.<name>`` (+ ``.hint`` for texts) and ``export.col.<name>`` in fi/sv/en.
``tests/test_fields.py`` checks that these agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Any, Protocol

from dialogs.vocabulary import Extent, Kind, Trend, Urgency

DESCRIPTION_MAX = 2000
SHORT_TEXT_MAX = 200
LONG_TEXT_MAX = 1000
ACUTE_REASON_MAX = 300


class Step(IntEnum):
    WHAT = 1
    WHO_WHERE = 2
    EXTENT = 3
    URGENCY = 4
    REVIEW = 5


class FieldType(StrEnum):
    VOCABULARY = "vocabulary"  # one member of a dialogs.vocabulary enum
    CHOICE = "choice"  # one id of a county list
    MULTI = "multi"  # several ids of a county list
    TEXT = "text"  # free text: length limit, then the identifier guard
    FLAG = "flag"  # yes / no


class CountyLists(Protocol):
    """What the dialog needs of a county (counties.County has it; dialogs does not import
    counties: the county model is configuration that builds on the domain, not the reverse)."""

    @property
    def grievance_notice_url(self) -> str: ...

    def option_ids(self, list_name: str) -> set[str]: ...

    def free_text_ids(self, list_name: str) -> set[str]: ...

    def place_names(self) -> tuple[str, ...]:
        """The county's own place names in every language: the identifier guard's
        allow-context ("Salossa" is the town, not Mr Salo)."""
        ...


@dataclass(frozen=True)
class Field:
    name: str
    shape: FieldType
    step: Step
    required: bool = False
    county_list: str | None = None  # CHOICE / MULTI: the county file's list
    option_prefix: str | None = None  # catalog prefix of the list's options
    vocabulary: type[StrEnum] | None = None  # VOCABULARY: the enum
    max_length: int | None = None  # TEXT
    expanded: bool = False  # a choice shown as radio buttons
    multiline: bool = True  # a text input of several lines
    digest: bool = False  # a digest dimension (counted, filtered by)
    export: bool = True  # a column of the export

    @property
    def label_key(self) -> str:
        return f"field.{self.name}"

    @property
    def export_column(self) -> str:
        return self.name

    @property
    def guarded(self) -> bool:
        """Free text a person wrote: it passes the identifier guard before it is stored."""
        return self.shape is FieldType.TEXT


def _list(name: str, step: Step, county_list: str, prefix: str, **kw: Any) -> Field:
    kind = FieldType.MULTI if kw.pop("multi", False) else FieldType.CHOICE
    return Field(name, kind, step, county_list=county_list, option_prefix=prefix, **kw)


def _vocabulary(name: str, step: Step, enum: type[StrEnum], **kw: Any) -> Field:
    return Field(name, FieldType.VOCABULARY, step, vocabulary=enum, option_prefix=name, **kw)


def _text(name: str, step: Step, max_length: int, **kw: Any) -> Field:
    return Field(name, FieldType.TEXT, step, max_length=max_length, **kw)


FIELDS: tuple[Field, ...] = (
    _vocabulary("kind", Step.WHAT, Kind, required=True, expanded=True, digest=True),
    _list("phenomenon", Step.WHAT, "phenomena", "phenomenon", required=True, digest=True),
    _text("phenomenon_other", Step.WHAT, SHORT_TEXT_MAX, multiline=False),
    _text("description", Step.WHAT, DESCRIPTION_MAX, required=True),
    _list(
        "target_groups", Step.WHO_WHERE, "target_groups", "target_group", multi=True, required=True
    ),
    _list("area", Step.WHO_WHERE, "areas", "area", required=True, digest=True),
    _list(
        "service_area", Step.WHO_WHERE, "service_areas", "service_area", required=True, digest=True
    ),
    _vocabulary("extent", Step.EXTENT, Extent, expanded=True),
    _vocabulary("trend", Step.EXTENT, Trend),
    _text("structural", Step.EXTENT, LONG_TEXT_MAX),
    _text("proposal", Step.EXTENT, LONG_TEXT_MAX),
    _vocabulary("urgency", Step.URGENCY, Urgency, required=True, expanded=True),
    _text("acute_reason", Step.URGENCY, ACUTE_REASON_MAX, multiline=False),
    _list("reporter_role", Step.URGENCY, "reporter_roles", "reporter_role"),
    Field("contact_ok", FieldType.FLAG, Step.URGENCY),
    Field("anonymous", FieldType.FLAG, Step.URGENCY, export=False),
)
BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}
NAMES: tuple[str, ...] = tuple(f.name for f in FIELDS)
STEPS: tuple[Step, ...] = (Step.WHAT, Step.WHO_WHERE, Step.EXTENT, Step.URGENCY)
STEP_FIELDS: dict[Step, tuple[Field, ...]] = {
    step: tuple(f for f in FIELDS if f.step is step) for step in STEPS
}
FREE_TEXTS: tuple[Field, ...] = tuple(f for f in FIELDS if f.guarded)
DIGEST_DIMENSIONS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.digest)
# The digest's groups: its dimensions and the urgency (the acute count).
DIGEST_GROUPS: tuple[str, ...] = (*DIGEST_DIMENSIONS, "urgency")
COUNTY_LISTS: dict[str, str] = {f.name: f.county_list for f in FIELDS if f.county_list}
OPTION_PREFIX: dict[str, str] = {  # county list → catalog prefix of its options
    f.county_list: f.option_prefix for f in FIELDS if f.county_list and f.option_prefix
}
# Export columns: the row's own facts around the fields.
EXPORT_COLUMNS: tuple[str, ...] = (
    "reference",
    "created_at",
    *(f.export_column for f in FIELDS if f.export),
    "reporter",
    "origin",
    "status",
    "acknowledged_at",
)


def values_of(row: Any) -> dict[str, Any]:
    """The registry's fields of any object that has them (an ORM row, a draft, a view)."""
    return {name: getattr(row, name, None) for name in NAMES}


def display(
    field: Field,
    value: Any,
    t: Callable[[str], str],
    label_of: Callable[[str, str | None], str],
    empty: str = "–",
) -> str:
    """One field's value as a person reads it, in the language of ``t`` and ``label_of``."""
    if field.shape is FieldType.FLAG:
        return t("common.yes") if value else t("common.no")
    if value in (None, "", []):
        return empty
    raw = value.value if isinstance(value, StrEnum) else value
    if field.shape is FieldType.VOCABULARY:
        return t(f"{field.option_prefix}.{raw}")
    assert field.county_list is None or isinstance(raw, str | list)
    if field.shape is FieldType.MULTI:
        return ", ".join(label_of(field.county_list or "", v) for v in raw)
    if field.shape is FieldType.CHOICE:
        return label_of(field.county_list or "", raw)
    return str(raw)
