#include "trestle/crypto/cipher.hpp"

#include <cryptopp/aes.h>
#include <cryptopp/gcm.h>
#include <cryptopp/modes.h>
#include <cryptopp/sm4.h>

#include <cassert>
#include <exception>
#include <string>
#include <string_view>

#include "sm4_block.hpp"

// Which SM4 runs where: single blocks and CBC (both directions) use our SM4 (sm4_block.hpp);
// CTR and GCM use Crypto++, whose multi-block SM4 encryption uses AES-NI when the CPU has it.
// CBC encryption is serial, so Crypto++ ran it one block at a time through that AES-NI code,
// which computes four blocks per call (three of them dummies): a third of OpenSSL's speed.
//
// Side channels: on x86-64 CPUs with AES-NI and SSSE3, our SM4 is constant-time (the S-box is
// computed with AESENCLAST and register shuffles, see sm4_block.hpp), and so is Crypto++'s AES-NI
// SM4 behind CTR and GCM. Elsewhere both fall back to table lookups at key- and data-dependent
// indices, as OpenSSL 3.0's SM4 does everywhere (Crypto++'s portable SM4 touches its S-box before
// each block as a partial countermeasure). AES uses AES-NI and GHASH uses PCLMULQDQ when the CPU
// has them, otherwise table lookups as well. Our own code below (size checks, PKCS#7 padding
// check) does not branch on secret data except for the final accept/reject decision.

namespace trestle::crypto {
namespace {

using CryptoPP::byte;

constexpr std::size_t kCtrIvSize = 16;
constexpr std::size_t kCbcIvSize = 16;

const byte* data_or_empty(ByteView view) {
  static constexpr byte kEmpty = 0;
  return view.empty() ? &kEmpty : view.data();
}

Status check_size(std::string_view scheme, std::string_view what, ByteView value, std::size_t expected) {
  if (value.size() == expected) return ok_status();
  return Error(ErrorCode::kInvalidArgument, std::string(scheme) + ": " + std::string(what) + " must be " +
                                                std::to_string(expected) + " bytes, got " +
                                                std::to_string(value.size()));
}

Status check_limit(std::string_view scheme, std::string_view what, ByteView value) {
  if (value.size() <= kCipherInputSizeMax) return ok_status();
  return Error(ErrorCode::kLimitExceeded, std::string(scheme) + ": " + std::string(what) + " of " +
                                              std::to_string(value.size()) + " bytes exceeds the limit of " +
                                              std::to_string(kCipherInputSizeMax) + " bytes");
}

// Runs `body`, turning any exception from Crypto++ (or an allocation failure) into kInternal.
// The size checks before each call make these unexpected; this is the last line of defence.
template <typename T, typename Body>
Result<T> guarded(std::string_view scheme, Body&& body) {
  try {
    return body();
  } catch (const CryptoPP::Exception& e) {
    return Error(ErrorCode::kInternal, std::string(scheme) + ": Crypto++ failed: " + e.what());
  } catch (const std::exception& e) {
    return Error(ErrorCode::kInternal, std::string(scheme) + ": " + e.what());
  }
}

// Constant-time helpers on values in [0, 255]: all-ones mask (0xff) when the condition holds.
std::uint8_t ct_mask_lt(unsigned a, unsigned b) {
  return static_cast<std::uint8_t>(0u - ((a - b) >> (sizeof(unsigned) * 8 - 1)));
}
std::uint8_t ct_mask_zero(unsigned a) { return ct_mask_lt(a, 1); }

// Length of valid PKCS#7 padding at the end of `block` (the last cipher block), or 0 when the
// padding is malformed. Reads all 16 bytes whatever the padding says.
std::size_t pkcs7_padding_size(const byte* block) {
  const unsigned pad = block[kSm4BlockSize - 1];
  std::uint8_t bad = ct_mask_zero(pad) | ct_mask_lt(static_cast<unsigned>(kSm4BlockSize), pad);
  for (unsigned i = 0; i < static_cast<unsigned>(kSm4BlockSize); ++i) {
    const std::uint8_t in_padding = ct_mask_lt(i, pad);
    bad |= in_padding & (block[kSm4BlockSize - 1 - i] ^ static_cast<byte>(pad));
  }
  const std::uint8_t good = ct_mask_zero(bad);
  return pad & good;
}

static_assert(sm4::kKeySize == kSm4KeySize && sm4::kBlockSize == kSm4BlockSize);

Result<Block16> sm4_block(ByteView key, ByteView block, bool encrypt) {
  constexpr std::string_view kScheme = "sm4";
  TRESTLE_TRY_STATUS(check_size(kScheme, "key", key, kSm4KeySize));
  TRESTLE_TRY_STATUS(check_size(kScheme, "block", block, kSm4BlockSize));
  const sm4::KeySchedule schedule(key.first<kSm4KeySize>());
  Block16 out{};
  if (encrypt) {
    schedule.encrypt_block(block.first<kSm4BlockSize>(), out);
  } else {
    schedule.decrypt_block(block.first<kSm4BlockSize>(), out);
  }
  return out;
}

struct AeadParams {
  std::string_view scheme;
  std::size_t key_size;
};

AeadParams aead_params(AeadAlgorithm algorithm) {
  switch (algorithm) {
    case AeadAlgorithm::kSm4Gcm:
      return {"sm4-gcm", kSm4KeySize};
    case AeadAlgorithm::kAes256Gcm:
      return {"aes-256-gcm", kAes256KeySize};
  }
  assert(false && "AeadAlgorithm out of range");
  return {"aes-256-gcm", kAes256KeySize};
}

Status check_aead_inputs(const AeadParams& params, ByteView key, ByteView iv, ByteView aad, ByteView data,
                         std::string_view data_name) {
  TRESTLE_TRY_STATUS(check_size(params.scheme, "key", key, params.key_size));
  TRESTLE_TRY_STATUS(check_size(params.scheme, "IV", iv, kGcmIvSize));
  TRESTLE_TRY_STATUS(check_limit(params.scheme, "associated data", aad));
  return check_limit(params.scheme, data_name, data);
}

template <typename BlockCipher>
Bytes gcm_seal(ByteView key, ByteView iv, ByteView aad, ByteView plaintext) {
  typename CryptoPP::GCM<BlockCipher>::Encryption gcm;
  gcm.SetKeyWithIV(key.data(), key.size(), iv.data(), iv.size());
  Bytes sealed(plaintext.size() + kGcmTagSize);
  gcm.EncryptAndAuthenticate(sealed.data(), sealed.data() + plaintext.size(), kGcmTagSize, iv.data(),
                             static_cast<int>(iv.size()), data_or_empty(aad), aad.size(), data_or_empty(plaintext),
                             plaintext.size());
  return sealed;
}

// Returns false (and a wiped `plaintext`) when the tag does not check out.
template <typename BlockCipher>
bool gcm_open(ByteView key, ByteView iv, ByteView aad, ByteView sealed, Bytes& plaintext) {
  typename CryptoPP::GCM<BlockCipher>::Decryption gcm;
  gcm.SetKeyWithIV(key.data(), key.size(), iv.data(), iv.size());
  const std::size_t size = sealed.size() - kGcmTagSize;
  plaintext.assign(size, 0);
  // Crypto++ decrypts before it compares the tag (in constant time), so on failure the buffer
  // holds unauthenticated plaintext that must not be released.
  byte empty_output = 0;
  const bool ok = gcm.DecryptAndVerify(plaintext.empty() ? &empty_output : plaintext.data(), sealed.data() + size,
                                       kGcmTagSize, iv.data(), static_cast<int>(iv.size()), data_or_empty(aad),
                                       aad.size(), data_or_empty(sealed), size);
  if (!ok) {
    secure_wipe(plaintext.data(), plaintext.size());
    plaintext.clear();
  }
  return ok;
}

}  // namespace

Result<Block16> sm4_encrypt_block(ByteView key, ByteView block) { return sm4_block(key, block, true); }
Result<Block16> sm4_decrypt_block(ByteView key, ByteView block) { return sm4_block(key, block, false); }

Result<Bytes> sm4_cbc_encrypt(ByteView key, ByteView iv, ByteView plaintext) {
  constexpr std::string_view kScheme = "sm4-cbc";
  TRESTLE_TRY_STATUS(check_size(kScheme, "key", key, kSm4KeySize));
  TRESTLE_TRY_STATUS(check_size(kScheme, "IV", iv, kCbcIvSize));
  TRESTLE_TRY_STATUS(check_limit(kScheme, "plaintext", plaintext));
  return guarded<Bytes>(kScheme, [&]() -> Result<Bytes> {
    // PKCS#7: 1..16 bytes, each holding the pad length; a whole block when already aligned.
    const std::size_t pad = kSm4BlockSize - plaintext.size() % kSm4BlockSize;
    Bytes out;
    out.reserve(plaintext.size() + pad);  // one allocation: no stray copy of the plaintext on the heap
    out.assign(plaintext.begin(), plaintext.end());
    out.resize(plaintext.size() + pad, static_cast<byte>(pad));
    const sm4::KeySchedule schedule(key.first<kSm4KeySize>());
    schedule.cbc_encrypt(iv.first<kCbcIvSize>(), out, out);  // in place: no plaintext copy survives
    return out;
  });
}

Result<Bytes> sm4_cbc_decrypt(ByteView key, ByteView iv, ByteView ciphertext) {
  constexpr std::string_view kScheme = "sm4-cbc";
  TRESTLE_TRY_STATUS(check_size(kScheme, "key", key, kSm4KeySize));
  TRESTLE_TRY_STATUS(check_size(kScheme, "IV", iv, kCbcIvSize));
  TRESTLE_TRY_STATUS(check_limit(kScheme, "ciphertext", ciphertext));
  if (ciphertext.empty() || ciphertext.size() % kSm4BlockSize != 0) {
    return Error(ErrorCode::kInvalidArgument, "sm4-cbc: ciphertext must be a non-zero multiple of 16 bytes, got " +
                                                  std::to_string(ciphertext.size()));
  }
  return guarded<Bytes>(kScheme, [&]() -> Result<Bytes> {
    Bytes out(ciphertext.size());
    const sm4::KeySchedule schedule(key.first<kSm4KeySize>());
    schedule.cbc_decrypt(iv.first<kCbcIvSize>(), ciphertext, out);
    const std::size_t pad = pkcs7_padding_size(out.data() + out.size() - kSm4BlockSize);
    if (pad == 0) {
      secure_wipe(out.data(), out.size());
      return Error(ErrorCode::kAuthFailed, "sm4-cbc: bad padding (wrong key or IV, or corrupted ciphertext)");
    }
    out.resize(out.size() - pad);
    return out;
  });
}

Result<Bytes> sm4_ctr(ByteView key, ByteView iv, ByteView data) {
  constexpr std::string_view kScheme = "sm4-ctr";
  TRESTLE_TRY_STATUS(check_size(kScheme, "key", key, kSm4KeySize));
  TRESTLE_TRY_STATUS(check_size(kScheme, "IV", iv, kCtrIvSize));
  TRESTLE_TRY_STATUS(check_limit(kScheme, "input", data));
  if (data.empty()) return Bytes{};
  return guarded<Bytes>(kScheme, [&]() -> Result<Bytes> {
    // Crypto++'s CTR mode increments the whole 16-byte counter block as one big-endian number,
    // wrapping modulo 2^128, as OpenSSL's CRYPTO_ctr128_encrypt does.
    CryptoPP::CTR_Mode<CryptoPP::SM4>::Encryption ctr(key.data(), key.size(), iv.data());
    Bytes out(data.size());
    ctr.ProcessData(out.data(), data.data(), data.size());
    return out;
  });
}

std::size_t aead_key_size(AeadAlgorithm algorithm) { return aead_params(algorithm).key_size; }

Result<Bytes> aead_seal(AeadAlgorithm algorithm, ByteView key, ByteView iv, ByteView aad, ByteView plaintext) {
  const AeadParams params = aead_params(algorithm);
  TRESTLE_TRY_STATUS(check_aead_inputs(params, key, iv, aad, plaintext, "plaintext"));
  return guarded<Bytes>(params.scheme, [&]() -> Result<Bytes> {
    if (algorithm == AeadAlgorithm::kSm4Gcm) return gcm_seal<CryptoPP::SM4>(key, iv, aad, plaintext);
    return gcm_seal<CryptoPP::AES>(key, iv, aad, plaintext);
  });
}

Result<Bytes> aead_open(AeadAlgorithm algorithm, ByteView key, ByteView iv, ByteView aad, ByteView sealed) {
  const AeadParams params = aead_params(algorithm);
  TRESTLE_TRY_STATUS(check_aead_inputs(params, key, iv, aad, sealed, "sealed input"));
  if (sealed.size() < kGcmTagSize) {
    return Error(ErrorCode::kInvalidArgument, std::string(params.scheme) +
                                                  ": sealed input must hold at least the 16-byte tag, got " +
                                                  std::to_string(sealed.size()) + " bytes");
  }
  return guarded<Bytes>(params.scheme, [&]() -> Result<Bytes> {
    Bytes plaintext;
    const bool ok = algorithm == AeadAlgorithm::kSm4Gcm ? gcm_open<CryptoPP::SM4>(key, iv, aad, sealed, plaintext)
                                                        : gcm_open<CryptoPP::AES>(key, iv, aad, sealed, plaintext);
    if (!ok) {
      return Error(ErrorCode::kAuthFailed, std::string(params.scheme) +
                                               ": authentication failed (wrong key, IV or associated data, "
                                               "or the data was modified)");
    }
    return plaintext;
  });
}

}  // namespace trestle::crypto
