"""The sandbox's event-callback crypto against the two official vectors (protocol doc 7.7)."""

from __future__ import annotations

import pytest

from sandbox.dingtalk import crypto

VECTORS = [
    {
        "token": "mryue",
        "aes_key": "Yue0EfdN5900c1ce5cf6A152c63DDe1808a60c5ecd7",
        "receive_id": "ding6ccabc44d2c8d38b",
        "timestamp": "1608001896814",
        "nonce": "WL4PK6yA",
        "signature": "03044561471240d4a14bb09372dfcfd4fd0e40cb",
        "encrypt": (
            "0vJiX6vliEpwG3U45CtXqi+m8PXbQRARJ8p8BbDuD1EMTDf0jKpQ79QS93qEk7XHpP6u"
            "+oTTrd15NRPvNvmBKyDCYxxOK+HZeKju4yhELOFchzNukR+t8SB/qk4ROMu3"
        ),
        "plaintext": '{"EventType":"check_url"}',
    },
    {
        "token": "123456",
        "aes_key": "1234567890123456789012345678901234567890123",
        "receive_id": "dingsnotzck6pm5veliw",
        "timestamp": "1614767836",
        "nonce": "A7Co0cJLMzIDtMMI",
        "signature": "9a95a004dd16f5c307e849b994173f76aa26e5eb",
        "encrypt": (
            "YvkvaGe4hQxd3VxRmEty0dVlnCOAqwf56xwTRHDHoOURqhalbmBJQk5FNcRk42Gl5T0YQXZN"
            "wpwWSm1xAFJ5ZA=="
        ),
        "plaintext": "success",
    },
]


@pytest.mark.parametrize("v", VECTORS, ids=["A-check_url", "B-success"])
def test_signature_matches_vector(v: dict[str, str]) -> None:
    assert crypto.signature(v["token"], v["timestamp"], v["nonce"], v["encrypt"]) == v["signature"]


@pytest.mark.parametrize("v", VECTORS, ids=["A-check_url", "B-success"])
def test_decrypt_matches_vector(v: dict[str, str]) -> None:
    assert crypto.decrypt(v["encrypt"], v["aes_key"], v["receive_id"]) == v["plaintext"]


@pytest.mark.parametrize("v", VECTORS, ids=["A-check_url", "B-success"])
def test_encrypt_reproduces_vector_byte_for_byte(v: dict[str, str]) -> None:
    prefix, _, _ = crypto.decrypt_raw(v["encrypt"], v["aes_key"])
    ours = crypto.encrypt(v["plaintext"], v["aes_key"], v["receive_id"], random16=prefix)
    assert ours == v["encrypt"]  # proves the 32-byte padding and the layout


def test_round_trip_uses_utf8_length() -> None:
    key = VECTORS[1]["aes_key"]
    cipher = crypto.encrypt('{"EventType":"user_add_org","名字":"张伟"}', key, "dingapp")
    assert crypto.decrypt(cipher, key, "dingapp").endswith('"张伟"}')


def test_wrong_receive_id_is_rejected() -> None:
    v = VECTORS[0]
    with pytest.raises(crypto.CryptoError):
        crypto.decrypt(v["encrypt"], v["aes_key"], "someone-else")
