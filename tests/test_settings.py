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
