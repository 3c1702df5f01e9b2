#include "trestle/node/application.hpp"

namespace trestle::node {

Status Application::check_tx(const VerifiedTransaction&, const ledger::StateView&) const { return {}; }

}  // namespace trestle::node
