/// @file pin.hpp
/// PINs and passphrases: where they come from and how they are held in memory.
#pragma once

#include <functional>
#include <string>
#include <string_view>

// Everything declared here is the library's public interface (exported from libtsign.so).
#pragma GCC visibility push(default)

namespace tsign {

/// A secret (PIN or passphrase) that is wiped from memory when destroyed. Move-only.
class Secret {
public:
    Secret() = default;
    /// Copies value into memory that is wiped when the Secret goes.
    explicit Secret(std::string_view value);
    /// Wipes the secret.
    ~Secret();
    /// Takes over other's secret (other is left empty).
    Secret(Secret&& other) noexcept;
    Secret& operator=(Secret&& other) noexcept;
    Secret(const Secret&) = delete;
    Secret& operator=(const Secret&) = delete;

    const char* c_str() const noexcept { return value_.c_str(); }
    std::size_t size() const noexcept { return value_.size(); }
    bool empty() const noexcept { return value_.empty(); }
    /// Appends one character without reallocating through an unwiped copy.
    void push_back(char c);
    /// Wipes and empties the secret.
    void clear() noexcept;

private:
    std::string value_;
};

/// Overwrites memory in a way the compiler cannot elide.
void secure_wipe(void* data, std::size_t size) noexcept;

/// What a PIN or passphrase is needed for, given to prompts and callbacks.
struct PinRequest {
    std::string prompt;        ///< e.g. "PIN for token 'member1'"
    bool confirm = false;      ///< ask twice (new passphrases)
    bool count_low = false;    ///< the token reports that wrong PINs were entered before
    bool final_try = false;    ///< the token reports that one more wrong PIN locks it
};

/// A callback that supplies a secret (used by programs that link the library and by prompts).
using PinCallback = std::function<Secret(const PinRequest&)>;

/// Where a PIN or passphrase comes from: "prompt", "env:VAR", "file:PATH", "fd:N".
/// A PIN is never taken as a plain command-line value.
class PinSource {
public:
    /// Where the secret comes from.
    enum class Kind { prompt, env, file, fd, callback };

    /// The default source: prompt when standard input or /dev/tty is a terminal.
    PinSource() = default;
    /// Parses "prompt", "env:VAR", "file:PATH", "fd:N". Throws Errc::usage on anything else.
    static PinSource parse(const std::string& spec);
    /// A source backed by a callback.
    static PinSource from_callback(PinCallback callback);

    Kind kind() const noexcept { return kind_; }
    const std::string& spec() const noexcept { return spec_; }
    bool is_default() const noexcept { return spec_.empty() && kind_ == Kind::prompt; }

    /// Reads the secret. A trailing newline is removed from files and descriptors.
    /// Throws Errc::pin_unavailable when no secret can be obtained.
    Secret read(const PinRequest& request) const;

private:
    Kind kind_ = Kind::prompt;
    std::string spec_;
    std::string arg_;
    PinCallback callback_;
};

}  // namespace tsign

#pragma GCC visibility pop
