// Internal: checks on input files shared by the streamed readers.
#pragma once

#include <string>

namespace tsign::detail {

/// Throws Errc::file_not_found / file_unreadable unless path ("-": standard input) is something
/// a document can be streamed from: not a directory, not a device.
void check_input_file(const std::string& path);

}  // namespace tsign::detail
