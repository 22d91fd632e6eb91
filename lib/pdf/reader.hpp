// Internal: a PDF opened with qpdf over bytes that stay where they are (a mapped file or a buffer),
// with the facts the incremental writer and the verifier need about its last revision.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include <qpdf/QPDF.hh>
#include <qpdf/QPDFObjectHandle.hh>

class Buffer;  // qpdf's

namespace tsign::pdf::detail {

/// A whole file mapped read-only (empty files are refused). Throws Errc::file_*.
class MappedFile {
public:
    explicit MappedFile(const std::string& path);
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;
    std::span<const std::uint8_t> bytes() const { return {data_, size_}; }

private:
    const std::uint8_t* data_ = nullptr;
    std::size_t size_ = 0;
};

/// qpdf over bytes [0, size): no recovery of broken files (a damaged file is an error, never
/// silently repaired), warnings kept. Encrypted files and hybrid-reference files (a /XRefStm
/// trailer key) are refused. Throws Errc::malformed / Errc::unsupported with `name` in the message.
class Reader {
public:
    Reader(std::span<const std::uint8_t> bytes, std::string name);
    ~Reader();
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;

    QPDF& qpdf() { return *qpdf_; }
    std::span<const std::uint8_t> bytes() const { return bytes_; }
    const std::string& name() const { return name_; }
    /// The offset the last startxref points at, and whether a cross-reference stream is there.
    std::int64_t startxref() const { return startxref_; }
    bool xref_stream() const { return xref_stream_; }
    /// The trailer's /Size: the next free object number.
    int next_object() const { return size_; }
    /// Throws Errc::malformed when qpdf noted any problem (an object it could not read, ...).
    void check_warnings();
    /// Runs f, turning qpdf's exceptions into Errc::malformed naming the file.
    template <typename F>
    auto guard(F&& f, const char* what) -> decltype(f());

private:
    std::span<const std::uint8_t> bytes_;
    std::string name_;
    std::unique_ptr<::Buffer> buffer_;
    std::unique_ptr<QPDF> qpdf_;
    std::int64_t startxref_ = 0;
    bool xref_stream_ = false;
    int size_ = 0;
};

/// qpdf's exception as a tsign error (Errc::malformed): "<name>: <what>: <qpdf's message>".
[[noreturn]] void rethrow_qpdf(const std::string& name, const char* what);

template <typename F>
auto Reader::guard(F&& f, const char* what) -> decltype(f()) {
    try {
        return f();
    } catch (...) {
        rethrow_qpdf(name_, what);
    }
}

/// The most a stream (or all object streams together) may decode to.
inline constexpr std::size_t kMaxDecodedStream = std::size_t{64} << 20;
/// A stream's data decoded (generalized filters), refusing more than `cap` bytes (Errc::unsupported).
std::string decode_capped(QPDFObjectHandle stream, std::size_t cap = kMaxDecodedStream);

/// The offset the last "startxref" of bytes points at. Throws Errc::malformed.
std::int64_t find_startxref(std::span<const std::uint8_t> bytes, const std::string& name);

}  // namespace tsign::pdf::detail
