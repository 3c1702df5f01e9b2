// PEM encoding of keys, byte-compatible with OpenSSL 3:
//
//   PRIVATE KEY     PKCS#8 PrivateKeyInfo (RFC 5208) { 0, { id-ecPublicKey, curve OID },
//                   OCTET STRING ECPrivateKey (RFC 5915) { 1, OCTET STRING d, [1] public point } }
//   EC PRIVATE KEY  SEC1 ECPrivateKey { 1, OCTET STRING d, [0] curve OID, [1] public point }
//   PUBLIC KEY      SubjectPublicKeyInfo (RFC 5480) { { id-ecPublicKey, curve OID }, BIT STRING point }
//
// On import the algorithm may also be the SM2 OID itself (1.2.156.10197.1.301): OpenSSL 3.0 to
// 3.1 wrote SM2 keys that way (openssl/openssl#20973, fixed by #22529), and some devices still do.

#include <array>
#include <string>
#include <vector>

#include "der.hpp"
#include "trestle/crypto/keys.hpp"

namespace trestle::crypto {
namespace {

constexpr std::size_t kPemSizeMax = 64 * 1024;
constexpr std::size_t kPemBlockCountMax = 8;
constexpr std::size_t kLabelSizeMax = 64;
constexpr std::size_t kLineWidth = 64;

Error invalid(std::string message) { return Error(ErrorCode::kInvalidArgument, std::move(message)); }

// A byte buffer that may hold a private scalar. Callers reserve enough capacity up front so the
// vector never reallocates (which would leave an unwiped copy in freed memory).
struct SecretBytes {
  Bytes data;
  explicit SecretBytes(std::size_t capacity) { data.reserve(capacity); }
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  ~SecretBytes() { secure_wipe(data.data(), data.size()); }
};

// Base64 without table lookups or branches on the data, since the text encodes a private key:
// each character is mapped with masks computed from comparisons done in arithmetic.
char base64_char(unsigned value) {
  const int x = static_cast<int>(value);
  return static_cast<char>('A' + x + (((25 - x) >> 8) & 6) - (((51 - x) >> 8) & 75) - (((61 - x) >> 8) & 15) +
                           (((62 - x) >> 8) & 3));
}

// Returns 0..63, or -1 for a character outside the alphabet.
int base64_value(unsigned char ch) {
  const int c = ch;
  int value = -1;
  value += (((0x40 - c) & (c - 0x5b)) >> 8) & (c - 64);  // 'A'..'Z'
  value += (((0x60 - c) & (c - 0x7b)) >> 8) & (c - 70);  // 'a'..'z'
  value += (((0x2f - c) & (c - 0x3a)) >> 8) & (c + 5);   // '0'..'9'
  value += (((0x2a - c) & (c - 0x2c)) >> 8) & 63;        // '+'
  value += (((0x2e - c) & (c - 0x30)) >> 8) & 64;        // '/'
  return value;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string to_pem(std::string_view label, ByteView der) {
  const std::size_t chars = (der.size() + 2) / 3 * 4;
  std::string out;
  // Reserved exactly so that the string holding the encoded secret never reallocates.
  out.reserve(2 * (label.size() + 17) + chars + chars / kLineWidth + 1);
  out += "-----BEGIN ";
  out += label;
  out += "-----\n";
  std::size_t line = 0;
  auto put = [&](char c) {
    out += c;
    if (++line == kLineWidth) {
      out += '\n';
      line = 0;
    }
  };
  std::size_t i = 0;
  for (; i + 3 <= der.size(); i += 3) {
    const unsigned v = (unsigned{der[i]} << 16) | (unsigned{der[i + 1]} << 8) | der[i + 2];
    put(base64_char(v >> 18));
    put(base64_char((v >> 12) & 63));
    put(base64_char((v >> 6) & 63));
    put(base64_char(v & 63));
  }
  if (der.size() - i == 1) {
    const unsigned v = unsigned{der[i]} << 16;
    put(base64_char(v >> 18));
    put(base64_char((v >> 12) & 63));
    put('=');
    put('=');
  } else if (der.size() - i == 2) {
    const unsigned v = (unsigned{der[i]} << 16) | (unsigned{der[i + 1]} << 8);
    put(base64_char(v >> 18));
    put(base64_char((v >> 12) & 63));
    put(base64_char((v >> 6) & 63));
    put('=');
  }
  if (line != 0) out += '\n';
  out += "-----END ";
  out += label;
  out += "-----\n";
  return out;
}

// Strict base64: the standard alphabet, whitespace anywhere, '=' only as the final one or two
// characters of a length that is a multiple of 4, and zero bits after the last encoded byte.
Status base64_decode(std::string_view text, Bytes& out) {
  std::uint32_t quantum = 0;
  int count = 0;
  int padding = 0;
  for (char c : text) {
    if (is_space(c)) continue;
    if (c == '=') {
      ++padding;
      ++count;
      quantum <<= 6;
    } else {
      const int value = base64_value(static_cast<unsigned char>(c));
      if (value < 0) return invalid("PEM body holds a character that is not base64");
      if (padding > 0) return invalid("PEM body has base64 data after '=' padding");
      quantum = (quantum << 6) | static_cast<std::uint32_t>(value);
      ++count;
    }
    if (count == 4) {
      if (padding > 2) return invalid("PEM body has too much base64 padding");
      out.push_back(static_cast<std::uint8_t>(quantum >> 16));
      if (padding < 2) out.push_back(static_cast<std::uint8_t>(quantum >> 8));
      if (padding < 1) out.push_back(static_cast<std::uint8_t>(quantum));
      const std::uint32_t dropped = padding == 2 ? (quantum & 0xffff) : (padding == 1 ? (quantum & 0xff) : 0);
      if (dropped != 0) return invalid("PEM body is not canonical base64 (non-zero padding bits)");
      if (padding > 0) padding = 3;  // any further quantum is an error
      quantum = 0;
      count = 0;
    }
  }
  if (count != 0) return invalid("PEM body is truncated (base64 length is not a multiple of 4)");
  return ok_status();
}

struct PemBlock {
  std::string_view label;
  std::string_view body;
};

// Splits text made of PEM blocks separated by whitespace. Anything else outside the blocks is an
// error, so a file cannot smuggle a second meaning past a human reader.
Result<std::vector<PemBlock>> split_pem(std::string_view text) {
  if (text.size() > kPemSizeMax) return invalid("PEM input is larger than 64 KiB");
  constexpr std::string_view kBegin = "-----BEGIN ";
  constexpr std::string_view kDashes = "-----";
  std::vector<PemBlock> blocks;
  std::size_t pos = 0;
  auto skip_space = [&] {
    while (pos < text.size() && is_space(text[pos])) ++pos;
  };
  skip_space();
  while (pos < text.size()) {
    if (blocks.size() == kPemBlockCountMax) return invalid("PEM input holds too many blocks");
    if (text.substr(pos, kBegin.size()) != kBegin) {
      return invalid(blocks.empty() ? "not PEM: expected '-----BEGIN ...-----'" : "unexpected text after a PEM block");
    }
    pos += kBegin.size();
    const std::size_t label_end = text.find(kDashes, pos);
    if (label_end == std::string_view::npos) return invalid("PEM BEGIN line is not terminated by '-----'");
    const std::string_view label = text.substr(pos, label_end - pos);
    if (label.size() > kLabelSizeMax) return invalid("PEM label is longer than 64 characters");
    for (char c : label) {
      if (c < 0x20 || c > 0x7e) return invalid("PEM label holds a non-printable character");
    }
    pos = label_end + kDashes.size();
    if (pos < text.size() && text[pos] != '\n' && text[pos] != '\r') {
      return invalid("PEM BEGIN line has text after '-----'");
    }
    const std::string end_line = "-----END " + std::string(label) + "-----";
    const std::size_t end = text.find(end_line, pos);
    if (end == std::string_view::npos) return invalid("PEM block '" + std::string(label) + "' has no END line");
    if (text[end - 1] != '\n') return invalid("PEM END line does not start a line");
    blocks.push_back({label, text.substr(pos, end - pos)});
    pos = end + end_line.size();
    if (pos < text.size() && !is_space(text[pos])) return invalid("PEM END line has text after '-----'");
    skip_space();
  }
  if (blocks.empty()) return invalid("not PEM: the input is empty");
  return blocks;
}

Status decode_body(const PemBlock& block, Bytes& out) {
  if (block.body.find(':') != std::string_view::npos) {
    return invalid("PEM headers (an encrypted or annotated key) are not supported");
  }
  return base64_decode(block.body, out);
}

ByteView curve_oid(KeyType type) {
  return type == KeyType::kSm2 ? ByteView(der::kOidSm2) : ByteView(der::kOidSecp256k1);
}

Result<KeyType> curve_from_oid(ByteView oid) {
  if (der::oid_equals(oid, der::kOidSm2)) return KeyType::kSm2;
  if (der::oid_equals(oid, der::kOidSecp256k1)) return KeyType::kSecp256k1;
  return invalid("unsupported curve " + der::oid_to_string(oid) +
                 " (Trestle keys are on SM2 1.2.156.10197.1.301 or secp256k1 1.3.132.0.10)");
}

// ECParameters: only a namedCurve OID is accepted.
Result<KeyType> read_curve(der::DerReader& reader, std::string_view what) {
  if (reader.peek_tag() == der::kSequence) return invalid("explicit curve parameters are not supported");
  if (reader.peek_tag() == der::kNull) return invalid("implicitly-defined curve parameters are not supported");
  TRESTLE_TRY(ByteView oid, reader.read_oid(what));
  return curve_from_oid(oid);
}

// AlgorithmIdentifier of PKCS#8 and SubjectPublicKeyInfo.
Result<KeyType> read_algorithm(der::DerReader& outer) {
  TRESTLE_TRY(ByteView body, outer.read(der::kSequence, "algorithm identifier"));
  der::DerReader reader(body);
  TRESTLE_TRY(ByteView algorithm, reader.read_oid("key algorithm"));
  KeyType type = KeyType::kSm2;
  if (der::oid_equals(algorithm, der::kOidEcPublicKey)) {
    TRESTLE_TRY(type, read_curve(reader, "curve"));
  } else if (der::oid_equals(algorithm, der::kOidSm2)) {
    if (!reader.at_end()) {
      TRESTLE_TRY(type, read_curve(reader, "curve"));
      if (type != KeyType::kSm2) return invalid("key algorithm SM2 names another curve");
    }
  } else {
    return invalid("unsupported key algorithm " + der::oid_to_string(algorithm) +
                   " (expected id-ecPublicKey 1.2.840.10045.2.1)");
  }
  TRESTLE_TRY_STATUS(reader.finish("algorithm identifier"));
  return type;
}

Bytes algorithm_identifier(KeyType type) {
  Bytes body;
  der::write_tlv(body, der::kOid, der::kOidEcPublicKey);
  der::write_tlv(body, der::kOid, curve_oid(type));
  return der::tlv(der::kSequence, body);
}

// The encoded point of a key file: 04||x||y or 02/03||x (PublicKey::parse would also take a bare
// 64-byte x||y, which is not a valid ECPoint encoding).
Result<PublicKey> parse_point(KeyType type, ByteView point) {
  const bool uncompressed = point.size() == 65 && point[0] == 0x04;
  const bool compressed = point.size() == 33 && (point[0] == 0x02 || point[0] == 0x03);
  if (!uncompressed && !compressed) return invalid("public key is not an uncompressed or compressed point");
  return PublicKey::parse(type, point);
}

// ECPrivateKey (RFC 5915). `outer_type` is the curve named by PKCS#8's AlgorithmIdentifier, or
// null for SEC1, where the [0] parameters are then required.
Result<PrivateKey> read_ec_private_key(ByteView encoded, const KeyType* outer_type) {
  der::DerReader outer(encoded);
  TRESTLE_TRY(ByteView body, outer.read(der::kSequence, "ECPrivateKey"));
  TRESTLE_TRY_STATUS(outer.finish("ECPrivateKey"));
  der::DerReader reader(body);
  TRESTLE_TRY(Bytes version, reader.read_unsigned_integer(1, "ECPrivateKey version"));
  if (version[0] != 1) return invalid("ECPrivateKey version must be 1");
  TRESTLE_TRY(ByteView d, reader.read(der::kOctetString, "private key"));
  if (d.empty() || d.size() > 32) return invalid("private key must be 1 to 32 bytes");

  bool have_type = outer_type != nullptr;
  KeyType type = have_type ? *outer_type : KeyType::kSm2;
  if (reader.peek_tag() == der::kContext0) {
    TRESTLE_TRY(ByteView params, reader.read(der::kContext0, "ECPrivateKey parameters"));
    der::DerReader params_reader(params);
    TRESTLE_TRY(KeyType inner_type, read_curve(params_reader, "curve"));
    TRESTLE_TRY_STATUS(params_reader.finish("ECPrivateKey parameters"));
    if (have_type && inner_type != type) return invalid("ECPrivateKey names a different curve than PKCS#8");
    type = inner_type;
    have_type = true;
  }
  if (!have_type) return invalid("EC PRIVATE KEY does not name its curve");

  std::array<std::uint8_t, 32> d32{};
  std::copy(d.begin(), d.end(), d32.begin() + static_cast<std::ptrdiff_t>(32 - d.size()));
  auto key = PrivateKey::from_bytes(type, d32);
  secure_wipe(d32.data(), d32.size());
  if (!key.ok()) return key.error();

  if (reader.peek_tag() == der::kContext1) {
    TRESTLE_TRY(ByteView wrapped, reader.read(der::kContext1, "ECPrivateKey public key"));
    der::DerReader bits_reader(wrapped);
    TRESTLE_TRY(ByteView point, bits_reader.read_bit_string("ECPrivateKey public key"));
    TRESTLE_TRY_STATUS(bits_reader.finish("ECPrivateKey public key"));
    TRESTLE_TRY(PublicKey embedded, parse_point(type, point));
    if (embedded != key->public_key()) return invalid("embedded public key does not match the private key");
  }
  TRESTLE_TRY_STATUS(reader.finish("ECPrivateKey"));
  return key;
}

// PrivateKeyInfo version 0 without attributes, which is what OpenSSL writes for EC keys.
Result<PrivateKey> read_pkcs8(ByteView encoded) {
  der::DerReader outer(encoded);
  TRESTLE_TRY(ByteView body, outer.read(der::kSequence, "PrivateKeyInfo"));
  TRESTLE_TRY_STATUS(outer.finish("PrivateKeyInfo"));
  der::DerReader reader(body);
  TRESTLE_TRY(Bytes version, reader.read_unsigned_integer(1, "PrivateKeyInfo version"));
  if (version[0] != 0) return invalid("PrivateKeyInfo version must be 0");
  TRESTLE_TRY(KeyType type, read_algorithm(reader));
  TRESTLE_TRY(ByteView inner, reader.read(der::kOctetString, "PrivateKeyInfo private key"));
  TRESTLE_TRY_STATUS(reader.finish("PrivateKeyInfo (attributes are not supported)"));
  return read_ec_private_key(inner, &type);
}

Result<KeyType> read_ec_parameters(ByteView encoded) {
  der::DerReader reader(encoded);
  TRESTLE_TRY(KeyType type, read_curve(reader, "EC PARAMETERS"));
  TRESTLE_TRY_STATUS(reader.finish("EC PARAMETERS"));
  return type;
}

Result<PrivateKey> private_key_from_blocks(const std::vector<PemBlock>& blocks) {
  const PemBlock* key_block = nullptr;
  const PemBlock* params_block = nullptr;
  for (const PemBlock& block : blocks) {
    if (block.label == "PRIVATE KEY" || block.label == "EC PRIVATE KEY") {
      if (key_block != nullptr) return invalid("PEM input holds more than one private key");
      key_block = &block;
    } else if (block.label == "EC PARAMETERS" && params_block == nullptr) {
      params_block = &block;
    } else if (block.label == "ENCRYPTED PRIVATE KEY") {
      return invalid("encrypted private keys are not supported (decrypt with `openssl pkey -in FILE -out PLAIN`)");
    } else {
      return invalid("unexpected PEM block '" + std::string(block.label) +
                     "' (expected 'PRIVATE KEY' or 'EC PRIVATE KEY')");
    }
  }
  if (key_block == nullptr) return invalid("PEM input holds no private key");

  SecretBytes der(key_block->body.size());
  TRESTLE_TRY_STATUS(decode_body(*key_block, der.data));
  Result<PrivateKey> key =
      key_block->label == "PRIVATE KEY" ? read_pkcs8(der.data) : read_ec_private_key(der.data, nullptr);
  if (!key.ok() || params_block == nullptr) return key;

  // `openssl ecparam -genkey` writes the curve in a block of its own before the key.
  Bytes params;
  TRESTLE_TRY_STATUS(decode_body(*params_block, params));
  TRESTLE_TRY(KeyType params_type, read_ec_parameters(params));
  if (params_type != key->type()) return invalid("EC PARAMETERS name a different curve than the key");
  return key;
}

}  // namespace

std::string private_key_to_pem(const PrivateKey& key) {
  Bytes public_bits;
  der::write_bit_string(public_bits, key.public_key().uncompressed());

  SecretBytes ec_body(128);
  der::write_small_integer(ec_body.data, 1);
  der::write_tlv(ec_body.data, der::kOctetString, key.secret());
  der::write_tlv(ec_body.data, der::kContext1, public_bits);
  SecretBytes ec_key(ec_body.data.size() + 8);
  der::write_tlv(ec_key.data, der::kSequence, ec_body.data);

  SecretBytes info_body(ec_key.data.size() + 64);
  der::write_small_integer(info_body.data, 0);
  append(info_body.data, algorithm_identifier(key.type()));
  der::write_tlv(info_body.data, der::kOctetString, ec_key.data);
  SecretBytes info(info_body.data.size() + 8);
  der::write_tlv(info.data, der::kSequence, info_body.data);

  return to_pem("PRIVATE KEY", info.data);
}

Result<PrivateKey> private_key_from_pem(std::string_view pem) {
  auto blocks = split_pem(pem);
  if (!blocks.ok()) return blocks.error().with_context("private key PEM");
  auto key = private_key_from_blocks(blocks.value());
  if (!key.ok()) return key.error().with_context("private key PEM");
  return key;
}

std::string public_key_to_pem(const PublicKey& key) {
  Bytes body = algorithm_identifier(key.type());
  der::write_bit_string(body, key.uncompressed());
  return to_pem("PUBLIC KEY", der::tlv(der::kSequence, body));
}

Result<PublicKey> public_key_from_pem(std::string_view pem) {
  auto parse = [&]() -> Result<PublicKey> {
    TRESTLE_TRY(std::vector<PemBlock> blocks, split_pem(pem));
    if (blocks.size() != 1) return invalid("expected exactly one PEM block");
    if (blocks[0].label != "PUBLIC KEY") {
      return invalid("unexpected PEM block '" + std::string(blocks[0].label) + "' (expected 'PUBLIC KEY')");
    }
    Bytes der;
    TRESTLE_TRY_STATUS(decode_body(blocks[0], der));
    der::DerReader outer(der);
    TRESTLE_TRY(ByteView body, outer.read(der::kSequence, "SubjectPublicKeyInfo"));
    TRESTLE_TRY_STATUS(outer.finish("SubjectPublicKeyInfo"));
    der::DerReader reader(body);
    TRESTLE_TRY(KeyType type, read_algorithm(reader));
    TRESTLE_TRY(ByteView point, reader.read_bit_string("SubjectPublicKeyInfo public key"));
    TRESTLE_TRY_STATUS(reader.finish("SubjectPublicKeyInfo"));
    return parse_point(type, point);
  };
  auto key = parse();
  if (!key.ok()) return key.error().with_context("public key PEM");
  return key;
}

}  // namespace trestle::crypto
