// Internal: checks on input files shared by the streamed readers.
#pragma once

#include <cstddef>
#include <string>

#include "tsign/io.hpp"

namespace tsign::detail {

/// Throws Errc::file_not_found / file_unreadable unless path ("-": standard input) is something
/// a document can be streamed from: not a directory, not a device.
void check_input_file(const std::string& path);

/// Size limits of the files tsign reads on the user's behalf (bundles, CRLs, responses, configs).
inline constexpr std::size_t kMaxCertificateFileBytes = 32u << 20;  ///< certificate files and bundles
inline constexpr std::size_t kMaxCrlFileBytes = 256u << 20;         ///< CRL files (large CAs' CRLs are big)
inline constexpr std::size_t kMaxOcspFileBytes = 16u << 20;         ///< OCSP responses
inline constexpr std::size_t kMaxConfigFileBytes = 1u << 20;        ///< YAML configuration files

/// Reads an input named on the command line ("-": standard input) of at most max bytes: like
/// read_file() (folders and devices refused; pipes such as <(cmd) accepted), but a larger input is
/// Errc::malformed naming `what` after max + 1 bytes, never read to its end.
Bytes read_input_limited(const std::string& path, std::size_t max, const std::string& what);

/// "1 MiB", "300 KiB", "12 bytes": a size limit for messages.
std::string size_text(std::size_t n);

/// Creates the folder and its missing parents, each with exactly `mode` (the umask does not
/// widen or narrow it), so no folder tsign makes is group- or world-writable by accident.
/// Existing folders are left as they are. Throws Errc::output_failed.
void make_dirs(const std::string& path, unsigned mode);

/// A folder for state only its owner may read or change (a CA, a TSA archive): created 0700
/// whatever the umask (missing parents 0755); with `narrow_existing`, an existing folder of ours
/// is narrowed to 0700. Then checked: a folder that others can enter or write is refused
/// (Errc::output_failed) unless it existed and `narrow_existing` is false.
void make_private_dir(const std::string& path, bool narrow_existing);

/// An output file written as a stream and published atomically: a temporary file in the target's
/// folder (mode exact), then commit(): fsync, a rename that never replaces an existing file unless
/// options.force, fsync of the folder. Destroyed without commit(), nothing is left behind.
class AtomicOutput {
public:
    /// Throws Errc::output_exists (the target exists, no force) or Errc::output_failed.
    AtomicOutput(std::string path, const WriteOptions& options);
    ~AtomicOutput();
    AtomicOutput(const AtomicOutput&) = delete;
    AtomicOutput& operator=(const AtomicOutput&) = delete;
    int fd() const { return fd_; }
    void commit();

private:
    std::string path_, tmp_;
    WriteOptions options_;
    int fd_ = -1;
};

/// An unnamed scratch file (O_TMPFILE; else created and unlinked at once) in the folder, open for
/// reading and writing, mode 0600; gone when its descriptor is closed. Throws Errc::output_failed.
int anonymous_file(const std::string& folder);

}  // namespace tsign::detail
