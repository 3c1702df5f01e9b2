#pragma once
// The subcommands of `trestle`. Each add_* function registers its subcommands on `app`; when the
// user picks one, CLI11 calls the subcommand's callback after parsing, which stores in `action`
// what main() then runs. Parsing and running stay apart, so every parse error is reported before
// any file is touched.

#include <functional>
#include <initializer_list>
#include <string>

#include <CLI/CLI.hpp>

#include "io.hpp"

namespace trestle::cli {

using Action = std::function<Outcome()>;

// Puts `details` at the end of a subcommand's --help, before the exit-code footer it inherited,
// so the list of subcommands stays one short line each.
inline void add_details(CLI::App& command, const std::string& details) {
  command.footer(details + "\n\n" + command.get_footer());
}

// Standard input can feed only one input. Throws CLI::ValidationError (reported as a usage error)
// when more than one of `paths` is "-". Call it from a subcommand's callback.
inline void require_one_stdin(std::initializer_list<const std::string*> paths) {
  int count = 0;
  for (const std::string* path : paths) count += *path == "-" ? 1 : 0;
  if (count > 1) throw CLI::ValidationError("only one input can be read from standard input ('-')");
}

void add_hash_command(CLI::App& app, Action& action);
void add_key_commands(CLI::App& app, Action& action);     // key gen|show|encrypt|decrypt
void add_sign_commands(CLI::App& app, Action& action);    // sign, verify, recover
void add_cipher_commands(CLI::App& app, Action& action);  // sm2 encrypt|decrypt, sm4
void add_ledger_commands(CLI::App& app, Action& action);  // ledger verify|show|bench
void add_sim_command(CLI::App& app, Action& action);      // sim: consensus simulator sweeps
void add_chain_commands(CLI::App& app, Action& action);   // chain init
void add_node_commands(CLI::App& app, Action& action);    // node start
void add_rpc_commands(CLI::App& app, Action& action);     // rpc, tx transfer|send, load
void add_load_command(CLI::App& app, Action& action);     // load (registered by add_rpc_commands)

}  // namespace trestle::cli
