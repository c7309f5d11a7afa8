"""Two-factor secrets sealed at rest: what is stored never shows the secret, opens with the key
that sealed it or a fallback key, and a wrong key or a damaged value opens nothing."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minwon.config import Settings
from minwon.org import twofactor
from minwon.org.models import Staff
from minwon.org.totp_seal import PREFIX, Keyring, UnreadableSecret, keyring

OLD = "o" * 40
NEW = "n" * 40
BASE32 = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", min_size=16, max_size=64)
KEYS = st.text(min_size=32, max_size=80)


def test_a_sealed_secret_hides_it_and_opens_to_it() -> None:
    secret = twofactor.new_secret()
    ring = Keyring(NEW)
    stored = ring.seal(secret)
    assert stored.startswith(PREFIX) and secret not in stored
    assert len(stored) <= Staff.__table__.c.totp_secret.type.length
    assert ring.seal(secret) != stored  # a fresh nonce each time: equal secrets do not show
    assert ring.open(stored) == secret and ring.is_current(stored)


def test_a_fallback_key_opens_but_the_current_key_seals() -> None:
    stored = Keyring(OLD).seal("JBSWY3DPEHPK3PXP")
    rotated = Keyring(NEW, [OLD])
    assert rotated.open(stored) == "JBSWY3DPEHPK3PXP"
    assert not rotated.is_current(stored)
    resealed = rotated.seal(rotated.open(stored))
    assert Keyring(NEW).open(resealed) == "JBSWY3DPEHPK3PXP"
    with pytest.raises(UnreadableSecret):
        Keyring(OLD).open(resealed)


@pytest.mark.parametrize(
    "stored", [PREFIX, PREFIX + "gAAAAAB", PREFIX + "not base64 at all!", PREFIX + "한글"]
)
def test_a_damaged_value_opens_nothing(stored: str) -> None:
    ring = Keyring(NEW)
    with pytest.raises(UnreadableSecret):
        ring.open(stored)
    assert not ring.is_current(stored)


def test_a_secret_of_an_earlier_minwon_is_read_as_it_is_and_needs_sealing() -> None:
    ring = Keyring(NEW)
    assert ring.open("JBSWY3DPEHPK3PXP") == "JBSWY3DPEHPK3PXP"
    assert not ring.is_current("JBSWY3DPEHPK3PXP")
    assert ring.open("") == "" and ring.is_current("")


def test_the_keyring_follows_the_settings_fallbacks() -> None:
    stored = keyring(Settings(secret_key=OLD)).seal("JBSWY3DPEHPK3PXP")
    spaced = "correct horse battery staple and a few more words"
    both = Settings(secret_key=NEW, secret_key_fallbacks=f" {spaced} ,{OLD}, ")
    assert both.fallback_secret_keys == [spaced, OLD]  # a passphrase stays one key
    assert keyring(both).open(stored) == "JBSWY3DPEHPK3PXP"
    with pytest.raises(UnreadableSecret):
        keyring(Settings(secret_key=NEW)).open(stored)


@given(secret=BASE32, key=KEYS, other=KEYS)
def test_only_the_sealing_key_or_its_fallback_opens(secret: str, key: str, other: str) -> None:
    stored = Keyring(key).seal(secret)
    assert Keyring(other, [key]).open(stored) == secret
    if other != key:
        with pytest.raises(UnreadableSecret):
            Keyring(other).open(stored)
