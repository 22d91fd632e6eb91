#include "tsign/pin.hpp"

#include <cerrno>
#include <charconv>
#include <limits>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "tsign/error.hpp"

namespace tsign {

void secure_wipe(void* data, std::size_t size) noexcept {
    if (data != nullptr && size > 0) OPENSSL_cleanse(data, size);
}

Secret::Secret(std::string_view value) {
    value_.reserve(value.size() < 64 ? 64 : value.size());
    value_.assign(value.data(), value.size());
}

Secret::~Secret() { clear(); }

Secret::Secret(Secret&& other) noexcept : value_(std::move(other.value_)) { other.clear(); }

Secret& Secret::operator=(Secret&& other) noexcept {
    if (this != &other) {
        clear();
        value_ = std::move(other.value_);
        other.clear();
    }
    return *this;
}

void Secret::push_back(char c) {
    if (value_.size() + 1 >= value_.capacity()) {
        std::string bigger;
        bigger.reserve(value_.capacity() * 2 + 64);
        bigger.assign(value_);
        clear();
        value_.swap(bigger);
    }
    value_.push_back(c);
}

void Secret::clear() noexcept {
    secure_wipe(value_.data(), value_.capacity());
    value_.clear();
}

namespace {

Secret read_fd_secret(int fd, const std::string& what) {
    Secret s;
    char c;
    for (;;) {
        ssize_t r = ::read(fd, &c, 1);
        if (r < 0) {
            if (errno == EINTR) continue;
            throw Error(Errc::pin_unavailable, "cannot read " + what + ": " + std::strerror(errno));
        }
        if (r == 0 || c == '\n') break;
        s.push_back(c);
        if (s.size() > 4096) throw Error(Errc::pin_invalid, "cannot read " + what + ": longer than 4096 bytes");
    }
    secure_wipe(&c, 1);
    return s;
}

Secret strip_newline(Secret s) {
    // read_fd_secret already stops at the first newline; strip a trailing CR (Windows files).
    if (!s.empty() && s.c_str()[s.size() - 1] == '\r') {
        Secret t;
        for (size_t i = 0; i + 1 < s.size(); ++i) t.push_back(s.c_str()[i]);
        return t;
    }
    return s;
}

Secret prompt_tty(const std::string& prompt) {
    int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        throw Error(Errc::pin_unavailable, "cannot ask for the " + prompt + ": no terminal",
                    "supply it with --pin-source env:VAR, file:PATH or fd:N");
    struct termios old {};
    const bool is_tty = tcgetattr(fd, &old) == 0;
    if (!is_tty) {
        ::close(fd);
        throw Error(Errc::pin_unavailable, "cannot ask for the " + prompt + ": no terminal",
                    "supply it with --pin-source env:VAR, file:PATH or fd:N");
    }
    struct termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    const std::string text = prompt + ": ";
    (void)!::write(fd, text.data(), text.size());
    tcsetattr(fd, TCSAFLUSH, &quiet);
    Secret s;
    try {
        s = read_fd_secret(fd, prompt);
    } catch (...) {
        tcsetattr(fd, TCSAFLUSH, &old);
        ::close(fd);
        throw;
    }
    tcsetattr(fd, TCSAFLUSH, &old);
    ::close(fd);
    return s;
}

}  // namespace

PinSource PinSource::parse(const std::string& spec) {
    PinSource p;
    p.spec_ = spec;
    if (spec == "prompt") {
        p.kind_ = Kind::prompt;
    } else if (spec.rfind("env:", 0) == 0 && spec.size() > 4) {
        p.kind_ = Kind::env;
        p.arg_ = spec.substr(4);
    } else if (spec.rfind("file:", 0) == 0 && spec.size() > 5) {
        p.kind_ = Kind::file;
        p.arg_ = spec.substr(5);
        // RFC 7512 pin-source values are URIs: accept file:///path too.
        if (p.arg_.rfind("///", 0) == 0) p.arg_ = p.arg_.substr(2);
    } else if (spec.rfind("fd:", 0) == 0 && spec.size() > 3 &&
               spec.find_first_not_of("0123456789", 3) == std::string::npos) {
        p.kind_ = Kind::fd;
        p.arg_ = spec.substr(3);
        int fd = -1;
        const char* end = p.arg_.data() + p.arg_.size();
        const auto [q, ec] = std::from_chars(p.arg_.data(), end, fd, 10);
        if (ec != std::errc() || q != end || fd < 0)
            throw Error(Errc::malformed,
                        "invalid PIN source: fd '" + (p.arg_.size() > 40 ? p.arg_.substr(0, 40) + "..." : p.arg_) +
                            "' is not a number in range (0 to " + std::to_string(std::numeric_limits<int>::max()) + ")");
    } else {
        throw Error(Errc::usage, "invalid PIN source '" + spec + "': expected prompt, env:VAR, file:PATH or fd:N",
                    "a PIN is never accepted as a plain command-line value");
    }
    return p;
}

PinSource PinSource::from_callback(PinCallback callback) {
    PinSource p;
    p.kind_ = Kind::callback;
    p.spec_ = "callback";
    p.callback_ = std::move(callback);
    return p;
}

Secret PinSource::read(const PinRequest& request) const {
    switch (kind_) {
    case Kind::callback:
        return callback_(request);
    case Kind::env: {
        const char* v = std::getenv(arg_.c_str());
        if (v == nullptr)
            throw Error(Errc::pin_unavailable,
                        "cannot read the " + request.prompt + ": environment variable " + arg_ + " is not set");
        return Secret(v);
    }
    case Kind::file: {
        int fd = ::open(arg_.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            throw Error(Errc::pin_unavailable,
                        "cannot read the " + request.prompt + " from '" + arg_ + "': " + std::strerror(errno));
        Secret s;
        try {
            s = read_fd_secret(fd, request.prompt);
        } catch (...) {
            ::close(fd);
            throw;
        }
        ::close(fd);
        return strip_newline(std::move(s));
    }
    case Kind::fd: {
        int fd = -1;
        std::from_chars(arg_.data(), arg_.data() + arg_.size(), fd, 10);  // checked by parse()
        return strip_newline(read_fd_secret(fd, request.prompt));
    }
    case Kind::prompt:
        break;
    }
    Secret first = prompt_tty(request.prompt);
    if (request.confirm) {
        Secret again = prompt_tty("repeat the " + request.prompt);
        if (first.size() != again.size() || std::memcmp(first.c_str(), again.c_str(), first.size()) != 0)
            throw Error(Errc::pin_invalid, "the two entries of the " + request.prompt + " differ");
    }
    return first;
}

}  // namespace tsign
