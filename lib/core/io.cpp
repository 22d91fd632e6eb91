#include "tsign/io.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <random>
#include <vector>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "core/io_impl.hpp"
#include "core/ossl.hpp"
#include "tsign/error.hpp"

namespace tsign {

namespace {

std::string errno_text(int e) { return std::strerror(e); }

/// A character device or FIFO (following links): written into, never renamed over.
bool is_stream_device(const std::filesystem::path& p) {
    std::error_code ec;
    const auto t = std::filesystem::status(p, ec).type();
    return !ec && (t == std::filesystem::file_type::character || t == std::filesystem::file_type::fifo);
}

bool write_all(int fd, const std::uint8_t* p, size_t n) {
    while (n > 0) {
        ssize_t w = ::write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        p += w;
        n -= static_cast<size_t>(w);
    }
    return true;
}

}  // namespace

Bytes read_file(const std::string& path) {
    detail::check_input_file(path);  // no folders, no devices (/dev/zero would never end)
    int fd = path == "-" ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        const int e = errno;
        throw Error(e == ENOENT ? Errc::file_not_found : Errc::file_unreadable,
                    "cannot read '" + path + "': " + errno_text(e));
    }
    Bytes out;
    std::uint8_t buf[65536];
    for (;;) {
        ssize_t r = ::read(fd, buf, sizeof buf);
        if (r < 0) {
            if (errno == EINTR) continue;
            const int e = errno;
            if (fd != STDIN_FILENO) ::close(fd);
            throw Error(Errc::file_unreadable, "cannot read '" + path + "': " + errno_text(e));
        }
        if (r == 0) break;
        out.insert(out.end(), buf, buf + r);
    }
    if (fd != STDIN_FILENO) ::close(fd);
    return out;
}

Bytes detail::read_input_limited(const std::string& path, size_t max, const std::string& what) {
    detail::check_input_file(path);  // no folders, no devices
    const int fd = path == "-" ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        const int e = errno;
        throw Error(e == ENOENT ? Errc::file_not_found : Errc::file_unreadable, "cannot read " + what + ": " + errno_text(e));
    }
    struct Closer {
        int fd;
        ~Closer() {
            if (fd != STDIN_FILENO) ::close(fd);
        }
    } closer{fd};
    Bytes out;
    std::uint8_t buf[65536];
    for (;;) {
        const ssize_t r = ::read(fd, buf, sizeof buf);
        if (r < 0) {
            if (errno == EINTR) continue;
            throw Error(Errc::file_unreadable, "cannot read " + what + ": " + errno_text(errno));
        }
        if (r == 0) break;
        if (out.size() + static_cast<size_t>(r) > max)
            throw Error(Errc::malformed, "cannot read " + what + ": larger than " + detail::size_text(max));
        out.insert(out.end(), buf, buf + r);
    }
    return out;
}

std::string detail::size_text(size_t n) {
    if (n >= (1u << 20) && n % (1u << 20) == 0) return std::to_string(n >> 20) + " MiB";
    if (n >= 1024 && n % 1024 == 0) return std::to_string(n >> 10) + " KiB";
    return std::to_string(n) + " bytes";
}

/// Reads a regular file of at most max bytes; what names it in errors ("roster 'r.yaml'"). Devices,
/// FIFOs and folders are refused before anything is read (a FIFO is opened without blocking).
Bytes read_file_limited(const std::string& path, size_t max, const std::string& what) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        const int e = errno;
        if (e == ENOENT || e == ENOTDIR) throw Error(Errc::file_not_found, "cannot read " + what + ": no such file");
        throw Error(Errc::file_unreadable, "cannot read " + what + ": " + std::strerror(e));
    }
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) throw Error(Errc::file_unreadable, "cannot read " + what + ": " + std::strerror(errno));
    if (!S_ISREG(st.st_mode)) throw Error(Errc::file_unreadable, "cannot read " + what + ": not a regular file");
    const std::string too_large = "cannot read " + what + ": larger than " + detail::size_text(max);
    if (static_cast<unsigned long long>(st.st_size) > max) throw Error(Errc::malformed, too_large);
    Bytes data(max + 1);
    size_t n = 0;
    while (n < data.size()) {
        const ssize_t r = ::read(fd, data.data() + n, data.size() - n);
        if (r < 0) {
            if (errno == EINTR) continue;
            throw Error(Errc::file_unreadable, "cannot read " + what + ": " + std::strerror(errno));
        }
        if (r == 0) break;
        n += static_cast<size_t>(r);
    }
    if (n > max) throw Error(Errc::malformed, too_large);  // it grew while being read
    data.resize(n);
    return data;
}

void detail::make_dirs(const std::string& path, unsigned mode) {
    namespace fs = std::filesystem;
    fs::path p = fs::path(path).lexically_normal();
    if (p.empty()) return;
    std::vector<fs::path> missing;
    std::error_code ec;
    for (fs::path at = p; !at.empty() && !fs::exists(at, ec); at = at.parent_path()) {
        missing.push_back(at);
        if (at == at.parent_path()) break;
    }
    std::reverse(missing.begin(), missing.end());  // outermost first
    for (const fs::path& dir : missing) {
        if (::mkdir(dir.c_str(), static_cast<mode_t>(mode)) != 0 && errno != EEXIST)
            throw Error(Errc::output_failed, "cannot create '" + dir.string() + "': " + errno_text(errno));
        struct stat st {};
        // mkdir applied the umask, which only narrows: the group and other bits stay as narrow as
        // the user asked; only the owner's own bits are restored, so tsign can use the folder.
        if (::lstat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == ::geteuid() &&
            (st.st_mode & 0700) != (mode & 0700))
            ::chmod(dir.c_str(), static_cast<mode_t>((st.st_mode & 07077) | (mode & 0700)));
    }
    if (!fs::is_directory(p, ec)) throw Error(Errc::output_failed, "cannot create '" + path + "': not a folder");
}

void detail::make_private_dir(const std::string& path, bool narrow_existing) {
    namespace fs = std::filesystem;
    const fs::path p = fs::path(path).lexically_normal();
    std::error_code ec;
    const bool existed = fs::exists(p, ec);
    if (!existed) {
        make_dirs(p.parent_path().string(), 0755);
        make_dirs(p.string(), 0700);
    }
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        throw Error(Errc::output_failed, "cannot create '" + path + "': not a folder");
    // A folder another user owns is theirs to change, whatever its mode.
    if (st.st_uid != ::geteuid() && (!existed || narrow_existing))
        throw Error(Errc::output_failed, "refusing to keep private state in '" + path + "': it belongs to another user",
                    "use a folder you own, with mode 0700");
    if ((st.st_mode & 077) == 0) return;
    if (existed && !narrow_existing) return;
    if (st.st_uid != ::geteuid() || ::chmod(p.c_str(), 0700) != 0 || ::stat(p.c_str(), &st) != 0 || (st.st_mode & 077) != 0)
        throw Error(Errc::output_failed, "refusing to keep private state in '" + path + "': other users can reach it",
                    "use a folder you own, with mode 0700");
}

void detail::check_input_file(const std::string& path) {
    if (path == "-") return;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        const int e = errno;
        throw Error(e == ENOENT ? Errc::file_not_found : Errc::file_unreadable, "cannot read '" + path + "': " + errno_text(e));
    }
    if (S_ISDIR(st.st_mode) || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
        throw Error(Errc::file_unreadable, "cannot read '" + path + "': " + (S_ISDIR(st.st_mode) ? "is a directory" : "is a device, not a file"));
}

void write_file_atomic(const std::string& path, std::span<const std::uint8_t> data, const WriteOptions& options) {
    if (path == "-") {
        if (!write_all(STDOUT_FILENO, data.data(), data.size()))
            throw Error(Errc::output_failed, "cannot write to standard output: " + errno_text(errno));
        return;
    }
    namespace fs = std::filesystem;
    const fs::path target(path);
    fs::path dir = target.parent_path();
    if (dir.empty()) dir = ".";
    std::error_code ec;
    if (!options.force && fs::symlink_status(target, ec).type() != fs::file_type::not_found && !ec)
        throw Error(Errc::output_exists, "refusing to write '" + path + "': file exists",
                    "use --force to replace it");
    if (options.force && is_stream_device(target)) {
        // /dev/null, /dev/stdout, a FIFO: written into, never replaced by a regular file.
        const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
        if (fd < 0) throw Error(Errc::output_failed, "cannot write '" + path + "': " + errno_text(errno));
        const bool ok = write_all(fd, data.data(), data.size());
        const int e = errno;
        ::close(fd);
        if (!ok) throw Error(Errc::output_failed, "cannot write '" + path + "': " + errno_text(e));
        return;
    }
    if (!options.force) {
        // An unnamed file that appears under its name only when complete (O_TMPFILE + linkat):
        // one directory operation, nothing left behind by a killed process, and linkat never
        // replaces an existing file. File systems without O_TMPFILE take the path below.
        int tfd = ::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, options.mode & 07777);
        if (tfd >= 0) {
            if ((options.mode & 077) == 0) ::fchmod(tfd, options.mode & 07777);
            const bool written = write_all(tfd, data.data(), data.size()) && (!options.sync || ::fsync(tfd) == 0);
            const int werr = errno;
            int rc = -1;
            if (written) {
                const std::string proc = "/proc/self/fd/" + std::to_string(tfd);
                rc = ::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, target.c_str(), AT_SYMLINK_FOLLOW);
            }
            const int lerr = errno;
            ::close(tfd);
            if (!written) throw Error(Errc::output_failed, "cannot write '" + path + "': " + errno_text(werr));
            if (rc != 0) {
                if (lerr == EEXIST)
                    throw Error(Errc::output_exists, "refusing to write '" + path + "': file exists", "use --force to replace it");
                throw Error(Errc::output_failed, "cannot write '" + path + "': " + errno_text(lerr));
            }
            if (options.sync) {
                int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (dfd >= 0) {
                    ::fsync(dfd);
                    ::close(dfd);
                }
            }
            return;
        }
    }
    // A named temporary file, renamed into place (force) or linked without replacing.
    detail::AtomicOutput out(path, options);
    if (!write_all(out.fd(), data.data(), data.size()))
        throw Error(Errc::output_failed, "cannot write '" + path + "': " + errno_text(errno));
    out.commit();
}

void write_file_atomic(const std::string& path, const std::string& text, const WriteOptions& options) {
    write_file_atomic(path, std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()), options);
}

detail::AtomicOutput::AtomicOutput(std::string path, const WriteOptions& options) : path_(std::move(path)), options_(options) {
    namespace fs = std::filesystem;
    const fs::path target(path_);
    fs::path dir = target.parent_path();
    if (dir.empty()) dir = ".";
    std::error_code ec;
    if (!options_.force && fs::symlink_status(target, ec).type() != fs::file_type::not_found && !ec)
        throw Error(Errc::output_exists, "refusing to write '" + path_ + "': file exists", "use --force to replace it");
    if (is_stream_device(target))
        throw Error(Errc::output_failed, "refusing to write '" + path_ + "': not a regular file", "give a file name");
    unsigned char rnd[8];
    if (RAND_bytes(rnd, sizeof rnd) != 1) ossl::fail(Errc::internal, "random generator failed");
    tmp_ = (dir / ("." + target.filename().string() + ".tmp-" + ossl::hex(rnd))).string();
    fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, options_.mode & 07777);
    if (fd_ < 0) throw Error(Errc::output_failed, "cannot write '" + path_ + "': " + errno_text(errno));
    if ((options_.mode & 077) == 0) ::fchmod(fd_, options_.mode & 07777);
}

detail::AtomicOutput::~AtomicOutput() {
    if (fd_ >= 0) ::close(fd_);
    if (!tmp_.empty()) ::unlink(tmp_.c_str());
}

void detail::AtomicOutput::commit() {
    const auto fail = [this](int e) { throw Error(Errc::output_failed, "cannot write '" + path_ + "': " + errno_text(e)); };
    if (options_.sync && ::fsync(fd_) != 0) fail(errno);
    const int rc_close = ::close(fd_);
    fd_ = -1;
    if (rc_close != 0) fail(errno);
    int rc;
    if (options_.force) {
        rc = ::rename(tmp_.c_str(), path_.c_str());
    } else {
        rc = ::renameat2(AT_FDCWD, tmp_.c_str(), AT_FDCWD, path_.c_str(), RENAME_NOREPLACE);
        if (rc != 0 && (errno == EINVAL || errno == ENOSYS)) {
            rc = ::link(tmp_.c_str(), path_.c_str());
            if (rc == 0) ::unlink(tmp_.c_str());
        }
    }
    if (rc != 0) {
        const int e = errno;
        if (e == EEXIST)
            throw Error(Errc::output_exists, "refusing to write '" + path_ + "': file exists", "use --force to replace it");
        fail(e);
    }
    tmp_.clear();
    if (!options_.sync) return;
    std::filesystem::path dir = std::filesystem::path(path_).parent_path();
    if (dir.empty()) dir = ".";
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
}

int detail::anonymous_file(const std::string& folder) {
    const std::string dir = folder.empty() ? "." : folder;
    int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0) return fd;
    std::string tmpl = dir + "/.tsign-scratch-XXXXXX";
    fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
    if (fd < 0) throw Error(Errc::output_failed, "cannot create a scratch file in '" + dir + "': " + errno_text(errno));
    ::unlink(tmpl.c_str());
    return fd;
}

std::string der_to_pem(std::span<const std::uint8_t> der, const std::string& label) {
    ossl::BioPtr out(BIO_new(BIO_s_mem()));
    if (!out || !PEM_write_bio(out.get(), label.c_str(), "", der.data(), static_cast<long>(der.size())))
        ossl::fail(Errc::internal, "PEM encoding failed");
    return ossl::bio_string(out.get());
}

}  // namespace tsign
