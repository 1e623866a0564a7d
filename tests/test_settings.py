"""Settings read from MENTORAT_* variables: the transaction timeout and its default."""

from __future__ import annotations

import pytest

from mentorat.settings import TRANSACTION_TIMEOUT_MARGIN, Settings, SettingsError


def test_the_transaction_timeout_defaults_to_the_statement_timeout_plus_a_margin() -> None:
    settings = Settings.from_env({"MENTORAT_DB_STATEMENT_TIMEOUT": "3"})
    assert settings.transaction_timeout == 3 + TRANSACTION_TIMEOUT_MARGIN


def test_the_transaction_timeout_can_be_set() -> None:
    settings = Settings.from_env({"MENTORAT_DB_TRANSACTION_TIMEOUT": "1.5"})
    assert settings.transaction_timeout == 1.5


@pytest.mark.parametrize("raw", ["0", "-1", "soon"])
def test_a_transaction_timeout_that_is_not_a_positive_number_is_refused(raw: str) -> None:
    with pytest.raises(SettingsError, match="MENTORAT_DB_TRANSACTION_TIMEOUT"):
        Settings.from_env({"MENTORAT_DB_TRANSACTION_TIMEOUT": raw})


def test_trusted_proxies_take_addresses_and_cidr_ranges() -> None:
    settings = Settings.from_env({"MENTORAT_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.7,fd00::/8"})
    assert settings.proxies == ("10.0.0.0/8", "192.0.2.7", "fd00::/8")
    assert Settings().proxies == ()


@pytest.mark.parametrize("raw", ["10.0.0.0/33", "proxy.internal", "10.0.0.1/8", "10.0.0.0/8;"])
def test_a_trusted_proxy_that_is_not_an_address_or_range_is_refused(raw: str) -> None:
    with pytest.raises(SettingsError, match="MENTORAT_TRUSTED_PROXIES must list IP addresses"):
        Settings.from_env({"MENTORAT_TRUSTED_PROXIES": raw})


def test_the_deprecated_trust_forwarded_for_trusts_a_proxy_on_the_same_host() -> None:
    assert Settings.from_env({"MENTORAT_TRUST_FORWARDED_FOR": "true"}).proxies == (
        "127.0.0.1/32",
        "::1/128",
    )
    both = {"MENTORAT_TRUST_FORWARDED_FOR": "true", "MENTORAT_TRUSTED_PROXIES": "10.1.2.3"}
    assert Settings.from_env(both).proxies == ("10.1.2.3",)


@pytest.mark.parametrize("raw", ["json", "text"])
def test_the_log_format_is_json_or_text(raw: str) -> None:
    assert Settings.from_env({"MENTORAT_LOG_FORMAT": raw}).log_format == raw


def test_another_log_format_is_refused() -> None:
    with pytest.raises(SettingsError, match="MENTORAT_LOG_FORMAT must be json or text"):
        Settings.from_env({"MENTORAT_LOG_FORMAT": "xml"})


def test_the_pooler_and_metrics_switches_read_on_and_off() -> None:
    settings = Settings.from_env(
        {
            "MENTORAT_DB_TRANSACTION_POOLING": "on",
            "MENTORAT_DB_PREPARED_STATEMENTS": "off",
            "MENTORAT_METRICS": "off",
        }
    )
    assert settings.db_transaction_pooling is True
    assert settings.db_prepared_statements is False
    assert settings.metrics is False
    defaults = Settings.from_env({})
    assert (defaults.db_transaction_pooling, defaults.db_prepared_statements) == (False, True)
    assert defaults.metrics is True
    with pytest.raises(SettingsError, match="MENTORAT_METRICS"):
        Settings.from_env({"MENTORAT_METRICS": "sometimes"})


def test_the_listen_url_defaults_to_the_database_and_can_point_past_a_pooler() -> None:
    from mentorat.adapters.sql.listener import libpq_url

    pooled = "postgresql+psycopg://app@pgbouncer:6432/mentorat"
    assert libpq_url(Settings(database_url=pooled)) == "postgresql://app@pgbouncer:6432/mentorat"
    direct = Settings.from_env(
        {"MENTORAT_DATABASE_URL": pooled, "MENTORAT_DB_LISTEN_URL": "postgres://app@db/mentorat"}
    )
    assert libpq_url(direct) == "postgresql://app@db/mentorat"


@pytest.mark.parametrize("raw", ["sqlite:///mentorat.db", "db.internal:5432", "mysql://db/x"])
def test_a_listen_url_that_is_not_postgresql_is_refused(raw: str) -> None:
    with pytest.raises(SettingsError, match="MENTORAT_DB_LISTEN_URL must be a postgresql://"):
        Settings.from_env({"MENTORAT_DB_LISTEN_URL": raw})
