"""trestle.crypto: standard vectors, round trips and errors (exception types and messages)."""

import pytest

import trestle
from trestle import crypto

SM2_D = bytes.fromhex("3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8")
SM2_PUBLIC = bytes.fromhex(
    "0409f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020"
    "ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13")
SM2_RS = bytes.fromhex(
    "f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3"
    "b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa")
SM2_CIPHERTEXT = bytes.fromhex(
    "0404ebfc718e8d1798620432268e77feb6415e2ede0e073c0f4f640ecd2e149a73"
    "e858f9d81e5430a57b36daab8f950a3c64e6ee6a63094d99283aff767e124df0"
    "59983c18f809e262923c53aec295d30383b54e39d609d160afcb1908d0bd8766"
    "21886ca989ca9c7d58087307ca93092d651efa")


def test_versions():
    assert trestle.library_version() == trestle.__version__ == "0.1.0"


def test_hash_vectors():
    assert crypto.sm3(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert crypto.sha256(b"abc").hex() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert crypto.keccak256(b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    assert crypto.hash("sha256", bytearray(b"abc")) == crypto.sha256(b"abc")
    assert crypto.sm3(memoryview(b"abc")) == crypto.sm3(b"abc")
    assert crypto.hmac("sha256", b"Jefe", b"what do ya want for nothing?").hex() == (
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")


def test_hash_errors():
    with pytest.raises(trestle.InvalidArgumentError, match="unknown hash algorithm 'md5'"):
        crypto.hash("md5", b"")
    with pytest.raises(ValueError, match="not Keccak-256"):
        crypto.hmac("keccak256", b"k", b"d")
    with pytest.raises(TypeError, match="data must be bytes, not str"):
        crypto.sm3("abc")


def test_hasher_matches_one_shot_and_resets():
    message = b"the quick brown fox jumps over the lazy dog" * 10
    hasher = crypto.Hasher("keccak256")
    for start in range(0, len(message), 7):
        hasher.update(message[start:start + 7])
    assert hasher.finish() == crypto.keccak256(message)
    assert hasher.finish() == crypto.keccak256(b"")
    assert crypto.Hasher().update(b"abc").finish() == crypto.sm3(b"abc")
    with pytest.raises(trestle.InvalidArgumentError):
        crypto.Hasher("sha1")


def test_sm2_example_key_signature_and_ciphertext():
    key = crypto.SM2PrivateKey.from_bytes(SM2_D)
    public = key.public_key()
    assert isinstance(public, crypto.SM2PublicKey)
    assert public.to_bytes() == SM2_PUBLIC
    assert public.verify(b"message digest", SM2_RS)
    assert public.verify(b"message digest", SM2_RS, user_id="1234567812345678")
    assert not public.verify(b"message digest", SM2_RS, user_id=b"1234567812345679")
    assert not public.verify(b"message digesT", SM2_RS)
    assert crypto.sm2_signature_from_der(crypto.sm2_signature_to_der(SM2_RS)) == SM2_RS
    assert key.decrypt(SM2_CIPHERTEXT) == b"encryption standard"
    assert key.secret_bytes() == SM2_D


@pytest.mark.parametrize("key_class,size", [(crypto.SM2PrivateKey, 64), (crypto.Secp256k1PrivateKey, 65)])
def test_sign_verify_round_trip(key_class, size):
    key = key_class.generate()
    public = key.public_key()
    signature = key.sign(b"transfer 100")
    assert len(signature) == size
    assert public.verify(b"transfer 100", signature)
    assert not public.verify(b"transfer 101", signature)
    assert not public.verify(b"transfer 100", signature[:63])
    digest = crypto.sha256(b"digest input")
    assert public.verify_digest(digest, key.sign_digest(digest))
    with pytest.raises(trestle.InvalidArgumentError, match="32 bytes"):
        key.sign_digest(digest[:31])
    assert public.address() == key.address()
    assert len(public.address()) == 20
    assert "secret" in repr(key) and key.secret_bytes().hex() not in repr(key)


def test_sm2_user_id_and_encryption_formats():
    key = crypto.SM2PrivateKey.generate()
    signature = key.sign(b"m", user_id="alice@example.com")
    assert key.public_key().verify(b"m", signature, user_id="alice@example.com")
    assert not key.public_key().verify(b"m", signature)
    for fmt in ("c1c3c2", "der"):
        ciphertext = key.public_key().encrypt(b"secret payload", format=fmt)
        assert key.decrypt(ciphertext, format=fmt) == b"secret payload"
    raw = key.public_key().encrypt(b"x")
    assert len(raw) == 1 + 97
    with pytest.raises(trestle.AuthenticationError):
        key.decrypt(raw[:-1] + bytes([raw[-1] ^ 1]))
    with pytest.raises(trestle.InvalidArgumentError, match="unknown format 'pkcs'"):
        key.public_key().encrypt(b"x", format="pkcs")
    with pytest.raises(trestle.InvalidArgumentError):
        key.public_key().encrypt(b"")


def test_secp256k1_recovery_and_known_address():
    key = crypto.Secp256k1PrivateKey.from_bytes((1).to_bytes(32, "big"))
    assert key.address().hex() == "7e5f4552091a69125d5dfcb7b8c2659029395bdf"
    signature = key.sign(b"hello")
    assert signature == key.sign(b"hello")  # RFC 6979
    assert crypto.recover(b"hello", signature) == key.public_key()
    assert crypto.recover_digest(crypto.keccak256(b"hello"), signature) == key.public_key()
    der = crypto.secp256k1_signature_to_der(signature)
    assert key.public_key().verify_digest_der(crypto.keccak256(b"hello"), der)
    assert not key.public_key().verify_digest_der(crypto.keccak256(b"hellO"), der)
    with pytest.raises(trestle.InvalidArgumentError):
        crypto.recover(b"hello", signature[:64] + b"\x07")


def test_key_serialization():
    for key_class in (crypto.SM2PrivateKey, crypto.Secp256k1PrivateKey):
        key = key_class.generate()
        pem = key.to_pem()
        assert pem.startswith("-----BEGIN PRIVATE KEY-----")
        again = crypto.load_private_key_pem(pem)
        assert type(again) is key_class and again.secret_bytes() == key.secret_bytes()
        public_pem = key.public_key().to_pem()
        assert crypto.load_public_key_pem(public_pem) == key.public_key()
        assert key_class.from_pem(pem).secret_bytes() == key.secret_bytes()
        compressed = key.public_key().to_bytes(compressed=True)
        assert len(compressed) == 33
        assert type(key.public_key()).from_bytes(compressed) == key.public_key()
        keystore = key.to_keystore("correct horse", scrypt_n=1024)
        assert crypto.load_keystore(keystore, "correct horse").secret_bytes() == key.secret_bytes()
        with pytest.raises(trestle.AuthenticationError, match="wrong password"):
            crypto.load_keystore(keystore, "wrong horse")
    with pytest.raises(trestle.InvalidArgumentError, match="holds a sm2 key, not secp256k1"):
        crypto.Secp256k1PrivateKey.from_pem(crypto.SM2PrivateKey.generate().to_pem())
    with pytest.raises(trestle.InvalidArgumentError):
        crypto.load_private_key_pem("garbage")
    with pytest.raises(trestle.InvalidArgumentError):
        crypto.SM2PrivateKey.from_bytes(b"\xff" * 32)
    with pytest.raises(trestle.InvalidArgumentError):
        crypto.Secp256k1PublicKey.from_bytes(SM2_PUBLIC)
    with pytest.raises(TypeError, match="do not name the curve"):
        crypto.PublicKey.from_bytes(SM2_PUBLIC)


def test_ciphers_vectors_and_errors():
    # RFC 8998 A.1 (SM4-GCM) and McGrew-Viega test case 14 (AES-256-GCM).
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    iv = bytes.fromhex("00001234567800000000abcd")
    aad = bytes.fromhex("feedfacedeadbeeffeedfacedeadbeefabaddad2")
    plaintext = bytes.fromhex("aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbccccccccccccccccdddddddddddddddd"
                              "eeeeeeeeeeeeeeeeffffffffffffffffeeeeeeeeeeeeeeeeaaaaaaaaaaaaaaaa")
    sealed = crypto.sm4_gcm_encrypt(key, iv, plaintext, aad)
    assert sealed.hex() == ("17f399f08c67d5ee19d0dc9969c4bb7d5fd46fd3756489069157b282bb200735"
                            "d82710ca5c22f0ccfa7cbf93d496ac15a56834cbcf98c397b4024a2691233b8d"
                            "83de3541e4c2b58177e065a9bf7b62ec")
    assert crypto.sm4_gcm_decrypt(key, iv, sealed, aad) == plaintext
    with pytest.raises(trestle.AuthenticationError):
        crypto.sm4_gcm_decrypt(key, iv, sealed, aad[:-1])
    assert crypto.aes256_gcm_encrypt(bytes(32), bytes(12), bytes(16)).hex() == (
        "cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919")
    with pytest.raises(trestle.InvalidArgumentError):
        crypto.aes256_gcm_encrypt(bytes(16), bytes(12), b"x")
    cbc = crypto.sm4_cbc_encrypt(key, bytes(16), key)
    assert cbc[:16].hex() == "681edf34d206965e86b3e94f536e4246" and len(cbc) == 32
    assert crypto.sm4_cbc_decrypt(key, bytes(16), cbc) == key
    assert crypto.sm4_ctr(key, iv + bytes(4), crypto.sm4_ctr(key, iv + bytes(4), b"round trip")) == b"round trip"
    assert crypto.sm4_ctr(key, bytes(16), b"") == b""
    with pytest.raises(trestle.InvalidArgumentError):
        crypto.sm4_cbc_decrypt(key, bytes(16), cbc[:-1])
