/// @file io.hpp
/// Reading inputs and writing outputs atomically.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

// Everything declared here is the library's public interface (exported from libtsign.so).
#pragma GCC visibility push(default)

namespace tsign {

/// Binary data: DER structures, digests, signatures, documents in memory.
using Bytes = std::vector<std::uint8_t>;

/// Reads a whole file ("-" reads standard input). Throws Errc::file_not_found / file_unreadable.
Bytes read_file(const std::string& path);

/// Reads a regular file of at most max bytes, for files read on someone else's behalf (rosters,
/// policies, the certificates they name). Devices, FIFOs and folders are refused before anything
/// is read; `what` names the file in errors ("roster 'r.yaml'"). Throws Errc::file_not_found,
/// file_unreadable, or malformed when larger than max.
Bytes read_file_limited(const std::string& path, std::size_t max, const std::string& what);

/// Options for write_file_atomic().
struct WriteOptions {
    bool force = false;        ///< replace an existing file
    unsigned mode = 0644;      ///< permission bits of the new file (0600 for private keys)
    /// fsync the file and its folder. Without it the write is still atomic against a killed
    /// process (rename), and the caller makes it durable later (e.g. one syncfs for a batch).
    bool sync = true;
};

/// Writes data to path atomically: a temporary file in the same folder, fsync, rename, fsync of
/// the folder. An existing file is never replaced unless options.force; a failure leaves nothing
/// behind. "-" writes to standard output. Throws Errc::output_exists / output_failed.
void write_file_atomic(const std::string& path, std::span<const std::uint8_t> data, const WriteOptions& options = {});

/// Convenience overload for text.
void write_file_atomic(const std::string& path, const std::string& text, const WriteOptions& options = {});

/// Wraps DER bytes in PEM armour with the given label ("CERTIFICATE").
std::string der_to_pem(std::span<const std::uint8_t> der, const std::string& label);

}  // namespace tsign

#pragma GCC visibility pop
