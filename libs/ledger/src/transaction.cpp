#include "trestle/ledger/transaction.hpp"

#include <algorithm>

#include "codec_util.hpp"
#include "trestle/core/codec.hpp"
#include "trestle/core/hex.hpp"

namespace trestle::ledger {

using detail::check_size;
using detail::invalid;

namespace {

void write_unsigned(Writer& writer, const Transaction& tx) {
  writer.u8(Transaction::kVersion)
      .string(tx.chain_id)
      .string(tx.group_id)
      .bytes(tx.nonce)
      .u64(tx.block_limit)
      .boolean(tx.target.has_value());
  if (tx.target) writer.fixed(*tx.target);
  writer.bytes(tx.payload).u64(tx.timestamp_ms).bytes(tx.sender);
}

std::size_t encoded_size_bound(const Transaction& tx) {
  return 64 + tx.chain_id.size() + tx.group_id.size() + tx.nonce.size() + tx.payload.size() + tx.sender.size() +
         tx.signature.size();
}

// Rules that do not depend on the limits.
Status check_shape(const Transaction& tx) {
  if (tx.nonce.empty()) return invalid("transaction nonce is empty");
  const std::size_t sender_size = tx.sender.size();
  if (sender_size != 0 && sender_size != Transaction::kSenderAddressSize &&
      sender_size != Transaction::kSenderKeySize) {
    return invalid("transaction sender is " + std::to_string(sender_size) + " bytes, expected 20 or 64");
  }
  return ok_status();
}

}  // namespace

Bytes Transaction::signing_bytes() const {
  Writer writer(encoded_size_bound(*this));
  write_unsigned(writer, *this);
  return writer.take();
}

Bytes Transaction::encode() const {
  Writer writer(encoded_size_bound(*this));
  write_unsigned(writer, *this);
  writer.bytes(signature);
  return writer.take();
}

Status Transaction::validate(const Limits& limits) const {
  TRESTLE_TRY_STATUS(check_size("transaction chain id", chain_id.size(), limits.chain_id_max_bytes));
  TRESTLE_TRY_STATUS(check_size("transaction group id", group_id.size(), limits.group_id_max_bytes));
  TRESTLE_TRY_STATUS(check_size("transaction nonce", nonce.size(), limits.nonce_max_bytes));
  TRESTLE_TRY_STATUS(check_size("transaction signature", signature.size(), limits.signature_max_bytes));
  TRESTLE_TRY_STATUS(check_shape(*this));
  // The exact encoded size, without encoding.
  std::size_t size = 1 + varint_size(chain_id.size()) + chain_id.size() + varint_size(group_id.size()) +
                     group_id.size() + varint_size(nonce.size()) + nonce.size() + 8 + 1 +
                     (target ? Address::kSize : 0) + varint_size(payload.size()) + payload.size() + 8 +
                     varint_size(sender.size()) + sender.size() + varint_size(signature.size()) + signature.size();
  return check_size("transaction", size, limits.tx_size_max_bytes);
}

Result<Transaction> Transaction::decode(ByteView encoded, const Limits& limits) {
  TRESTLE_TRY_STATUS(check_size("transaction", encoded.size(), limits.tx_size_max_bytes));
  Reader reader(encoded);
  TRESTLE_TRY_STATUS(detail::read_version(reader, kVersion, "transaction"));
  Transaction tx;
  TRESTLE_TRY(tx.chain_id, detail::in_context(reader.string(limits.chain_id_max_bytes), "transaction chain id"));
  TRESTLE_TRY(tx.group_id, detail::in_context(reader.string(limits.group_id_max_bytes), "transaction group id"));
  TRESTLE_TRY(tx.nonce, detail::in_context(reader.bytes(limits.nonce_max_bytes), "transaction nonce"));
  TRESTLE_TRY(tx.block_limit, detail::in_context(reader.u64(), "transaction block limit"));
  TRESTLE_TRY(bool has_target, detail::in_context(reader.boolean(), "transaction target flag"));
  if (has_target) {
    TRESTLE_TRY(Address target, detail::in_context(reader.fixed<Address::kSize>(), "transaction target"));
    tx.target = target;
  }
  TRESTLE_TRY(tx.payload, detail::in_context(reader.bytes(limits.tx_size_max_bytes), "transaction payload"));
  TRESTLE_TRY(tx.timestamp_ms, detail::in_context(reader.u64(), "transaction timestamp"));
  TRESTLE_TRY(tx.sender, detail::in_context(reader.bytes(Transaction::kSenderKeySize), "transaction sender"));
  TRESTLE_TRY(tx.signature, detail::in_context(reader.bytes(limits.signature_max_bytes), "transaction signature"));
  TRESTLE_TRY_STATUS(detail::in_context(reader.finish(), "transaction"));
  TRESTLE_TRY_STATUS(check_shape(tx));
  return tx;
}

Hash256 Transaction::hash(const crypto::CryptoSuite& suite) const { return suite.hash(signing_bytes()); }

Status Transaction::sign(const crypto::CryptoSuite& suite, const crypto::PrivateKey& key) {
  if (key.type() != suite.key_type()) {
    return invalid("cannot sign for suite " + std::string(suite.name()) + " with a " +
                   std::string(crypto::key_type_name(key.type())) + " key");
  }
  if (suite.can_recover()) {
    const Address address = suite.address(key.public_key());
    sender.assign(address.begin(), address.end());
  } else {
    const auto& xy = key.public_key().xy();
    sender.assign(xy.begin(), xy.end());
  }
  auto signed_bytes = suite.sign(key, signing_bytes());
  if (!signed_bytes.ok()) return signed_bytes.error().with_context("signing transaction");
  signature = std::move(signed_bytes).value();
  return ok_status();
}

Result<Address> Transaction::verify(const crypto::CryptoSuite& suite) const {
  const Bytes message = signing_bytes();
  if (suite.can_recover()) {
    if (sender.size() != kSenderAddressSize) {
      return invalid("transaction sender is " + std::to_string(sender.size()) + " bytes; suite " +
                     std::string(suite.name()) + " needs the 20-byte address (the key is recovered)");
    }
    auto key = suite.recover(message, signature);
    if (!key.ok()) return Error(ErrorCode::kAuthFailed, "transaction signature does not verify");
    const Address address = suite.address(key.value());
    if (!std::equal(address.begin(), address.end(), sender.begin())) {
      return Error(ErrorCode::kAuthFailed, "transaction signature is not by its sender " + to_hex(sender));
    }
    return address;
  }
  if (sender.size() != kSenderKeySize) {
    return invalid("transaction sender is " + std::to_string(sender.size()) + " bytes; suite " +
                   std::string(suite.name()) + " needs the 64-byte public key");
  }
  auto key = crypto::PublicKey::parse(suite.key_type(), sender);
  if (!key.ok()) return Error(ErrorCode::kAuthFailed, "transaction sender key is not a valid public key");
  if (!suite.verify(key.value(), message, signature)) {
    return Error(ErrorCode::kAuthFailed, "transaction signature does not verify");
  }
  return suite.address(key.value());
}

}  // namespace trestle::ledger
