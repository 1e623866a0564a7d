"""The webhook and email settings: read from MENTORAT_* variables, checked at start-up."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mentorat.settings import Settings, SettingsError


def test_email_is_off_and_webhooks_have_their_defaults_when_nothing_is_set() -> None:
    settings = Settings.from_env({})
    assert settings.smtp_url is None
    assert settings.dispatch_in_server is True
    assert settings.webhook_give_up_after == 86400
    assert settings.webhook_lease == timedelta(seconds=50)


def test_the_variables_are_read_and_typed() -> None:
    settings = Settings.from_env(
        {
            "MENTORAT_SMTP_URL": "smtps://ada:p%40ss@mail.example.org:465",
            "MENTORAT_MAIL_FROM": "mentorat <noreply@example.org>",
            "MENTORAT_WEBHOOK_GIVE_UP_AFTER": "600",
            "MENTORAT_WEBHOOK_BACKOFF_CAP_SECONDS": "30",
            "MENTORAT_DISPATCH_IN_SERVER": "false",
            "MENTORAT_MAIL_DIGEST_MINUTES": "5",
        }
    )
    assert settings.smtp_url == "smtps://ada:p%40ss@mail.example.org:465"
    assert settings.webhook_give_up_after == 600.0
    assert settings.webhook_backoff_cap_seconds == 30.0
    assert settings.dispatch_in_server is False
    assert settings.mail_digest_minutes == 5.0


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"MENTORAT_SMTP_URL": "http://mail.example.org"}, "MENTORAT_SMTP_URL"),
        ({"MENTORAT_SMTP_URL": "smtp://u:hunter2@mail:x"}, "MENTORAT_SMTP_URL"),
        ({"MENTORAT_SMTP_URL": "smtp://mail.example.org"}, "MENTORAT_MAIL_FROM"),
        ({"MENTORAT_WEBHOOK_TIMEOUT_SECONDS": "0"}, "MENTORAT_WEBHOOK_TIMEOUT_SECONDS"),
        ({"MENTORAT_WEBHOOK_GIVE_UP_AFTER": "-1"}, "MENTORAT_WEBHOOK_GIVE_UP_AFTER"),
        ({"MENTORAT_WEBHOOK_BACKOFF_CAP_SECONDS": "0.5"}, "MENTORAT_WEBHOOK_BACKOFF_CAP_SECONDS"),
    ],
)
def test_a_bad_value_stops_the_start_naming_its_variable(
    variables: dict[str, str], named: str
) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env(variables)
    assert named in str(refused.value)
    assert "hunter2" not in str(refused.value)
