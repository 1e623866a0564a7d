"""Rules on a user's details: username, email, password, names and phone number."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mentorat.domain.errors import (
    InvalidEmail,
    InvalidInput,
    InvalidUsername,
    UnstorableText,
    WeakPassword,
)
from mentorat.domain.users import (
    NewUser,
    User,
    UserId,
    ensure_storable,
    refuse_confusable,
    username_key,
    validate_email,
    validate_name,
    validate_password,
    validate_phone,
    validate_username,
)

from .builders import T0, a_user

ALLOWED_PUNCTUATION = "@.+-_"


@pytest.mark.parametrize(
    "username",
    ["a", "x" * 150, "john.doe", "me@home", "a+b", "a-b", "a_b", "Élodie", "用户", "007"],
)
def test_a_username_of_letters_digits_and_at_dot_plus_dash_underscore_is_accepted(
    username: str,
) -> None:
    assert validate_username(username) == username


def test_a_blank_username_is_refused() -> None:
    with pytest.raises(InvalidUsername, match="blank") as caught:
        validate_username("")
    assert caught.value.field == "username"


def test_a_username_of_151_characters_is_refused_and_the_message_says_150() -> None:
    with pytest.raises(InvalidUsername, match="150"):
        validate_username("x" * 151)


@pytest.mark.parametrize(
    "username", ["a b", "a/b", "a!b", "name\n", "\tname", "a#b", "a:b", "a,b", "(a)", "a'b"]
)
def test_a_username_with_any_other_character_is_refused(username: str) -> None:
    with pytest.raises(InvalidUsername, match="only letters, numbers"):
        validate_username(username)


@given(st.text(max_size=160))
def test_a_username_is_valid_exactly_when_it_is_1_to_150_allowed_characters(
    username: str,
) -> None:
    allowed = 1 <= len(username) <= 150 and all(
        c.isalnum() or c in ALLOWED_PUNCTUATION for c in username
    )
    if allowed:
        assert validate_username(username) == username
    else:
        with pytest.raises(InvalidUsername):
            validate_username(username)


def test_usernames_that_differ_only_in_case_share_one_key() -> None:
    assert username_key("Mentor_2") == username_key("mentor_2") == username_key("MENTOR_2")
    assert username_key("Straße") == username_key("STRASSE")
    assert username_key("ada") != username_key("bob")


@pytest.mark.parametrize(
    "email", ["ll@rajapi.com", "a.b+c@sub.example.org", "x@y.fr", "Ünïcode@exämple.de"]
)
def test_an_address_that_looks_like_an_email_is_accepted(email: str) -> None:
    assert validate_email(email) == email


def test_an_email_is_stripped_of_surrounding_whitespace() -> None:
    assert validate_email("  ll@rajapi.com \n") == "ll@rajapi.com"


@pytest.mark.parametrize(
    "email",
    [
        "",
        "   ",
        "plain",
        "no-domain@",
        "@no-local.com",
        "a@b",
        "a@@b.com",
        "a b@c.com",
        "a@b.",
        "two@at@signs.com",
        "x" * 250 + "@b.com",
    ],
)
def test_an_address_that_does_not_look_like_an_email_is_refused(email: str) -> None:
    with pytest.raises(InvalidEmail) as caught:
        validate_email(email)
    assert caught.value.field == "email"
    assert caught.value.message == "Enter a valid email address."


@pytest.mark.parametrize("password", ["abcdefgh", "1234567a", "correct horse", "x" * 4096])
def test_a_password_of_at_least_8_characters_not_all_digits_is_accepted(password: str) -> None:
    assert validate_password(password) == password


@pytest.mark.parametrize("password", ["", "a", "abcdefg", "1234567"])
def test_a_password_shorter_than_8_characters_is_refused(password: str) -> None:
    with pytest.raises(WeakPassword, match="at least 8 characters") as caught:
        validate_password(password)
    assert caught.value.field == "password"


@pytest.mark.parametrize("password", ["12345678", "0" * 20, "١٢٣٤٥٦٧٨"])
def test_a_password_made_only_of_digits_is_refused(password: str) -> None:
    with pytest.raises(WeakPassword, match="entirely numeric"):
        validate_password(password)


def test_a_password_longer_than_4096_characters_is_refused() -> None:
    with pytest.raises(WeakPassword, match="4096"):
        validate_password("x" * 4097)


def test_a_name_is_stripped_and_may_be_empty() -> None:
    assert validate_name("first_name", "  Ada  ") == "Ada"
    assert validate_name("last_name", "") == ""


def test_a_name_longer_than_150_characters_is_refused_and_names_its_field() -> None:
    assert validate_name("first_name", "x" * 150) == "x" * 150
    with pytest.raises(InvalidInput) as caught:
        validate_name("last_name", "x" * 151)
    assert caught.value.field == "last_name"


@pytest.mark.parametrize("phone", [None, "", "   "])
def test_a_missing_or_blank_phone_number_is_stored_as_none(phone: str | None) -> None:
    assert validate_phone(phone) is None


@pytest.mark.parametrize("phone", ["+33 6 12 34 56 78", "(555) 123-4567", "0612345678"])
def test_a_phone_number_of_digits_and_usual_separators_is_accepted(phone: str) -> None:
    assert validate_phone(f" {phone} ") == phone


@pytest.mark.parametrize(
    "phone", ["call me", "12", "+33 6 12 34 56 78 ext. 5", "1" * 33, "+" + "1" * 32]
)
def test_anything_else_is_not_a_phone_number(phone: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_phone(phone)
    assert caught.value.field == "phone_number"


def test_a_new_user_is_active_and_not_verified_until_an_administrator_says_so() -> None:
    new = NewUser("ada", "ada@example.com", "hash", "Ada", "L", True, None, T0)
    user = User.from_new(UserId(4), new)
    assert (user.id, user.username, user.is_mentor, user.joined_at) == (4, "ada", True, T0)
    assert user.is_active
    assert not user.is_verified
    user.verify()
    assert user.is_verified
    user.deactivate()
    assert not user.is_active
    user.reactivate()
    assert user.is_active


def test_a_phone_number_may_be_32_characters_long_including_the_plus() -> None:
    assert validate_phone("+" + "1" * 31) == "+" + "1" * 31


@pytest.mark.parametrize("text", ["a\x00b", "\x00", "lone \ud800 surrogate", "\udcff"])
@pytest.mark.parametrize(
    ("field", "validate"),
    [
        ("email", lambda t: validate_email(f"a{t}@example.com")),
        ("password", lambda t: validate_password(f"long enough {t}")),
        ("first_name", lambda t: validate_name("first_name", t)),
    ],
)
def test_text_no_store_can_keep_is_refused_as_bad_input(
    text: str, field: str, validate: Callable[[str], object]
) -> None:
    with pytest.raises(UnstorableText) as caught:
        validate(text)
    assert caught.value.field == field
    assert isinstance(caught.value, InvalidInput)


def test_ordinary_unicode_is_storable() -> None:
    for text in ("", "plain", "Élodie 用户 🙂", "tab\tand\nnewline"):
        assert ensure_storable("x", text) == text


# --- NFKC, confusables, passwords and erasure -------------------------------------------------


@given(st.text(max_size=40))
def test_a_username_key_is_its_own_key(username: str) -> None:
    key = username_key(username)
    assert username_key(key) == key


@pytest.mark.parametrize(
    ("one", "other"),
    [("claire", "ＣＬＡＩＲＥ"), ("Straße", "STRASSE"), ("ﬁne", "fine"), ("Ⅸ", "ix")],
)
def test_names_that_differ_in_width_case_or_ligature_share_one_key(one: str, other: str) -> None:
    assert username_key(one) == username_key(other)


@pytest.mark.parametrize("username", ["clаire", "pαul", "Иван_smith", "ΑΒΓabc"])
def test_a_name_mixing_latin_with_cyrillic_or_greek_is_refused(username: str) -> None:
    with pytest.raises(InvalidUsername):
        refuse_confusable(username)


@pytest.mark.parametrize("username", ["claire", "Иван", "Παύλος", "Zoë_42", "用户", "user.007"])
def test_a_name_in_one_script_passes(username: str) -> None:
    assert refuse_confusable(username) == username


def test_a_change_of_password_retires_earlier_tokens_and_a_temporary_one_must_be_changed() -> None:
    user = a_user()
    assert user.tokens_valid_since == 0
    later = T0.replace(microsecond=999_999)
    user.set_temporary_password("temporary-hash", later)
    assert user.must_change_password
    assert user.tokens_valid_since == int(T0.timestamp())
    user.change_password("new-hash", later)
    assert not user.must_change_password
    assert user.password_hash == "new-hash"


def test_an_erased_user_keeps_their_id_and_nothing_that_names_them() -> None:
    user = a_user(7, is_mentor=True)
    user.phone_number = "+33 6 00 00 00 00"
    user.first_name = "Ada"
    user.erase(T0)
    assert user.id == 7
    assert user.is_erased
    assert (user.username, user.email, user.first_name, user.phone_number) == (
        "#erased-7",
        "",
        "",
        None,
    )
    assert not (user.is_active)
    assert not (user.is_mentor)
    assert not (user.is_staff)
    with pytest.raises(InvalidUsername):
        validate_username(user.username)  # nobody can register the placeholder
