"""Differential tests against the Python `cryptography` package (OpenSSL underneath) wherever it
implements the same algorithm: SHA-256, HMAC-SHA256, SM3, SM4-CBC, SM4-CTR, AES-256-GCM, and
secp256k1 ECDSA (signatures and PEM keys, both directions). It has no SM2, no Keccak-256 and (on
OpenSSL 3.0) no SM4-GCM; those are covered by standard vectors in test_crypto.py."""

import os
import random

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.backends import default_backend
from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives import padding

from trestle import crypto

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
RNG = random.Random(8)


def _messages(count=40):
    return [bytes(RNG.getrandbits(8) for _ in range(size)) for size in [0, 1, 55, 56, 63, 64, 65, 1000][:count]] + [
        os.urandom(RNG.randrange(0, 300)) for _ in range(count)]


def _digest(algorithm, data):
    h = hashes.Hash(algorithm)
    h.update(data)
    return h.finalize()


def test_sha256_and_sm3_match_cryptography():
    sm3_supported = default_backend().hash_supported(hashes.SM3())
    for message in _messages():
        assert crypto.sha256(message) == _digest(hashes.SHA256(), message)
        if sm3_supported:
            assert crypto.sm3(message) == _digest(hashes.SM3(), message)
    if not sm3_supported:
        pytest.skip("this OpenSSL has no SM3; SHA-256 was checked")


def test_hmac_sha256_matches_cryptography():
    for key_size in (0, 16, 64, 65, 200):
        key = os.urandom(key_size)
        for message in _messages(5):
            reference = hmac.HMAC(key, hashes.SHA256())
            reference.update(message)
            assert crypto.hmac("sha256", key, message) == reference.finalize()


def test_aes256_gcm_matches_cryptography_both_ways():
    for message in _messages(10):
        key, iv, aad = os.urandom(32), os.urandom(12), os.urandom(RNG.randrange(0, 40))
        sealed = crypto.aes256_gcm_encrypt(key, iv, message, aad)
        assert sealed == AESGCM(key).encrypt(iv, message, aad)
        assert crypto.aes256_gcm_decrypt(key, iv, AESGCM(key).encrypt(iv, message, aad), aad) == message


def _sm4_supported():
    return default_backend().cipher_supported(algorithms.SM4(bytes(16)), modes.CBC(bytes(16)))


@pytest.mark.skipif(not _sm4_supported(), reason="this OpenSSL has no SM4")
def test_sm4_cbc_and_ctr_match_cryptography():
    for message in _messages(10):
        key, iv = os.urandom(16), os.urandom(16)
        padder = padding.PKCS7(128).padder()
        padded = padder.update(message) + padder.finalize()
        encryptor = Cipher(algorithms.SM4(key), modes.CBC(iv)).encryptor()
        reference = encryptor.update(padded) + encryptor.finalize()
        assert crypto.sm4_cbc_encrypt(key, iv, message) == reference
        assert crypto.sm4_cbc_decrypt(key, iv, reference) == message
        ctr = Cipher(algorithms.SM4(key), modes.CTR(iv)).encryptor()
        assert crypto.sm4_ctr(key, iv, message) == ctr.update(message) + ctr.finalize()
    # A counter block that wraps around 2^128 on the second block.
    key, iv = os.urandom(16), b"\xff" * 16
    ctr = Cipher(algorithms.SM4(key), modes.CTR(iv)).encryptor()
    assert crypto.sm4_ctr(key, iv, bytes(48)) == ctr.update(bytes(48)) + ctr.finalize()


def _reference_key(scalar):
    return ec.derive_private_key(int.from_bytes(scalar, "big"), ec.SECP256K1())


def test_secp256k1_public_keys_and_pem_match_cryptography():
    for _ in range(5):
        ours = crypto.Secp256k1PrivateKey.generate()
        reference = _reference_key(ours.secret_bytes())
        point = reference.public_key().public_bytes(serialization.Encoding.X962,
                                                    serialization.PublicFormat.UncompressedPoint)
        assert ours.public_key().to_bytes() == point
        # Our PEM read by cryptography, and cryptography's PEM read by us.
        loaded = serialization.load_pem_private_key(ours.to_pem().encode(), password=None)
        assert loaded.private_numbers().private_value == int.from_bytes(ours.secret_bytes(), "big")
        theirs = reference.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption())
        assert crypto.load_private_key_pem(theirs).secret_bytes() == ours.secret_bytes()
        sec1 = reference.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                       serialization.NoEncryption())
        assert crypto.load_private_key_pem(sec1).secret_bytes() == ours.secret_bytes()
        public_pem = reference.public_key().public_bytes(serialization.Encoding.PEM,
                                                         serialization.PublicFormat.SubjectPublicKeyInfo)
        assert crypto.load_public_key_pem(public_pem) == ours.public_key()


def test_our_secp256k1_der_signatures_verify_in_cryptography():
    prehashed = ec.ECDSA(utils.Prehashed(hashes.SHA256()))  # any 32-byte digest
    for message in _messages(15):
        key = crypto.Secp256k1PrivateKey.generate()
        reference = _reference_key(key.secret_bytes()).public_key()
        digest = crypto.keccak256(message)
        der = crypto.secp256k1_signature_to_der(key.sign(message))
        reference.verify(der, digest, prehashed)  # raises InvalidSignature on failure
        _, s = utils.decode_dss_signature(der)
        assert s <= SECP256K1_N // 2  # low-S, as Ethereum requires
        with pytest.raises(InvalidSignature):
            reference.verify(der, crypto.keccak256(message + b"!"), prehashed)


def test_cryptography_secp256k1_signatures_verify_in_trestle():
    prehashed = ec.ECDSA(utils.Prehashed(hashes.SHA256()))
    for message in _messages(15):
        key = crypto.Secp256k1PrivateKey.generate()
        reference = _reference_key(key.secret_bytes())
        digest = crypto.keccak256(message)
        der = reference.sign(digest, prehashed)
        r, s = utils.decode_dss_signature(der)
        if s > SECP256K1_N // 2:
            # OpenSSL does not normalise s; Trestle accepts only the low-S form of a signature.
            assert not key.public_key().verify_digest_der(digest, der)
            der = utils.encode_dss_signature(r, SECP256K1_N - s)
        assert key.public_key().verify_digest_der(digest, der)
        rs = r.to_bytes(32, "big") + min(s, SECP256K1_N - s).to_bytes(32, "big")
        assert key.public_key().verify_digest(digest, rs)
        # The recovery id is 0 or 1: one of them gives back the key (the other may give another
        # key or none).
        recovered = []
        for v in (0, 1):
            try:
                recovered.append(crypto.recover_digest(digest, rs + bytes([v])))
            except ValueError:
                pass
        assert key.public_key() in recovered
