"""DingTalk callback crypto (protocol section 7) and the card-callback signature (section 6.3).

Events: `msg_signature = sha1_hex(''.join(sorted([token, timestamp, nonce, encrypt])))`; the
body is AES-256-CBC with key = base64(aes_key + "="), IV = key[:16], PKCS#7 padding to 32-byte
blocks, plaintext = 16 random bytes + 4-byte big-endian length + msg + receiveId.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32


class CallbackCryptoError(ValueError):
    """A signature, ciphertext or receiveId that does not check out."""


def signature(token: str, timestamp: str, nonce: str, encrypt: str) -> str:
    """SHA-1 hex over the sorted, concatenated four values."""
    joined = "".join(sorted([token, timestamp, nonce, encrypt]))
    return hashlib.sha1(joined.encode()).hexdigest()  # noqa: S324 (DingTalk's protocol)


def verify_signature(token: str, timestamp: str, nonce: str, encrypt: str, given: str) -> None:
    """Raise CallbackCryptoError unless `given` is the signature of the four values."""
    if not hmac.compare_digest(
        signature(token, timestamp, nonce, encrypt).encode(), (given or "").encode()
    ):
        raise CallbackCryptoError("signature mismatch")


def _key(aes_key: str) -> bytes:
    try:
        key = base64.b64decode(aes_key + "=", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CallbackCryptoError("aes key is not 43 base64 characters") from exc
    if len(key) != 32:
        raise CallbackCryptoError("aes key must decode to 32 bytes")
    return key


def encrypt(message: str, aes_key: str, receive_id: str, *, prefix: bytes | None = None) -> str:
    """Encrypt `message` for `receive_id` (a fresh random prefix unless one is given)."""
    key = _key(aes_key)
    body = message.encode()
    plain = (prefix or os.urandom(16)) + struct.pack(">I", len(body)) + body + receive_id.encode()
    pad = BLOCK - len(plain) % BLOCK
    plain += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def decrypt(cipher_text: str, aes_key: str, receive_id: str) -> str:
    """Decrypt and check the receiveId; raise CallbackCryptoError on any inconsistency."""
    key = _key(aes_key)
    try:
        raw = base64.b64decode(cipher_text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CallbackCryptoError("encrypt is not base64") from exc
    if not raw or len(raw) % 16:
        raise CallbackCryptoError("ciphertext length is not a multiple of 16")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = decryptor.update(raw) + decryptor.finalize()
    pad = plain[-1]
    if not 1 <= pad <= BLOCK or len(plain) < 20 + pad:
        raise CallbackCryptoError("bad padding")
    plain = plain[:-pad]
    (length,) = struct.unpack(">I", plain[16:20])
    message, owner = plain[20 : 20 + length], plain[20 + length :]
    if len(message) != length or not hmac.compare_digest(owner, receive_id.encode()):
        raise CallbackCryptoError("receiveId does not match")
    try:
        return message.decode()
    except UnicodeDecodeError as exc:
        raise CallbackCryptoError("message is not UTF-8") from exc


def card_signature(api_secret: str, timestamp: str) -> str:
    """`x-ddpaas-signature` = base64(HMAC-SHA256(apiSecret, timestamp))."""
    digest = hmac.new(api_secret.encode(), timestamp.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()
