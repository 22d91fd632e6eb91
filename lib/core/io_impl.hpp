// Internal: checks on input files shared by the streamed readers.
#pragma once

#include <string>

namespace tsign::detail {

/// Throws Errc::file_not_found / file_unreadable unless path ("-": standard input) is something
/// a document can be streamed from: not a directory, not a device.
void check_input_file(const std::string& path);

/// Creates the folder and its missing parents, each with exactly `mode` (the umask does not
/// widen or narrow it), so no folder tsign makes is group- or world-writable by accident.
/// Existing folders are left as they are. Throws Errc::output_failed.
void make_dirs(const std::string& path, unsigned mode);

/// A folder for state only its owner may read or change (a CA, a TSA archive): created 0700
/// whatever the umask (missing parents 0755); with `narrow_existing`, an existing folder of ours
/// is narrowed to 0700. Then checked: a folder that others can enter or write is refused
/// (Errc::output_failed) unless it existed and `narrow_existing` is false.
void make_private_dir(const std::string& path, bool narrow_existing);

}  // namespace tsign::detail
