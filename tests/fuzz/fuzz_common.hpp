// Shared by the libFuzzer harnesses: fixtures, a private scratch folder on tmpfs, and the rule
// every harness enforces: bad input may be refused with a tsign::Error (exit 1-5 in the CLI), and
// nothing else. Any other exception (the CLI's exit 6 "internal error"), a crash, a leak, undefined
// behaviour, a hang (-timeout) or runaway memory (-rss_limit_mb) is a finding.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include <openssl/err.h>

#include "tsign/error.hpp"
#include "tsign/io.hpp"

namespace fuzz {

/// A file of the source tree (fixtures, sample PKI).
inline std::string source(const std::string& relative) { return std::string(TSIGN_SOURCE_DIR) + "/" + relative; }

/// A folder of this process on tmpfs (/dev/shm when it exists), removed at exit.
inline const std::string& scratch() {
    static const std::string dir = [] {
        const char* base = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
        std::string d = std::string(base) + "/tsign-fuzz-" + std::to_string(::getpid());
        std::filesystem::remove_all(d);
        std::filesystem::create_directories(d);
        static const std::string keep = d;
        std::atexit([] {
            std::error_code ec;
            std::filesystem::remove_all(keep, ec);
        });
        return d;
    }();
    return dir;
}

/// Writes the input to a file (for the readers that take a path) and returns its path.
inline std::string write(const std::string& name, const std::uint8_t* data, std::size_t size) {
    const std::string path = scratch() + "/" + name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    return path;
}

/// True when s is valid UTF-8 (no overlong forms, no surrogates, at most U+10FFFF).
inline bool valid_utf8(std::string_view s) {
    size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        size_t n = 0;
        std::uint32_t cp = 0;
        if (c < 0x80) {
            ++i;
            continue;
        }
        if ((c & 0xE0) == 0xC0)
            n = 1, cp = c & 0x1F;
        else if ((c & 0xF0) == 0xE0)
            n = 2, cp = c & 0x0F;
        else if ((c & 0xF8) == 0xF0)
            n = 3, cp = c & 0x07;
        else
            return false;
        if (i + n >= s.size()) return false;
        for (size_t k = 1; k <= n; ++k) {
            const auto d = static_cast<unsigned char>(s[i + k]);
            if ((d & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (d & 0x3F);
        }
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000)) return false;
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += n + 1;
    }
    return true;
}

/// Output that people or programs read must be valid UTF-8 whatever the input held.
inline void require_utf8(std::string_view what, std::string_view s) {
    if (!valid_utf8(s)) {
        std::fprintf(stderr, "FINDING: %.*s is not valid UTF-8\n", static_cast<int>(what.size()), what.data());
        std::abort();
    }
}

/// Runs f; a tsign::Error is how bad input is refused. Anything else escapes and is a finding.
template <class F>
void refuse_or_run(F&& f) {
    try {
        f();
    } catch (const tsign::Error& e) {
        const std::string_view message = e.what();
        if (e.code() == tsign::Errc::internal) {
            std::fprintf(stderr, "FINDING: internal error (exit 6): %s\n", e.what());
            std::abort();
        }
        require_utf8("an error message", message);
        if (message.empty() || message.find('\n') != std::string_view::npos) {
            std::fprintf(stderr, "FINDING: an error message is not one line: '%s'\n", e.what());
            std::abort();
        }
    }
    ERR_clear_error();
}

inline tsign::Bytes bytes(const std::uint8_t* data, std::size_t size) { return tsign::Bytes(data, data + size); }

}  // namespace fuzz

/// Every harness runs offline: no input may make tsign fetch a CRL or ask an OCSP responder (each
/// harness is one translation unit, so this definition appears once per fuzzer).
extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
    setenv("TSIGN_OFFLINE", "1", 1);
    return 0;
}
