#include "tools/driver/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
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

// A target written in place rather than replaced: standard output, or something that exists and
// is not a regular file (lstat: a symlink counts, even to a regular file).
bool written_through(const std::string& path) {
  if (is_stdout_path(path)) return true;
  std::error_code ec;
  const fs::file_status st = fs::symlink_status(path, ec);
  return !ec && fs::exists(st) && !fs::is_regular_file(st);
}

void write_all(int fd, const std::string& content, const std::string& path) {
  const char* data = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    ssize_t n = ::write(fd, data, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) io_error("write", path);
    data += n;
    left -= static_cast<std::size_t>(n);
  }
}

// Opens and writes the target itself (truncating it when it resolves to a regular file, so a
// symlink's file holds exactly `content`).
void write_through(const std::string& path, const std::string& content) {
  if (is_stdout_path(path)) {
    std::cout.flush();
    write_all(STDOUT_FILENO, content, "standard output");
    return;
  }
  std::error_code ec;
  const int flags = O_WRONLY | O_CLOEXEC | (fs::is_regular_file(path, ec) ? O_TRUNC : 0);
  const int fd = ::open(path.c_str(), flags);
  if (fd < 0) io_error("open", path);
  try {
    write_all(fd, content, path);
  } catch (...) {
    ::close(fd);
    throw;
  }
  if (::close(fd) != 0) io_error("write", path);
}

}  // namespace

bool is_stdout_path(const std::string& path) {
  return path == "-";
}

void check_output_paths(const std::vector<std::pair<std::string, std::string>>& option_paths) {
  for (std::size_t i = 0; i < option_paths.size(); ++i) {
    const auto& [option, path] = option_paths[i];
    for (std::size_t j = 0; j < i; ++j) {
      if (option_paths[j].second != path) continue;
      throw UsageError(option + " " + path + ": " + option_paths[j].first + " writes there too" +
                       (is_stdout_path(path) ? " (standard output takes one output)" : ""));
    }
    if (path.empty()) throw UsageError(option + ": empty path");
    std::error_code ec;
    if (fs::is_directory(path, ec)) throw UsageError(option + " " + path + " is a directory");
    if (is_stdout_path(path) || written_through(path)) continue;
    const fs::path parent = fs::path(path).parent_path();
    if (!parent.empty() && !fs::is_directory(parent, ec)) {
      throw UsageError(option + " " + path + ": no directory " + parent.string());
    }
  }
}

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
  write_files_atomically({{path, content}});
}

void write_files_atomically(const std::vector<std::pair<std::string, std::string>>& files) {
  // Regular targets: temporaries first (index into `files`, temporary name).
  std::vector<std::pair<std::size_t, std::string>> temps;
  auto drop_temps = [&](std::size_t from) {
    for (std::size_t j = from; j < temps.size(); ++j) ::unlink(temps[j].second.c_str());
  };
  try {
    for (std::size_t i = 0; i < files.size(); ++i) {
      if (!written_through(files[i].first))
        temps.emplace_back(i, write_temporary_beside(files[i].first, files[i].second));
    }
    for (const auto& [path, content] : files) {
      if (written_through(path)) write_through(path, content);
    }
  } catch (const UsageError&) {
    drop_temps(0);
    throw;
  }
  for (std::size_t k = 0; k < temps.size(); ++k) {
    const std::string& path = files[temps[k].first].first;
    if (::rename(temps[k].second.c_str(), path.c_str()) != 0) {
      const int saved = errno;
      drop_temps(k);
      errno = saved;
      io_error("rename to", path);
    }
  }
  // The renames live in the directories: without this a power loss may forget them.
  for (const auto& [index, temp] : temps) {
    const std::string parent = fs::path(files[index].first).parent_path().string();
    sync_directory(parent.empty() ? "." : parent);
  }
}

void sync_directory(const std::string& dir) {
  fsync_path(dir, O_RDONLY | O_DIRECTORY);
}

}  // namespace infsim::driver
