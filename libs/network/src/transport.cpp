#include "trestle/network/transport.hpp"

namespace trestle::network {

NodeId node_id_of(const crypto::CryptoSuite& suite, const crypto::PublicKey& key) { return suite.hash(key.xy()); }

}  // namespace trestle::network
