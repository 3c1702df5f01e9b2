"""Hashes, keys, signatures and ciphers: SM3/SM2/SM4 and Keccak-256/secp256k1/AES-256-GCM.

Bytes in, bytes out. Errors raise trestle.errors exceptions with the library's message.

Suites name the algorithms of a chain:
  "sm"     SM3, SM2 signatures (64 bytes r||s over SM3(Z_A || M), default user ID), SM4-GCM
  "ecdsa"  Keccak-256, secp256k1 (65 bytes r||s||v over Keccak-256(M), low-S, RFC 6979),
           AES-256-GCM
"""

import builtins
import ctypes
import weakref

from . import _native
from ._native import as_bytes, code_of, lib

__all__ = [
    "sm3", "sha256", "keccak256", "hash", "hmac", "Hasher",
    "PrivateKey", "PublicKey", "SM2PrivateKey", "SM2PublicKey", "Secp256k1PrivateKey", "Secp256k1PublicKey",
    "load_private_key_pem", "load_public_key_pem", "load_keystore", "recover", "recover_digest",
    "sm2_signature_to_der", "sm2_signature_from_der", "secp256k1_signature_to_der",
    "sm4_gcm_encrypt", "sm4_gcm_decrypt", "aes256_gcm_encrypt", "aes256_gcm_decrypt",
    "sm4_cbc_encrypt", "sm4_cbc_decrypt", "sm4_ctr",
]

DEFAULT_SM2_USER_ID = b"1234567812345678"


def hash(algorithm, data):  # noqa: A001 - shadows the builtin in this module only; see PublicKey.__hash__
    """The 32-byte digest of data with "sm3", "sha256" or "keccak256"."""
    data = as_bytes(data)
    return _native.output("trestle_hash", code_of(_native.HASHES, algorithm, "hash algorithm"), data, len(data),
                          size_hint=32)


def sm3(data):
    return hash("sm3", data)


def sha256(data):
    return hash("sha256", data)


def keccak256(data):
    """Ethereum's Keccak-256 (original padding), not FIPS 202 SHA3-256."""
    return hash("keccak256", data)


def hmac(algorithm, key, data):
    """HMAC (RFC 2104) with "sm3" or "sha256"."""
    key, data = as_bytes(key, "key"), as_bytes(data)
    return _native.output("trestle_hmac", code_of(_native.HASHES, algorithm, "hash algorithm"), key, len(key), data,
                          len(data), size_hint=32)


class Hasher:
    """Incremental hashing: update() any number of times, then finish() (which resets)."""

    def __init__(self, algorithm="sm3"):
        self.algorithm = algorithm
        self._handle = _native.new_handle("trestle_hasher_new", code_of(_native.HASHES, algorithm, "hash algorithm"))
        weakref.finalize(self, lib.trestle_hasher_free, self._handle)

    def update(self, data):
        data = as_bytes(data)
        _native.call("trestle_hasher_update", self._handle, data, len(data))
        return self

    def finish(self):
        """The digest of everything given since the last finish(); the hasher starts over."""
        return _native.output("trestle_hasher_finish", self._handle, size_hint=32)


def _user_id(user_id):
    if user_id is None:
        return None, 0
    user_id = user_id.encode() if isinstance(user_id, str) else as_bytes(user_id, "user_id")
    return user_id, len(user_id)


class PublicKey:
    """A validated point on its curve. Compare with ==; hashable."""

    key_type = None
    suite = None

    def __init__(self, handle):
        self._handle = handle
        weakref.finalize(self, lib.trestle_public_key_free, handle)

    @staticmethod
    def _wrap(handle):
        value = ctypes.c_int(-1)
        _native.call("trestle_public_key_type", handle, ctypes.byref(value))
        return (SM2PublicKey if value.value == _native.KEY_TYPES["sm2"] else Secp256k1PublicKey)(handle)

    @classmethod
    def from_bytes(cls, encoded):
        """From 65 bytes 04||x||y, 64 bytes x||y or 33 bytes 02/03||x."""
        if cls.key_type is None:
            raise TypeError("call from_bytes on SM2PublicKey or Secp256k1PublicKey: the bytes do not name the curve")
        encoded = as_bytes(encoded, "encoded")
        return cls(_native.new_handle("trestle_public_key_from_bytes", _native.KEY_TYPES[cls.key_type], encoded,
                                      len(encoded)))

    @classmethod
    def from_pem(cls, pem):
        pem = pem.encode() if isinstance(pem, str) else as_bytes(pem, "pem")
        key = PublicKey._wrap(_native.new_handle("trestle_public_key_from_pem", pem, len(pem)))
        if cls.key_type is not None and key.key_type != cls.key_type:
            raise _native.errors.InvalidArgumentError(f"the PEM holds a {key.key_type} key, not {cls.key_type}")
        return key

    def to_bytes(self, compressed=False):
        return _native.output("trestle_public_key_to_bytes", self._handle, 1 if compressed else 0, size_hint=65)

    def to_pem(self):
        return _native.text_output("trestle_public_key_to_pem", self._handle)

    def address(self, suite=None):
        """The 20-byte account address in a suite (default: the key's own suite)."""
        return _native.output("trestle_public_key_address", self._handle,
                              code_of(_native.SUITES, suite or self.suite, "suite"), size_hint=20)

    def verify(self, message, signature):
        """True for a valid suite signature of message; False for anything else."""
        message, signature = as_bytes(message, "message"), as_bytes(signature, "signature")
        return _native.flag("trestle_verify", _native.SUITES[self.suite], self._handle, message, len(message),
                            signature, len(signature))

    def verify_digest(self, digest, signature):
        digest, signature = as_bytes(digest, "digest"), as_bytes(signature, "signature")
        return _native.flag("trestle_verify_digest", _native.SUITES[self.suite], self._handle, digest, len(digest),
                            signature, len(signature))

    def __eq__(self, other):
        return isinstance(other, PublicKey) and self.key_type == other.key_type and self.to_bytes() == other.to_bytes()

    def __hash__(self):
        return builtins.hash((self.key_type, self.to_bytes()))

    def __repr__(self):
        return f"{type(self).__name__}({self.to_bytes().hex()})"


class SM2PublicKey(PublicKey):
    key_type = "sm2"
    suite = "sm"

    def verify(self, message, signature, user_id=None):
        """SM2 verification of r||s over SM3(Z_A || message); user_id None is the default ID."""
        message, signature = as_bytes(message, "message"), as_bytes(signature, "signature")
        uid, uid_len = _user_id(user_id)
        return _native.flag("trestle_sm2_verify", self._handle, uid, uid_len, message, len(message), signature,
                            len(signature))

    def encrypt(self, plaintext, format="c1c3c2"):  # noqa: A002 - the C API's name for it
        """SM2 public-key encryption; format "c1c3c2" (raw) or "der" (OpenSSL's ASN.1)."""
        plaintext = as_bytes(plaintext, "plaintext")
        return _native.output("trestle_sm2_encrypt", self._handle, code_of(_native.SM2_FORMATS, format, "format"),
                              plaintext, len(plaintext), size_hint=len(plaintext) + 120)


class Secp256k1PublicKey(PublicKey):
    key_type = "secp256k1"
    suite = "ecdsa"

    def verify_digest_der(self, digest, der):
        """Verifies a strict-DER ECDSA signature over a 32-byte digest (high-S rejected)."""
        digest, der = as_bytes(digest, "digest"), as_bytes(der, "der")
        return _native.flag("trestle_secp256k1_verify_digest_der", self._handle, digest, len(digest), der, len(der))


class PrivateKey:
    """A secret key: no comparison, no printing; wiped in the library when garbage-collected."""

    key_type = None
    suite = None

    def __init__(self, handle):
        self._handle = handle
        weakref.finalize(self, lib.trestle_private_key_free, handle)

    @staticmethod
    def _wrap(handle):
        value = ctypes.c_int(-1)
        _native.call("trestle_private_key_type", handle, ctypes.byref(value))
        return (SM2PrivateKey if value.value == _native.KEY_TYPES["sm2"] else Secp256k1PrivateKey)(handle)

    @classmethod
    def _type_code(cls):
        if cls.key_type is None:
            raise TypeError("use SM2PrivateKey or Secp256k1PrivateKey")
        return _native.KEY_TYPES[cls.key_type]

    @classmethod
    def generate(cls):
        return cls(_native.new_handle("trestle_private_key_generate", cls._type_code()))

    @classmethod
    def from_bytes(cls, scalar):
        """From the 32-byte big-endian secret scalar."""
        scalar = as_bytes(scalar, "scalar")
        return cls(_native.new_handle("trestle_private_key_from_bytes", cls._type_code(), scalar, len(scalar)))

    @classmethod
    def from_pem(cls, pem):
        """PKCS#8 "PRIVATE KEY" or SEC1 "EC PRIVATE KEY"; the curve comes from the PEM."""
        pem = pem.encode() if isinstance(pem, str) else as_bytes(pem, "pem")
        key = PrivateKey._wrap(_native.new_handle("trestle_private_key_from_pem", pem, len(pem)))
        if cls.key_type is not None and key.key_type != cls.key_type:
            raise _native.errors.InvalidArgumentError(f"the PEM holds a {key.key_type} key, not {cls.key_type}")
        return key

    @classmethod
    def from_keystore(cls, keystore_json, password):
        """Opens a keystore document; AuthenticationError for a wrong password."""
        document = keystore_json.encode() if isinstance(keystore_json, str) else as_bytes(keystore_json, "keystore")
        secret = password.encode() if isinstance(password, str) else as_bytes(password, "password")
        key = PrivateKey._wrap(_native.new_handle("trestle_private_key_from_keystore", document, len(document),
                                                  secret, len(secret)))
        if cls.key_type is not None and key.key_type != cls.key_type:
            raise _native.errors.InvalidArgumentError(f"the keystore holds a {key.key_type} key, not {cls.key_type}")
        return key

    def to_pem(self):
        return _native.text_output("trestle_private_key_to_pem", self._handle)

    def to_keystore(self, password, scrypt_n=0):
        """A keystore JSON document; scrypt_n 0 is the default cost 2^15 (about 0.1 s)."""
        secret = password.encode() if isinstance(password, str) else as_bytes(password, "password")
        return _native.text_output("trestle_private_key_to_keystore", self._handle, secret, len(secret), scrypt_n,
                                   size_hint=2048)

    def secret_bytes(self):
        """The 32-byte secret scalar. Handle with care."""
        return _native.output("trestle_private_key_secret", self._handle, size_hint=32, secret=True)

    def public_key(self):
        return PublicKey._wrap(_native.new_handle("trestle_private_key_public_key", self._handle))

    def address(self, suite=None):
        return self.public_key().address(suite)

    def sign(self, message):
        """The suite signature of message (sm: 64 bytes r||s; ecdsa: 65 bytes r||s||v)."""
        message = as_bytes(message, "message")
        return _native.output("trestle_sign", _native.SUITES[self.suite], self._handle, message, len(message),
                              size_hint=65)

    def sign_digest(self, digest):
        """Signs a ready 32-byte digest (sm: e = SM3(Z_A || M))."""
        digest = as_bytes(digest, "digest")
        return _native.output("trestle_sign_digest", _native.SUITES[self.suite], self._handle, digest, len(digest),
                              size_hint=65)

    def __repr__(self):
        return f"<{type(self).__name__} (secret)>"


class SM2PrivateKey(PrivateKey):
    key_type = "sm2"
    suite = "sm"

    def sign(self, message, user_id=None):
        """SM2 signature r||s over SM3(Z_A || message); user_id None is the default ID."""
        message = as_bytes(message, "message")
        uid, uid_len = _user_id(user_id)
        return _native.output("trestle_sm2_sign", self._handle, uid, uid_len, message, len(message), size_hint=64)

    def decrypt(self, ciphertext, format="c1c3c2"):  # noqa: A002
        ciphertext = as_bytes(ciphertext, "ciphertext")
        return _native.output("trestle_sm2_decrypt", self._handle, code_of(_native.SM2_FORMATS, format, "format"),
                              ciphertext, len(ciphertext), size_hint=max(len(ciphertext), 1), secret=True)


class Secp256k1PrivateKey(PrivateKey):
    key_type = "secp256k1"
    suite = "ecdsa"


def load_private_key_pem(pem):
    return PrivateKey.from_pem(pem)


def load_public_key_pem(pem):
    return PublicKey.from_pem(pem)


def load_keystore(keystore_json, password):
    return PrivateKey.from_keystore(keystore_json, password)


def recover(message, signature):
    """The secp256k1 key that made a 65-byte ecdsa signature of message."""
    message, signature = as_bytes(message, "message"), as_bytes(signature, "signature")
    return Secp256k1PublicKey(_native.new_handle("trestle_recover", _native.SUITES["ecdsa"], message, len(message),
                                                 signature, len(signature)))


def recover_digest(digest, signature):
    digest, signature = as_bytes(digest, "digest"), as_bytes(signature, "signature")
    return Secp256k1PublicKey(_native.new_handle("trestle_secp256k1_recover_digest", digest, len(digest), signature,
                                                 len(signature)))


def sm2_signature_to_der(signature):
    signature = as_bytes(signature, "signature")
    return _native.output("trestle_signature_to_der", _native.KEY_TYPES["sm2"], signature, len(signature),
                          size_hint=72)


def sm2_signature_from_der(der):
    der = as_bytes(der, "der")
    return _native.output("trestle_sm2_signature_from_der", der, len(der), size_hint=64)


def secp256k1_signature_to_der(signature):
    """DER of a 65-byte r||s||v signature (v is dropped)."""
    signature = as_bytes(signature, "signature")
    return _native.output("trestle_signature_to_der", _native.KEY_TYPES["secp256k1"], signature, len(signature),
                          size_hint=72)


def _aead(function, algorithm, key, iv, data, aad, secret):
    key, iv, data, aad = as_bytes(key, "key"), as_bytes(iv, "iv"), as_bytes(data), as_bytes(aad, "aad")
    return _native.output(function, _native.AEADS[algorithm], key, len(key), iv, len(iv), aad, len(aad), data,
                          len(data), size_hint=len(data) + 16, secret=secret)


def sm4_gcm_encrypt(key, iv, plaintext, aad=b""):
    """SM4-GCM: 16-byte key, 12-byte IV; returns ciphertext || 16-byte tag."""
    return _aead("trestle_aead_encrypt", "sm4-gcm", key, iv, plaintext, aad, False)


def sm4_gcm_decrypt(key, iv, sealed, aad=b""):
    """Takes ciphertext || tag; AuthenticationError when the tag does not verify."""
    return _aead("trestle_aead_decrypt", "sm4-gcm", key, iv, sealed, aad, True)


def aes256_gcm_encrypt(key, iv, plaintext, aad=b""):
    """AES-256-GCM: 32-byte key, 12-byte IV; returns ciphertext || 16-byte tag."""
    return _aead("trestle_aead_encrypt", "aes-256-gcm", key, iv, plaintext, aad, False)


def aes256_gcm_decrypt(key, iv, sealed, aad=b""):
    return _aead("trestle_aead_decrypt", "aes-256-gcm", key, iv, sealed, aad, True)


def _sm4(function, key, iv, data, size, secret):
    key, iv, data = as_bytes(key, "key"), as_bytes(iv, "iv"), as_bytes(data)
    return _native.output(function, key, len(key), iv, len(iv), data, len(data), size_hint=size, secret=secret)


def sm4_cbc_encrypt(key, iv, plaintext):
    """SM4-CBC with PKCS#7 padding. Not authenticated: prefer sm4_gcm_encrypt."""
    return _sm4("trestle_sm4_cbc_encrypt", key, iv, plaintext, len(plaintext) + 16, False)


def sm4_cbc_decrypt(key, iv, ciphertext):
    return _sm4("trestle_sm4_cbc_decrypt", key, iv, ciphertext, max(len(ciphertext), 1), True)


def sm4_ctr(key, iv, data):
    """SM4-CTR (the IV is the first 128-bit big-endian counter block); encrypts and decrypts."""
    return _sm4("trestle_sm4_ctr", key, iv, data, max(len(data), 1), True)
