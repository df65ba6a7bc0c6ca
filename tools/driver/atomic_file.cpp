#include "tools/driver/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>
#include <vector>

#include "tools/config/errors.h"

namespace infsim::driver {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void io_error(const std::string& what, const std::string& path) {
  throw UsageError("cannot " + what + " " + path + ": " + std::strerror(errno));
}

void fsync_path(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) io_error("open", path);
  if (::fsync(fd) != 0) {
    ::close(fd);
    io_error("sync", path);
  }
  ::close(fd);
}

}  // namespace

std::string write_temporary_beside(const std::string& path, const std::string& content) {
  const fs::path p(path);
  // Hidden and per process, so concurrent writers of the same file never share a temporary.
  const std::string temp =
      (p.parent_path() / ("." + p.filename().string() + ".tmp." + std::to_string(::getpid())))
          .string();
  // Errors name `path`, the file the user asked for, not the temporary.
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) io_error("write", path);
  const auto fail = [&] {
    const int saved = errno;
    ::close(fd);
    ::unlink(temp.c_str());
    errno = saved;
    io_error("write", path);
  };
  const char* data = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    ssize_t n = ::write(fd, data, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail();
    data += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) fail();
  if (::close(fd) != 0) {
    fd = -1;
    fail();
  }
  return temp;
}

void write_file_atomically(const std::string& path, const std::string& content) {
  const std::string temp = write_temporary_beside(path, content);
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    ::unlink(temp.c_str());
    io_error("rename to", path);
  }
  // The rename itself lives in the directory: without this a power loss may forget it.
  const std::string parent = fs::path(path).parent_path().string();
  sync_directory(parent.empty() ? "." : parent);
}

void write_files_atomically(const std::vector<std::pair<std::string, std::string>>& files) {
  std::vector<std::string> temps;
  try {
    for (const auto& [path, content] : files)
      temps.push_back(write_temporary_beside(path, content));
  } catch (const UsageError&) {
    for (const std::string& t : temps) ::unlink(t.c_str());
    throw;
  }
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (::rename(temps[i].c_str(), files[i].first.c_str()) != 0) {
      const int saved = errno;
      for (std::size_t j = i; j < temps.size(); ++j) ::unlink(temps[j].c_str());
      errno = saved;
      io_error("rename to", files[i].first);
    }
  }
  for (const auto& [path, content] : files) {
    const std::string parent = fs::path(path).parent_path().string();
    sync_directory(parent.empty() ? "." : parent);
  }
}

void sync_directory(const std::string& dir) {
  fsync_path(dir, O_RDONLY | O_DIRECTORY);
}

}  // namespace infsim::driver
