#include "trestle/crypto/random.hpp"

#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace trestle::crypto {

Status fill_random(std::span<std::uint8_t> out) {
  std::size_t done = 0;
  while (done < out.size()) {
    ssize_t n = getrandom(out.data() + done, out.size() - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error(ErrorCode::kInternal, std::string("getrandom failed: ") + std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
  return ok_status();
}

Result<Bytes> random_bytes(std::size_t count) {
  Bytes out(count);
  TRESTLE_TRY_STATUS(fill_random(out));
  return out;
}

}  // namespace trestle::crypto
