"""The field registry agrees with the draft and submission models, the table, the catalogs and
the county lists: a field added in one place and forgotten in another fails here."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table

from counties import County, county_path, load_county, shipped_counties
from dialogs.fields import (
    COUNTY_LISTS,
    EXPORT_COLUMNS,
    FIELDS,
    NAMES,
    OPTION_PREFIX,
    STEP_FIELDS,
    FieldType,
)
from dialogs.report import ReportData, Submission
from i18n import LANGS, Catalog
from storage.models import Observation


def test_the_models_and_the_table_have_every_field_of_the_registry() -> None:
    assert set(NAMES) == set(Submission.model_fields)
    assert set(NAMES) == set(ReportData.model_fields) - {"reviewed"}
    columns = set(cast(Table, Observation.__table__).c.keys())
    assert set(NAMES) <= columns
    assert set(EXPORT_COLUMNS) - {"reporter"} <= columns


def test_every_field_has_its_catalog_strings() -> None:
    catalog = Catalog.load()
    for lang in LANGS:
        for field in FIELDS:
            assert catalog.t(lang, field.label_key)
            if field.shape is FieldType.TEXT:
                assert catalog.t(lang, f"{field.label_key}.hint")
            if field.vocabulary is not None:
                for member in field.vocabulary:
                    assert catalog.t(lang, f"{field.option_prefix}.{member.value}")
        for column in EXPORT_COLUMNS:
            assert catalog.t(lang, f"export.col.{column}")


def test_county_lists_of_the_registry_exist_in_every_county() -> None:
    for name in shipped_counties():
        county = load_county(county_path(name))
        for field, list_name in COUNTY_LISTS.items():
            assert list_name in County.model_fields, field
            assert county.ids_of(field) == county.option_ids(list_name)
        assert set(OPTION_PREFIX) == set(COUNTY_LISTS.values())


def test_each_step_has_its_fields_in_card_order() -> None:
    assert [f.name for f in STEP_FIELDS[min(STEP_FIELDS)]] == [
        "kind",
        "phenomenon",
        "phenomenon_other",
        "description",
    ]
    assert sum(len(fields) for fields in STEP_FIELDS.values()) == len(FIELDS)
