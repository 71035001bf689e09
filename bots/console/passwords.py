"""Console passwords: hashed with Argon2id (argon2-cffi), checked in constant time.

It knows hashing and checking; it does not know users or where a hash is kept. An unknown
user costs the same time as a wrong password, so timing does not tell which names exist.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bots.errors import BadInput
from bots.messages import t

_HASHER = PasswordHasher()
_DUMMY = _HASHER.hash("an unknown user is checked against this")
MIN_LENGTH = 8


def hash_password(password: str) -> str:
    """The hash to store; a password shorter than ``MIN_LENGTH`` is refused."""
    if len(password) < MIN_LENGTH:
        raise BadInput(t("密码至少{n}个字符", n=MIN_LENGTH))
    return _HASHER.hash(password)


def verify(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches the ``stored`` hash (None: no such user)."""
    try:
        return _HASHER.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """The hash was made with weaker parameters than today's: store a new one."""
    return _HASHER.check_needs_rehash(stored)
