#include "io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "trestle/core/hex.hpp"

namespace trestle::cli {
namespace {

constexpr std::size_t kChunkSize = 64 << 10;

Error io_error(const std::string& path, std::string_view what, int error_number) {
  return Error(ErrorCode::kIo, input_name(path) + ": " + std::string(what) + ": " + std::strerror(error_number));
}

std::string size_text(std::size_t bytes) {
  if (bytes >= (std::size_t{1} << 30) && bytes % (std::size_t{1} << 30) == 0) {
    return std::to_string(bytes >> 30) + " GiB";
  }
  if (bytes >= (std::size_t{1} << 10) && bytes % (std::size_t{1} << 10) == 0) {
    return std::to_string(bytes >> 10) + " KiB";
  }
  return std::to_string(bytes) + " bytes";
}

// A readable file descriptor: the opened file, or standard input (not closed) for "-".
class InputFile {
 public:
  static Result<InputFile> open(const std::string& path) {
    if (path == "-") return InputFile(STDIN_FILENO, false, -1);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return io_error(path, "cannot open", errno);
    struct stat info {};
    if (::fstat(fd, &info) != 0) {
      int saved = errno;
      ::close(fd);
      return io_error(path, "cannot stat", saved);
    }
    if (S_ISDIR(info.st_mode)) {
      ::close(fd);
      return Error(ErrorCode::kIo, path + ": is a directory");
    }
    return InputFile(fd, true, S_ISREG(info.st_mode) ? static_cast<long long>(info.st_size) : -1);
  }

  InputFile(InputFile&& other) noexcept
      : fd_(std::exchange(other.fd_, -1)), owned_(other.owned_), regular_size_(other.regular_size_) {}
  InputFile& operator=(InputFile&&) = delete;
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
  ~InputFile() {
    if (owned_ && fd_ >= 0) ::close(fd_);
  }

  // Size of a regular file, or -1 for pipes, terminals and devices.
  long long regular_size() const { return regular_size_; }

  // Reads up to out.size() bytes; 0 at the end. Retries on EINTR.
  Result<std::size_t> read(std::span<std::uint8_t> out, const std::string& path) {
    for (;;) {
      ssize_t n = ::read(fd_, out.data(), out.size());
      if (n >= 0) return static_cast<std::size_t>(n);
      if (errno != EINTR) return io_error(path, "cannot read", errno);
    }
  }

 private:
  InputFile(int fd, bool owned, long long regular_size) : fd_(fd), owned_(owned), regular_size_(regular_size) {}

  int fd_;
  bool owned_;
  long long regular_size_;
};

Error too_large(const std::string& path, std::size_t size_max) {
  return Error(ErrorCode::kLimitExceeded,
               input_name(path) + ": input is larger than the limit of " + size_text(size_max));
}

Status write_all(int fd, ByteView data) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error(ErrorCode::kIo, std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
  return ok_status();
}

// Writes, syncs and closes `fd`; the file must then be renamed or linked into place.
Status finish_file(int fd, ByteView data, const std::string& path) {
  Status written = write_all(fd, data);
  if (written.ok() && ::fsync(fd) != 0) written = Error(ErrorCode::kIo, std::strerror(errno));
  if (::close(fd) != 0 && written.ok()) written = Error(ErrorCode::kIo, std::strerror(errno));
  if (!written.ok()) return Error(ErrorCode::kIo, path + ": cannot write: " + written.error().message());
  return ok_status();
}

}  // namespace

void print_error(std::string message) {
  for (char& c : message) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  message = "trestle: " + message + "\n";
  std::fputs(message.c_str(), stderr);
  std::fflush(stderr);
}

std::string input_name(const std::string& path) { return path == "-" ? "standard input" : path; }

Result<Bytes> read_input(const std::string& path, std::size_t size_max) {
  TRESTLE_TRY(InputFile file, InputFile::open(path));
  Bytes out;
  if (file.regular_size() >= 0) {
    if (static_cast<unsigned long long>(file.regular_size()) > size_max) return too_large(path, size_max);
    out.reserve(static_cast<std::size_t>(file.regular_size()));
  }
  Bytes chunk(kChunkSize);
  for (;;) {
    TRESTLE_TRY(std::size_t n, file.read(chunk, path));
    if (n == 0) break;
    if (n > size_max - out.size()) return too_large(path, size_max);
    out.insert(out.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(n));
  }
  return out;
}

Status stream_input(const std::string& path, const std::function<void(ByteView)>& sink) {
  TRESTLE_TRY(InputFile file, InputFile::open(path));
  Bytes chunk(kChunkSize);
  for (;;) {
    TRESTLE_TRY(std::size_t n, file.read(chunk, path));
    if (n == 0) return ok_status();
    sink(ByteView(chunk).first(n));
  }
}

Result<std::string> read_secret_file(const std::string& path) {
  TRESTLE_TRY(InputFile file, InputFile::open(path));
  // Reserved up front so that the buffer never moves and leaves an unwiped copy behind.
  std::string out;
  out.reserve(kSecretFileSizeMax);
  std::array<std::uint8_t, 4096> chunk{};
  Status status;
  for (;;) {
    auto n = file.read(chunk, path);
    if (!n.ok()) {
      status = n.error();
      break;
    }
    if (n.value() == 0) break;
    if (n.value() > kSecretFileSizeMax - out.size()) {
      status = too_large(path, kSecretFileSizeMax);
      break;
    }
    out.append(reinterpret_cast<const char*>(chunk.data()), n.value());
  }
  secure_wipe(chunk.data(), chunk.size());
  if (!status.ok()) {
    wipe(out);
    return status.error();
  }
  return out;
}

Result<Bytes> parse_hex_option(std::string_view option, std::string_view text, std::size_t size) {
  auto bytes = from_hex(text);
  if (!bytes.ok()) return bytes.error().with_context(option);
  if (size != 0 && bytes.value().size() != size) {
    return Error(ErrorCode::kInvalidArgument, std::string(option) + ": expected " + std::to_string(size) +
                                                  " bytes of hex, got " + std::to_string(bytes.value().size()));
  }
  return bytes;
}

Status write_stdout(ByteView data) {
  if (!data.empty() && std::fwrite(data.data(), 1, data.size(), stdout) != data.size()) {
    return Error(ErrorCode::kIo, std::string("cannot write to standard output: ") + std::strerror(errno));
  }
  if (std::fflush(stdout) != 0) {
    return Error(ErrorCode::kIo, std::string("cannot write to standard output: ") + std::strerror(errno));
  }
  return ok_status();
}

Status write_stdout_line(std::string_view line) {
  std::string text(line);
  text += '\n';
  return write_stdout(as_bytes(text));
}

Status write_private_file(const std::string& path, ByteView data, bool overwrite) {
  if (!overwrite) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
      if (errno == EEXIST) {
        return Error(ErrorCode::kInvalidArgument, path + ": file exists; use --force to overwrite it");
      }
      return io_error(path, "cannot create", errno);
    }
    // O_EXCL guarantees we made the file, so nobody else holds it open with looser rights.
    Status done = finish_file(fd, data, path);
    if (!done.ok()) ::unlink(path.c_str());
    return done;
  }
  std::string temporary = path + ".tmp-XXXXXX";
  int fd = ::mkstemp(temporary.data());  // mode 0600
  if (fd < 0) return io_error(path, "cannot create a temporary file next to it", errno);
  Status done = finish_file(fd, data, path);
  if (done.ok() && ::rename(temporary.c_str(), path.c_str()) != 0) done = io_error(path, "cannot replace", errno);
  if (!done.ok()) ::unlink(temporary.c_str());
  return done;
}

Result<crypto::PrivateKey> read_private_key(const std::string& path) {
  TRESTLE_TRY(std::string pem, read_secret_file(path));
  auto key = crypto::private_key_from_pem(pem);
  wipe(pem);
  if (!key.ok()) return key.error().with_context(input_name(path));
  return key;
}

const crypto::CryptoSuite& suite_of(crypto::KeyType type) {
  return crypto::CryptoSuite::get(type == crypto::KeyType::kSm2 ? crypto::SuiteId::kSm : crypto::SuiteId::kEcdsa);
}

Result<std::string> read_password(const std::string& password_file) {
  if (!password_file.empty()) {
    TRESTLE_TRY(std::string text, read_secret_file(password_file));
    // The first line is the password, so a file written by `echo` works as expected.
    std::size_t end = text.find('\n');
    if (end == std::string::npos) end = text.size();
    if (end > 0 && text[end - 1] == '\r') --end;
    std::string password(text.data(), end);
    wipe(text);
    return password;
  }
  const char* from_environment = std::getenv("TRESTLE_PASSWORD");
  if (from_environment == nullptr) {
    return Error(ErrorCode::kInvalidArgument,
                 "no password: set the environment variable TRESTLE_PASSWORD or give --password-file FILE");
  }
  return std::string(from_environment);
}

void wipe(std::string& secret) {
  secret.resize(secret.capacity());
  secure_wipe(secret.data(), secret.size());
  secret.clear();
}

void wipe(Bytes& secret) {
  secret.resize(secret.capacity());
  secure_wipe(secret.data(), secret.size());
  secret.clear();
}

}  // namespace trestle::cli
