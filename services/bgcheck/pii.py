"""The ID-card number at rest: Fernet-encrypted with PII_ENCRYPTION_KEY, never logged.

The key is handed in by the caller (the transport reads it from Settings); nothing here reads
the environment. A wrong key or a tampered token is a PiiKeyError, whose message never carries
the number.
"""

from __future__ import annotations

import re

from cryptography.fernet import Fernet, InvalidToken

from services.errors import InvalidInput

ID_CARD = re.compile(r"^\d{17}[\dX]$")
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"


class PiiKeyError(RuntimeError):
    """The stored token cannot be read with this key."""


def normalize_id_number(raw: str) -> str:
    """A mainland resident ID-card number (18 characters, valid check digit), upper-cased."""
    value = (raw or "").strip().upper()
    if not ID_CARD.match(value):
        raise InvalidInput("id_number: 18 characters, digits and a final digit or X", code="bad_id")
    total = sum(int(d) * w for d, w in zip(value[:17], WEIGHTS, strict=True))
    if CHECK_CHARS[total % 11] != value[17]:
        raise InvalidInput("id_number: the check digit does not match", code="bad_id")
    return value


def encrypt(key: str, value: str) -> str:
    return Fernet(key.encode()).encrypt(value.encode()).decode()


def decrypt(key: str, token: str) -> str:
    try:
        return Fernet(key.encode()).decrypt(token.encode()).decode()
    except InvalidToken:
        raise PiiKeyError("the stored ID number cannot be decrypted with this key") from None
