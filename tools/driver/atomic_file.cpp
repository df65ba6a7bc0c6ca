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

void write_all(int fd, const char* data, std::size_t left, const std::string& path) {
  while (left > 0) {
    ssize_t n = ::write(fd, data, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) io_error("write", path);
    data += n;
    left -= static_cast<std::size_t>(n);
  }
}

// A written-through target, open for writing: standard output as it is, anything else opened in
// place (truncated when it resolves to a regular file, so a symlink's file holds exactly what is
// written). close_through() closes it again.
int open_through(const std::string& path) {
  if (is_stdout_path(path)) {
    std::cout.flush();
    return STDOUT_FILENO;
  }
  std::error_code ec;
  const int flags = O_WRONLY | O_CLOEXEC | (fs::is_regular_file(path, ec) ? O_TRUNC : 0);
  // O_CREAT: a dangling symlink gets its file, as the shell's `>` does.
  const int fd = ::open(path.c_str(), flags | O_CREAT, 0644);
  if (fd < 0) io_error("open", path);
  return fd;
}

void close_through(int fd, const std::string& path) {
  if (fd != STDOUT_FILENO && ::close(fd) != 0) io_error("write", path);
}

std::string display_name(const std::string& path) {
  return is_stdout_path(path) ? "standard output" : path;
}

void write_through(const std::string& path, const std::string& content) {
  const int fd = open_through(path);
  try {
    write_all(fd, content.data(), content.size(), display_name(path));
  } catch (...) {
    if (fd != STDOUT_FILENO) ::close(fd);
    throw;
  }
  close_through(fd, path);
}

// Copies the file `from` into the open `fd` in pieces (a trace can be hundreds of megabytes).
void copy_into(const std::string& from, int fd, const std::string& to) {
  const int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) io_error("read", from);
  std::vector<char> buffer(1 << 20);
  try {
    for (;;) {
      const ssize_t n = ::read(in, buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) io_error("read", from);
      if (n == 0) break;
      write_all(fd, buffer.data(), static_cast<std::size_t>(n), display_name(to));
    }
  } catch (...) {
    ::close(in);
    throw;
  }
  ::close(in);
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

StagedFile stage_file(const std::string& target) {
  if (!written_through(target)) return {target + ".partial", target};
  static int serial = 0;
  const fs::path temp = fs::temp_directory_path() / ("infsim-" + std::to_string(::getpid()) + "-" +
                                                     std::to_string(serial++) + ".partial");
  return {temp.string(), target};
}

void publish_staged(const StagedFile& file) {
  try {
    if (written_through(file.target)) {
      const int fd = open_through(file.target);
      try {
        copy_into(file.staging, fd, file.target);
      } catch (...) {
        if (fd != STDOUT_FILENO) ::close(fd);
        throw;
      }
      close_through(fd, file.target);
      discard_staged(file);
      return;
    }
    if (::rename(file.staging.c_str(), file.target.c_str()) != 0)
      io_error("rename to", file.target);
  } catch (...) {
    discard_staged(file);
    throw;
  }
  const std::string parent = fs::path(file.target).parent_path().string();
  sync_directory(parent.empty() ? "." : parent);
}

void discard_staged(const StagedFile& file) {
  std::error_code ec;
  fs::remove(file.staging, ec);
}

void sync_directory(const std::string& dir) {
  fsync_path(dir, O_RDONLY | O_DIRECTORY);
}

}  // namespace infsim::driver
