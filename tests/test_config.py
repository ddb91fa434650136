"""Settings and county files: defaults, fail-fast messages that name the setting / file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings
from counties import CountyConfigError, county_path, load_county, shipped_counties
from i18n import LANGS, Catalog


def test_defaults_are_local_development() -> None:
    settings = load_settings()
    assert settings.port == 3978
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.auth_disabled


def test_production_refuses_without_credentials_and_names_them() -> None:
    with pytest.raises(SettingsError) as err:
        load_settings(RAKE_ENVIRONMENT="production")
    assert "MicrosoftAppId" in str(err.value) and "MicrosoftAppPassword" in str(err.value)


def test_production_with_managed_identity_needs_tenant_not_password() -> None:
    with pytest.raises(SettingsError, match="MicrosoftAppTenantId"):
        load_settings(
            RAKE_ENVIRONMENT="production", MicrosoftAppId="x", MicrosoftAppType="UserAssignedMSI"
        )
    ok = load_settings(
        RAKE_ENVIRONMENT="production",
        MicrosoftAppId="x",
        MicrosoftAppType="UserAssignedMSI",
        MicrosoftAppTenantId="t",
        **EXPORT_LINKS,
    )
    assert not ok.auth_disabled


EXPORT_LINKS = {
    "RAKE_EXPORT_SECRET": "s" * 32,
    "RAKE_PUBLIC_URL": "https://rake.example.fi",
    "RAKE_ALLOWED_TENANTS": "11111111-2222-3333-4444-555555555555",
}


def test_production_needs_export_secret_public_https_url_and_allowed_tenants() -> None:
    base = {
        "RAKE_ENVIRONMENT": "production",
        "MicrosoftAppId": "x",
        "MicrosoftAppPassword": "p",
    }
    with pytest.raises(SettingsError) as err:
        load_settings(**base)
    for name in ("RAKE_EXPORT_SECRET", "RAKE_PUBLIC_URL", "RAKE_ALLOWED_TENANTS"):
        assert name in str(err.value)
    with pytest.raises(SettingsError, match="RAKE_EXPORT_SECRET"):
        load_settings(**{**base, **EXPORT_LINKS, "RAKE_EXPORT_SECRET": "short"})
    with pytest.raises(SettingsError, match="RAKE_PUBLIC_URL"):
        load_settings(**{**base, **EXPORT_LINKS, "RAKE_PUBLIC_URL": "http://x.fi"})
    with pytest.raises(SettingsError, match="RAKE_ALLOWED_TENANTS"):
        load_settings(**{**base, **EXPORT_LINKS, "RAKE_ALLOWED_TENANTS": ""})
    assert load_settings(**base, **EXPORT_LINKS).base_url() == "https://rake.example.fi"


def test_production_rejects_development_experts() -> None:
    with pytest.raises(SettingsError, match="development only"):
        load_settings(
            RAKE_ENVIRONMENT="production",
            MicrosoftAppId="x",
            MicrosoftAppPassword="p",
            RAKE_DEV_EXPERTS="a",
        )


@pytest.mark.parametrize(
    ("key", "value", "named"),
    [
        ("PORT", "not-a-port", "PORT"),
        ("PORT", "70000", "PORT"),
        ("RAKE_DATABASE_URL", "mysql://db/x", "RAKE_DATABASE_URL"),
        ("MicrosoftAppType", "Guest", "MicrosoftAppType"),
    ],
)
def test_invalid_settings_name_the_setting(key: str, value: str, named: str) -> None:
    with pytest.raises(SettingsError) as err:
        load_settings(**{key: value})
    assert f"setting {named}:" in str(err.value)


def test_plain_database_urls_get_async_drivers() -> None:
    assert load_settings(RAKE_DATABASE_URL="postgresql://h/db").database_url == (
        "postgresql+asyncpg://h/db"
    )
    assert load_settings(RAKE_DEV_EXPERTS="a, b,,c").dev_experts == ["a", "b", "c"]


@pytest.mark.parametrize("county", shipped_counties())
def test_shipped_counties_load_and_every_label_exists(county: str) -> None:
    config = load_county(county_path(county))
    catalog = Catalog.load()
    kinds = {
        "phenomena": "phenomenon",
        "service_areas": "service_area",
        "target_groups": "target_group",
        "reporter_roles": "reporter_role",
    }
    for list_name, kind in kinds.items():
        for option in getattr(config, list_name):
            if option.label is None:
                assert catalog.has(f"{kind}.{option.id}"), f"{county}: {kind}.{option.id}"
    assert config.grievance_notice_url.startswith("https://")


def test_five_seed_counties_ship_with_paijat_hame_default() -> None:
    assert set(shipped_counties()) == {
        "paijat-hame",
        "kanta-hame",
        "satakunta",
        "varsinais-suomi",
        "helsinki",
    }
    assert load_settings().county == "paijat-hame"
    assert load_county(county_path("kanta-hame")).phenomena[0].id == "daily_life"  # SHL 11 §
    assert load_county(county_path("helsinki")).area_kind == "district"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "county.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_bad_county_file_names_file_key_and_problem(tmp_path: Path) -> None:
    good = county_path("satakunta").read_text(encoding="utf-8")
    path = _write(tmp_path, good.replace("theme_weeks: [10, 41]", "theme_weeks: [10, 99]"))
    with pytest.raises(CountyConfigError) as err:
        load_county(path)
    message = str(err.value)
    assert str(path) in message and "theme_weeks.1" in message and "53" in message


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("id: x\n  bad: [", "not valid YAML"),
        ("- a list", "expected a mapping"),
        ("id: ok-id\nname: {sv: Namn}\n", "key 'name'"),
    ],
)
def test_broken_county_files(tmp_path: Path, text: str, fragment: str) -> None:
    with pytest.raises(CountyConfigError, match=fragment):
        load_county(_write(tmp_path, text))


def test_duplicate_ids_and_unknown_keys_are_reported(tmp_path: Path) -> None:
    good = county_path("paijat-hame").read_text(encoding="utf-8")
    doubled = good.replace("  - id: hartola\n", "  - id: asikkala\n")
    with pytest.raises(CountyConfigError, match=r"areas.*appears twice"):
        load_county(_write(tmp_path, doubled))
    with pytest.raises(CountyConfigError, match="key 'colour'"):
        load_county(_write(tmp_path, good + "colour: blue\n"))


def test_missing_county_file() -> None:
    with pytest.raises(CountyConfigError, match="not found"):
        load_county("/nonexistent/county.yaml")


def test_catalogs_have_the_same_keys_and_placeholders() -> None:
    catalog = Catalog.load()
    fi = catalog.keys("fi")
    for lang in LANGS:
        assert catalog.keys(lang) == fi, f"{lang} differs: {catalog.keys(lang) ^ fi}"
        for key in fi:
            assert Catalog.placeholders(catalog.t(lang, key)) == Catalog.placeholders(
                catalog.t("fi", key)
            ), f"{lang}:{key}"
