#include "test_util.hpp"

#include <atomic>
#include <cstdlib>

#include <spdlog/sinks/stdout_sinks.h>

namespace trestle::network::test {

class LogCapture::Sink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::vector<std::string> lines() const {
    std::lock_guard lock(lines_mutex_);
    return lines_;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& message) override {
    std::lock_guard lock(lines_mutex_);
    lines_.emplace_back(message.payload.data(), message.payload.size());
  }
  void flush_() override {}

 private:
  mutable std::mutex lines_mutex_;
  std::vector<std::string> lines_;
};

LogCapture::LogCapture() : sink_(std::make_shared<Sink>()) {
  static std::atomic<int> counter{0};
  name_ = "network-test-" + std::to_string(counter++);
  std::vector<spdlog::sink_ptr> sinks = {sink_};
  // TRESTLE_TEST_LOG=1 also prints the transports' logs, to debug a failing test.
  if (std::getenv("TRESTLE_TEST_LOG") != nullptr) sinks.push_back(std::make_shared<spdlog::sinks::stderr_sink_mt>());
  auto logger = std::make_shared<spdlog::logger>(name_, sinks.begin(), sinks.end());
  logger->set_level(spdlog::level::debug);
  spdlog::register_logger(logger);
}

LogCapture::~LogCapture() { spdlog::drop(name_); }

bool LogCapture::contains(const std::string& text) const {
  for (const std::string& line : sink_->lines()) {
    if (line.find(text) != std::string::npos) return true;
  }
  return false;
}

bool LogCapture::contains_line_with(const std::vector<std::string>& parts) const {
  for (const std::string& line : sink_->lines()) {
    bool all_found = true;
    for (const std::string& part : parts) all_found = all_found && line.find(part) != std::string::npos;
    if (all_found) return true;
  }
  return false;
}

std::string LogCapture::all() const {
  std::string out;
  for (const std::string& line : sink_->lines()) out += line + "\n";
  return out;
}

}  // namespace trestle::network::test
