#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "trestle/core/result.hpp"

using trestle::Error;
using trestle::ErrorCode;
using trestle::Result;
using trestle::Status;

namespace {

Result<int> parse_positive(int x) {
  if (x <= 0) return Error(ErrorCode::kInvalidArgument, "not positive: " + std::to_string(x));
  return x;
}

Result<int> doubled(int x) {
  TRESTLE_TRY(int v, parse_positive(x));
  return v * 2;
}

Status check_even(int x) {
  if (x % 2 != 0) return Error(ErrorCode::kInvalidArgument, "odd");
  return trestle::ok_status();
}

Status check_both(int x) {
  TRESTLE_TRY_STATUS(check_even(x));
  TRESTLE_TRY(int ignored, parse_positive(x));
  (void)ignored;
  return {};
}

}  // namespace

TEST_CASE("core: Result holds a value or an error", "[core][result]") {
  Result<int> ok = parse_positive(3);
  REQUIRE(ok.ok());
  CHECK(ok.value() == 3);
  CHECK(*ok == 3);

  Result<int> bad = parse_positive(-1);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code() == ErrorCode::kInvalidArgument);
  CHECK(bad.error().message() == "not positive: -1");
}

TEST_CASE("core: TRESTLE_TRY propagates the first error", "[core][result]") {
  CHECK(doubled(4).value() == 8);
  auto r = doubled(0);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message() == "not positive: 0");

  CHECK(check_both(2).ok());
  CHECK(check_both(3).error().message() == "odd");
  CHECK(check_both(-2).error().message() == "not positive: -2");
}

TEST_CASE("core: Result works with move-only values", "[core][result]") {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  REQUIRE(r.ok());
  std::unique_ptr<int> p = std::move(r).value();
  CHECK(*p == 7);
}

TEST_CASE("core: Error context and code names", "[core][result]") {
  Error e(ErrorCode::kNotFound, "block 7");
  Error wrapped = e.with_context("genesis.json");
  CHECK(wrapped.message() == "genesis.json: block 7");
  CHECK(wrapped.code() == ErrorCode::kNotFound);
  CHECK(trestle::error_code_name(ErrorCode::kAuthFailed) == "auth_failed");
  CHECK(trestle::error_code_name(ErrorCode::kLimitExceeded) == "limit_exceeded");
}
