#pragma once
// Writing result files so that a reader (or a resumed run) never sees a partial one.
#include <string>

namespace infsim::driver {

// Writes `content` to a temporary file beside `path`, fsyncs it, renames it over `path` and
// fsyncs the directory: after a crash or power loss the file is either the old one or the new
// one, never a mix. UsageError if it cannot be written.
void write_file_atomically(const std::string& path, const std::string& content);

// The first half of that: writes and fsyncs a temporary file beside `path` and returns its name,
// for callers that publish it some other way (e.g. link(), which fails if `path` exists).
std::string write_temporary_beside(const std::string& path, const std::string& content);

// fsyncs a directory, so that a rename or link in it survives a power loss.
void sync_directory(const std::string& dir);

}  // namespace infsim::driver
