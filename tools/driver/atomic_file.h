#pragma once
// Writing result files so that a reader (or a resumed run) never sees a partial one.
#include <string>
#include <utility>
#include <vector>

namespace infsim::driver {

// Writes `content` to a temporary file beside `path`, fsyncs it, renames it over `path` and
// fsyncs the directory: after a crash or power loss the file is either the old one or the new
// one, never a mix. UsageError if it cannot be written.
void write_file_atomically(const std::string& path, const std::string& content);

// All of `files` (path -> content) or none: every temporary is written first, and only when all
// of them are written are they renamed into place; on any failure the temporaries are removed and
// UsageError names the path. A command's outputs (--json, --csv, --out DIR) go through this, so a
// bad second path never leaves the first file behind.
void write_files_atomically(const std::vector<std::pair<std::string, std::string>>& files);

// The first half of that: writes and fsyncs a temporary file beside `path` and returns its name,
// for callers that publish it some other way (e.g. link(), which fails if `path` exists).
std::string write_temporary_beside(const std::string& path, const std::string& content);

// fsyncs a directory, so that a rename or link in it survives a power loss.
void sync_directory(const std::string& dir);

}  // namespace infsim::driver
