// The `trestle` command: keys, hashing, signatures, SM2/SM4 encryption, ledger stores.
//
// Exit codes: 0 success, 1 signature invalid or ledger inconsistent, 2 usage or input error with
// one line on stderr.

#include <exception>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "commands.hpp"

namespace {

constexpr std::string_view kVersion = TRESTLE_VERSION;

constexpr std::string_view kFooter =
    "Exit codes: 0 success; 1 signature invalid (verify, recover) or ledger inconsistent (ledger verify); "
    "2 usage or input error, "
    "with a one-line message on stderr.\nHex is read with or without 0x, written in lower case. "
    "Where a FILE is read, '-' means standard input.";

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Trestle command-line tool: hashing, keys, SM2 and secp256k1 signatures, SM2/SM4 encryption, "
      "ledger stores.",
      "trestle"};
  app.footer(std::string(kFooter));
  app.require_subcommand(1);
  app.set_version_flag("--version", "trestle " + std::string(kVersion));

  trestle::cli::Action action;
  trestle::cli::add_hash_command(app, action);
  trestle::cli::add_key_commands(app, action);
  trestle::cli::add_sign_commands(app, action);
  trestle::cli::add_cipher_commands(app, action);
  trestle::cli::add_ledger_commands(app, action);
  trestle::cli::add_sim_command(app, action);
  trestle::cli::add_chain_commands(app, action);
  trestle::cli::add_node_commands(app, action);
  trestle::cli::add_rpc_commands(app, action);
  app.add_subcommand("version", "Print the version of trestle")->callback([&action] {
    action = []() -> trestle::cli::Outcome {
      TRESTLE_TRY_STATUS(trestle::cli::write_stdout_line("trestle " + std::string(kVersion)));
      return trestle::cli::kExitOk;
    };
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help, --help-all and --version arrive here too, with exit code 0.
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);
    trestle::cli::print_error(std::string(e.what()) + " (see --help)");
    return trestle::cli::kExitUsage;
  }

  try {
    trestle::cli::Outcome outcome = action();
    if (!outcome.ok()) {
      trestle::cli::print_error(outcome.error().message());
      return trestle::cli::kExitUsage;
    }
    return outcome.value();
  } catch (const std::exception& e) {
    // The libraries return errors as values; this catches only allocation failures and bugs.
    trestle::cli::print_error(std::string("internal error: ") + e.what());
    return trestle::cli::kExitUsage;
  }
}
