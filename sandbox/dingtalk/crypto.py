"""DingTalk's event-callback crypto (protocol doc section 7), DingTalk's side of it.

AES-256-CBC with IV = key[:16] and PKCS#7-style padding to a 32-byte block (not 16: DingTalk's
own ciphertexts carry up to 32 pad bytes).
Plaintext = random16 || len(msg) big-endian || msg || receiveId.
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32


class CryptoError(ValueError):
    """Ciphertext, padding, signature or receiveId did not check out."""


def aes_key_bytes(aes_key: str) -> bytes:
    if len(aes_key) != 43:
        raise CryptoError("EncodingAESKey must be 43 characters")
    return base64.b64decode(aes_key + "=")


def signature(token: str, timestamp: str, nonce: str, encrypt: str) -> str:
    """sha1 hex over the plain-sorted, separator-less concatenation of the four strings."""
    joined = "".join(sorted([token, timestamp, nonce, encrypt])).encode()
    return hashlib.sha1(joined).hexdigest()  # noqa: S324 - SHA-1 is what DingTalk's protocol uses


def encrypt(message: str, aes_key: str, receive_id: str, random16: bytes | None = None) -> str:
    """Encrypt `message` for `receive_id`; `random16` is only fixed by tests."""
    key = aes_key_bytes(aes_key)
    body = message.encode("utf-8")  # length in UTF-8 bytes, not characters
    prefix = random16 if random16 is not None else os.urandom(16)
    plain = prefix + struct.pack(">I", len(body)) + body + receive_id.encode("utf-8")
    pad = BLOCK - len(plain) % BLOCK
    plain += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def decrypt_raw(ciphertext: str, aes_key: str) -> tuple[bytes, str, str]:
    """Return (random prefix, message, receiveId)."""
    key = aes_key_bytes(aes_key)
    try:
        raw = base64.b64decode(ciphertext, validate=True)
    except ValueError as exc:
        raise CryptoError("encrypt is not base64") from exc
    if not raw or len(raw) % 16:
        raise CryptoError("ciphertext length is not a multiple of the AES block")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = decryptor.update(raw) + decryptor.finalize()
    pad = plain[-1]
    if not 1 <= pad <= BLOCK or len(plain) < 20 + pad:
        raise CryptoError("bad padding")
    plain = plain[:-pad]
    (length,) = struct.unpack(">I", plain[16:20])
    message = plain[20 : 20 + length]
    if len(message) != length:
        raise CryptoError("message length field is wrong")
    return plain[:16], message.decode("utf-8"), plain[20 + length :].decode("utf-8")


def decrypt(ciphertext: str, aes_key: str, receive_id: str) -> str:
    """Decrypt and check the receiveId, as the official libraries do."""
    _, message, owner = decrypt_raw(ciphertext, aes_key)
    if owner != receive_id:
        raise CryptoError("计算解密文字corpid不匹配")
    return message


def encrypted_body(
    message: str, *, token: str, aes_key: str, receive_id: str, timestamp: str, nonce: str
) -> dict[str, str]:
    """The `{msg_signature, timeStamp, nonce, encrypt}` map (e.g. the app's `success` reply)."""
    cipher = encrypt(message, aes_key, receive_id)
    return {
        "msg_signature": signature(token, timestamp, nonce, cipher),
        "timeStamp": timestamp,
        "nonce": nonce,
        "encrypt": cipher,
    }
