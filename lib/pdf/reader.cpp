// A PDF opened with qpdf over bytes in place (see reader.hpp).
#include "pdf/reader.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <vector>
#include <string_view>

#include <qpdf/Buffer.hh>
#include <qpdf/BufferInputSource.hh>
#include <qpdf/Pipeline.hh>
#include <qpdf/QPDFExc.hh>
#include <qpdf/QPDFXRefEntry.hh>

#include "core/io_impl.hpp"
#include "tsign/error.hpp"

namespace tsign::pdf::detail {

MappedFile::MappedFile(const std::string& path) {
    tsign::detail::check_input_file(path);
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        (void)read_file(path);  // throws the precise error
        throw Error(Errc::file_unreadable, "cannot read '" + path + "'");
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw Error(Errc::file_unreadable, "cannot read '" + path + "': not a regular file");
    }
    size_ = static_cast<std::size_t>(st.st_size);
    if (size_ == 0) {
        ::close(fd);
        throw Error(Errc::malformed, "'" + path + "' is empty, not a PDF");
    }
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (p == MAP_FAILED) throw Error(Errc::file_unreadable, "cannot read '" + path + "': " + std::strerror(errno));
    data_ = static_cast<const std::uint8_t*>(p);
}

MappedFile::~MappedFile() {
    if (data_ != nullptr) ::munmap(const_cast<std::uint8_t*>(data_), size_);
}

void rethrow_qpdf(const std::string& name, const char* what) {
    try {
        throw;
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        std::string msg = e.what();
        for (char& c : msg)
            if (c == '\n' || c == '\r') c = ' ';
        throw Error(Errc::malformed, "'" + name + "': " + what + ": " + msg);
    } catch (...) {
        throw Error(Errc::malformed, "'" + name + "': " + what);
    }
}

std::int64_t find_startxref(std::span<const std::uint8_t> bytes, const std::string& name) {
    const std::size_t tail = std::min<std::size_t>(bytes.size(), 2048);
    const std::string_view end(reinterpret_cast<const char*>(bytes.data()) + bytes.size() - tail, tail);
    const std::size_t eof = end.rfind("%%EOF");
    const std::size_t at = end.rfind("startxref");
    if (eof == std::string_view::npos || at == std::string_view::npos || at > eof)
        throw Error(Errc::malformed, "'" + name + "' is not a complete PDF: no startxref and %%EOF at its end (truncated?)");
    for (std::size_t i = eof + 5; i < end.size(); ++i)
        if (!std::strchr(" \t\r\n\f", end[i]) && end[i] != '\0')
            throw Error(Errc::malformed, "'" + name + "' has data after its last %%EOF");
    std::size_t i = at + 9;
    while (i < eof && std::strchr(" \t\r\n\f", end[i])) ++i;
    std::int64_t off = 0;
    std::size_t digits = 0;
    for (; i < eof && end[i] >= '0' && end[i] <= '9' && digits < 15; ++i, ++digits) off = off * 10 + (end[i] - '0');
    if (digits == 0 || off <= 0 || static_cast<std::size_t>(off) >= bytes.size())
        throw Error(Errc::malformed, "'" + name + "' has an invalid startxref offset");
    return off;
}

namespace {

/// A qpdf pipeline that keeps what passes through, up to a limit.
class CappedSink final : public Pipeline {
public:
    CappedSink(std::string* out, std::size_t cap) : Pipeline("capped", nullptr), out_(out), cap_(cap) {}
    void write(unsigned char const* data, size_t len) override {
        if (seen_ + len > cap_) {
            over_ = true;
            throw Error(Errc::unsupported, "a stream decodes to more than " + std::to_string(cap_ >> 20) + " MiB");
        }
        seen_ += len;
        if (out_) out_->append(reinterpret_cast<const char*>(data), len);
    }
    void finish() override {}
    bool over() const { return over_; }

private:
    bool over_ = false;
    std::string* out_;
    std::size_t cap_;
    std::size_t seen_ = 0;
};

/// Every classic trailer of the file: a hybrid-reference file has /XRefStm in one of them.
bool any_hybrid_trailer(std::string_view text) {
    for (std::size_t at = text.find("trailer"); at != std::string_view::npos; at = text.find("trailer", at + 7)) {
        const std::size_t end = text.find("startxref", at);
        const std::string_view dict =
            text.substr(at, std::min<std::size_t>(end == std::string_view::npos ? 4096 : end - at, 4096));
        if (dict.find("/XRefStm") != std::string_view::npos) return true;
    }
    return false;
}

}  // namespace

std::string decode_capped(QPDFObjectHandle stream, std::size_t cap) {
    std::string out;
    CappedSink sink(&out, cap);
    bool ok = false;
    try {
        ok = stream.pipeStreamData(&sink, 0, qpdf_dl_generalized, true);
    } catch (const Error&) {
        ok = false;
    }
    if (sink.over())
        throw Error(Errc::unsupported, "a stream (object " + std::to_string(stream.getObjectID()) + ") decodes to more than " +
                                           std::to_string(cap >> 20) + " MiB: refused (a compression bomb?)");
    if (!ok) throw Error(Errc::malformed, "a stream (object " + std::to_string(stream.getObjectID()) + ") cannot be decoded");
    return out;
}

Reader::Reader(std::span<const std::uint8_t> bytes, std::string name) : bytes_(bytes), name_(std::move(name)) {
    const std::string_view head(reinterpret_cast<const char*>(bytes.data()), std::min<std::size_t>(bytes.size(), 1024));
    if (head.find("%PDF-") == std::string_view::npos) throw Error(Errc::malformed, "'" + name_ + "' is not a PDF file");
    // Offsets count from the header: data before it would make every offset of an update wrong.
    if (head.rfind("%PDF-", 0) != 0)
        throw Error(Errc::unsupported, "'" + name_ + "' has data before its %PDF- header",
                    "remove it first (qpdf IN.pdf OUT.pdf)");
    if (any_hybrid_trailer(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size())))
        throw Error(Errc::unsupported, "'" + name_ + "' uses hybrid cross-references (/XRefStm): not supported",
                    "rewrite it first (qpdf IN.pdf OUT.pdf)");
    startxref_ = find_startxref(bytes, name_);
    {
        const char* p = reinterpret_cast<const char*>(bytes.data()) + startxref_;
        xref_stream_ =
            std::string_view(p, std::min<std::size_t>(4, bytes.size() - static_cast<std::size_t>(startxref_))) != "xref";
    }
    buffer_ = std::make_unique<Buffer>(const_cast<unsigned char*>(bytes.data()), bytes.size());
    qpdf_ = std::make_unique<QPDF>();
    guard(
        [&] {
            qpdf_->setSuppressWarnings(true);
            qpdf_->setAttemptRecovery(false);
            try {
                qpdf_->processInputSource(std::make_shared<BufferInputSource>(name_, buffer_.get(), false));
            } catch (const QPDFExc& e) {
                if (e.getErrorCode() == qpdf_e_password)
                    throw Error(Errc::unsupported, "'" + name_ + "' is encrypted: tsign signs and verifies only unencrypted PDFs",
                                "remove the encryption first (qpdf --decrypt --password=... IN OUT)");
                throw;
            }
            return 0;
        },
        "cannot read the PDF");
    if (guard([&] { return qpdf_->isEncrypted(); }, "cannot read the PDF"))
        throw Error(Errc::unsupported, "'" + name_ + "' is encrypted: tsign signs and verifies only unencrypted PDFs",
                    "remove the encryption first (qpdf --decrypt)");
    QPDFObjectHandle trailer = guard([&] { return qpdf_->getTrailer(); }, "cannot read the trailer");
    if (guard([&] { return trailer.hasKey("/XRefStm"); }, "cannot read the trailer"))
        throw Error(Errc::unsupported, "'" + name_ + "' uses hybrid cross-references (/XRefStm): not supported",
                    "rewrite it first (qpdf IN.pdf OUT.pdf)");
    QPDFObjectHandle size = guard([&] { return trailer.getKey("/Size"); }, "cannot read the trailer");
    if (!size.isInteger() || size.getIntValue() <= 0 || size.getIntValue() > 8388607)
        throw Error(Errc::malformed, "'" + name_ + "': the trailer's /Size is missing or invalid");
    size_ = static_cast<int>(size.getIntValue());
    QPDFObjectHandle root = guard([&] { return qpdf_->getRoot(); }, "cannot read the document catalog");
    if (!root.isDictionary() || !root.isIndirect())
        throw Error(Errc::malformed, "'" + name_ + "': the document catalog is missing");
    // Every object is parsed now, so that nothing qpdf cannot read is silently taken as null later
    // (qpdf warns and goes on where other readers may read the object differently): a warning is
    // an error here. Object streams are first decoded within a limit (no decompression bombs).
    guard(
        [&] {
            const auto xref = qpdf_->getXRefTable();
            std::set<int> object_streams;
            for (const auto& [og, e] : xref)
                if (e.getType() == 2) object_streams.insert(e.getObjStreamNumber());
            std::size_t total = 0;
            std::map<int, std::vector<long long>> headers;  // object stream -> the object numbers its header lists
            for (int n : object_streams) {
                QPDFObjectHandle os = qpdf_->getObject(n, 0);
                if (!os.isStream())
                    throw Error(Errc::malformed, "'" + name_ + "': object stream " + std::to_string(n) + " is not a stream");
                const std::string data = decode_capped(os, kMaxDecodedStream);
                total += data.size();
                // Its header: /N pairs "number offset". Readers differ on a number listed twice, or
                // on an entry whose slot holds another number (qpdf goes by number, others by index).
                QPDFObjectHandle count = os.getDict().getKey("/N"), first = os.getDict().getKey("/First");
                if (!count.isInteger() || !first.isInteger() || count.getIntValue() < 0 || first.getIntValue() < 0 ||
                    static_cast<std::size_t>(first.getIntValue()) > data.size())
                    throw Error(Errc::malformed,
                                "'" + name_ + "': object stream " + std::to_string(n) + " has an invalid /N or /First");
                std::vector<long long>& nums = headers[n];
                std::set<long long> seen;
                std::size_t p = 0;
                const auto limit = static_cast<std::size_t>(first.getIntValue());
                auto next_int = [&](long long& v) {
                    while (p < limit && std::strchr(" \t\r\n\f", data[p]) && data[p] != '\0') ++p;
                    const std::size_t start = p;
                    v = 0;
                    while (p < limit && data[p] >= '0' && data[p] <= '9' && p - start < 12) v = v * 10 + (data[p++] - '0');
                    return p > start;
                };
                for (long long i = 0; i < count.getIntValue(); ++i) {
                    long long num = 0, off = 0;
                    if (!next_int(num) || !next_int(off))
                        throw Error(Errc::malformed,
                                    "'" + name_ + "': object stream " + std::to_string(n) + " has a damaged header");
                    if (!seen.insert(num).second)
                        throw Error(Errc::malformed, "'" + name_ + "': object stream " + std::to_string(n) + " lists object " +
                                                         std::to_string(num) + " twice");
                    nums.push_back(num);
                }
                if (total > kMaxDecodedStream)
                    throw Error(Errc::unsupported, "'" + name_ + "': its object streams decode to too much data");
            }
            for (const auto& [og, e] : xref) {
                if (e.getType() != 2) continue;
                const auto& nums = headers[e.getObjStreamNumber()];
                const int i = e.getObjStreamIndex();
                if (i < 0 || static_cast<std::size_t>(i) >= nums.size() || nums[static_cast<std::size_t>(i)] != og.getObj())
                    throw Error(Errc::malformed, "'" + name_ + "': object " + std::to_string(og.getObj()) +
                                                     " is not where the cross-reference stream says in object stream " +
                                                     std::to_string(e.getObjStreamNumber()));
            }
            for (const auto& [og, e] : xref) (void)qpdf_->getObject(og).getTypeCode();
            return 0;
        },
        "cannot read the PDF's objects");
    check_warnings();
}

void Reader::check_warnings() {
    if (!qpdf_->anyWarnings()) return;
    std::vector<QPDFExc> w = qpdf_->getWarnings();
    // A trailer /Size above the highest object number + 1 (PDFBox's updates of files with
    // cross-reference streams leave one) changes how no object reads: not a reason to refuse.
    std::erase_if(w, [](const QPDFExc& e) { return e.getMessageDetail().rfind("reported number of objects", 0) == 0; });
    if (w.empty()) return;
    std::string msg = w.empty() ? std::string("damaged") : w.front().getMessageDetail();
    for (char& c : msg)
        if (c == '\n' || c == '\r') c = ' ';
    throw Error(
        Errc::malformed,
        "'" + name_ + "' is damaged: " + msg + (w.size() > 1 ? " (and " + std::to_string(w.size() - 1) + " more problems)" : ""),
        "tsign reads PDFs strictly: a part other readers could read differently is refused");
}

Reader::~Reader() = default;

}  // namespace tsign::pdf::detail
