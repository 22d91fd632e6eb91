// Batch signing: a pool of workers over one signer (one token login).
#include "tsign/batch.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>
#include <openssl/err.h>
#include <openssl/rand.h>

#include "cms/cms_util.hpp"
#include "pdf/pdf_impl.hpp"
#include "core/io_impl.hpp"
#include "keys/signer_impl.hpp"
#include "tsign/error.hpp"
#include "tsign/time.hpp"
#include "x509/chain.hpp"

namespace tsign {

namespace fs = std::filesystem;

namespace {

constexpr const char* kTempMark = ".p7s.tmp-";  // write_file_atomic's temporary files: ".NAME.p7s.tmp-HEX"
constexpr const char* kPdfTempMark = ".pdf.tmp-";  // and signed PDFs' (PAdES batches)

struct Item {
    std::string input;
    std::string output;  // relative to out_dir
};

bool inside(const fs::path& p, const fs::path& dir) {
    const auto rel = fs::weakly_canonical(p).lexically_relative(dir);
    return !rel.empty() && *rel.begin() != "..";
}

/// Inputs in a stable order: as given; a folder's files sorted by their path inside it.
std::vector<Item> enumerate(const BatchOptions& o, const fs::path& out_dir) {
    std::vector<Item> items;
    const std::string suffix = o.pades ? "" : ".p7s";  // PAdES: the signed PDF under its own name
    auto add_file = [&](const std::string& path) { items.push_back({path, fs::path(path).filename().string() + suffix}); };
    for (const auto& in : o.inputs) {
        std::error_code ec;
        if (fs::is_directory(in, ec)) {
            std::vector<std::pair<std::string, std::string>> found;  // relative, full
            for (auto it = fs::recursive_directory_iterator(in, fs::directory_options::skip_permission_denied, ec);
                 !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
                if (it->is_directory() && inside(it->path(), out_dir)) {
                    it.disable_recursion_pending();  // never sign our own outputs
                    continue;
                }
                if (!it->is_regular_file()) continue;
                found.emplace_back(fs::relative(it->path(), in).generic_string(), it->path().string());
            }
            if (ec) throw Error(Errc::file_unreadable, "cannot read folder '" + in + "': " + ec.message());
            std::sort(found.begin(), found.end());
            for (auto& [rel, full] : found) items.push_back({full, rel + suffix});
        } else {
            add_file(in);  // a missing file fails as that input, not as the batch
        }
    }
    if (!o.manifest.empty()) {
        std::ifstream m(o.manifest);
        if (!m) {
            (void)read_file(o.manifest);
            throw Error(Errc::file_unreadable, "cannot read manifest '" + o.manifest + "'");
        }
        const fs::path base = fs::path(o.manifest).parent_path();
        for (std::string line; std::getline(m, line);) {
            while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
            const auto start = line.find_first_not_of(" \t");
            if (start == std::string::npos || line[start] == '#') continue;
            fs::path p = line.substr(start);
            if (p.is_relative() && !base.empty()) p = base / p;
            add_file(p.string());
        }
    }
    return items;
}

/// True when `out` holds a signature by `cert` whose message digest matches `data` and whose
/// signature value verifies: the input was signed before and has not changed since.
bool already_signed(const std::string& out, std::span<const std::uint8_t> data, X509* cert) {
    Bytes der;
    try {
        der = read_file(out);
    } catch (const Error&) {
        return false;
    }
    const unsigned char* p = der.data();
    detail::CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
    bool ok = false;
    if (cms && p == der.data() + der.size() && OBJ_obj2nid(CMS_get0_type(cms.get())) == NID_pkcs7_signed) {
        STACK_OF(CMS_SignerInfo)* sis = CMS_get0_SignerInfos(cms.get());
        for (int i = 0; !ok && i < sk_CMS_SignerInfo_num(sis); ++i) {
            CMS_SignerInfo* si = sk_CMS_SignerInfo_value(sis, i);
            if (CMS_SignerInfo_cert_cmp(si, cert) != 0) continue;
            X509_ALGOR* dig = nullptr;
            CMS_SignerInfo_get0_algs(si, nullptr, nullptr, &dig, nullptr);
            const ASN1_OBJECT* obj = nullptr;
            X509_ALGOR_get0(&obj, nullptr, nullptr, dig);
            const EVP_MD* md = EVP_get_digestbyobj(obj);
            const auto md_attr = detail::message_digest_of(si);
            if (md == nullptr || !md_attr) continue;
            unsigned char h[EVP_MAX_MD_SIZE];
            unsigned int len = 0;
            EVP_Digest(data.data(), data.size(), h, &len, md, nullptr);
            if (Bytes(h, h + len) != *md_attr) continue;
            CMS_SignerInfo_set1_signer_cert(si, cert);
            ok = CMS_SignerInfo_verify(si) == 1;
        }
    }
    ERR_clear_error();
    return ok;
}

void remove_stale_temporaries(const fs::path& out_dir) {
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(out_dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (it->is_regular_file() && name.size() > 1 && name[0] == '.' &&
            (name.find(kTempMark) != std::string::npos || name.find(kPdfTempMark) != std::string::npos))
            fs::remove(it->path(), ec);
    }
}

}  // namespace

std::string BatchReport::to_json() const {
    // Written out line by line: a report of 100,000 entries as a JSON tree would take several
    // times the memory of the batch itself.
    auto str = [](const std::string& v) { return nlohmann::json(v).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); };
    auto opt = [&](const std::string& v) { return v.empty() ? std::string("null") : str(v); };
    nlohmann::ordered_json run = {
        {"id", run_id},
        {"started", started ? nlohmann::ordered_json(format_iso8601(started)) : nlohmann::ordered_json(nullptr)},
        {"state", running ? "running" : "ended"}};
    nlohmann::ordered_json summary = {
        {"total", entries.size()},
        {"signed", signed_count},
        {"resigned", resigned},
        {"skipped", skipped},
        {"failed", failed},
        {"not_done", not_done},
        {"seconds", seconds},
        {"per_second", seconds > 0 ? static_cast<double>(signed_count + resigned) / seconds : 0.0},
        {"stopped", stopped},
        {"stop_reason", stop_reason.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(stop_reason)},
        {"exit_code", running ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(exit_code)}};
    std::string out = "{\n  \"run\": " + run.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
                      ",\n  \"summary\": " + summary.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
                      ",\n  \"entries\": [";
    out.reserve(out.size() + entries.size() * 256);
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const auto& e = entries[i];
        out += (i ? ",\n    {" : "\n    {");
        out += "\"input\": " + str(e.input) + ", \"sha256\": " + opt(e.sha256) + ", \"output\": " + str(e.output) +
               ", \"status\": " + str(e.status) + ", \"error\": " + opt(e.error) + "}";
    }
    out += entries.empty() ? "]\n}" : "\n  ]\n}";
    return out;
}

std::string BatchReport::to_csv() const {
    auto field = [](const std::string& v) {
        if (v.find_first_of(",\"\n\r") == std::string::npos) return v;
        std::string q = "\"";
        for (char c : v) q += c == '"' ? std::string("\"\"") : std::string(1, c);
        return q + "\"";
    };
    std::string out = "input,sha256,output,status,error\n";
    for (const auto& e : entries)
        out += field(e.input) + "," + e.sha256 + "," + field(e.output) + "," + e.status + "," + field(e.error) + "\n";
    return out;
}

BatchReport batch_sign(Signer& signer, const BatchOptions& o) {
    if (o.out_dir.empty()) throw Error(Errc::usage, "no output folder given", "use --out-dir DIR");
    if (o.inputs.empty() && o.manifest.empty()) throw Error(Errc::usage, "no inputs given", "name files, folders or --manifest FILE");
    const ossl::X509Ptr owned_cert = detail::usable_certificate(signer);
    X509* cert = owned_cert.get();
    // As sign does: without --chain, a token key's issuers come from the token (or a warning says
    // verifiers will need them).
    const std::vector<ossl::X509Ptr> chain =
        o.chain_files.empty() ? detail::token_issuer_chain(signer, cert) : detail::load_certificate_files(o.chain_files);
    if (o.pades && o.attached) throw Error(Errc::usage, "--attached does not apply to PDF (PAdES) signatures");
    PdfSignOptions pdf_options;
    pdf_options.scheme = o.scheme;
    pdf_options.tsa_urls = o.tsa_urls;
    pdf_options.tsa_timeout_seconds = o.tsa_timeout_seconds;
    detail::make_dirs(o.out_dir, 0755);  // never world-writable, whatever the umask
    const fs::path out_dir = fs::canonical(o.out_dir);
    if (o.resume) remove_stale_temporaries(out_dir);

    std::vector<Item> items = enumerate(o, out_dir);
    if (items.empty()) throw Error(Errc::usage, "no inputs found", "the folders given hold no files");
    const std::size_t total = items.size();
    BatchReport report;
    {
        unsigned char id[16];
        if (RAND_bytes(id, sizeof id) != 1) ossl::fail(Errc::internal, "random generator failed");
        report.run_id = ossl::hex(id);
        report.started = static_cast<std::int64_t>(std::time(nullptr));
    }
    report.entries.resize(items.size());
    std::map<std::string, std::size_t> owners;  // output -> first input that claims it
    std::vector<bool> collides(items.size(), false);
    for (std::size_t i = 0; i < items.size(); ++i) {
        report.entries[i].input = std::move(items[i].input);
        report.entries[i].output = (out_dir / items[i].output).string();
        report.entries[i].status = "not_done";
        auto [it, fresh] = owners.emplace(items[i].output, i);
        if (!fresh) {
            collides[i] = true;
            report.entries[i].status = "failed";
            report.entries[i].error = "its output name " + items[i].output + " is taken by '" + report.entries[it->second].input + "'";
        }
    }
    owners.clear();
    std::vector<Item>().swap(items);  // the entries hold what the workers need

    // The reports of this run replace an earlier run's before any output is written: after a kill,
    // they say "running" (with this run's id and inputs), never what an earlier batch did.
    const std::string report_json = (out_dir / "batch-report.json").string();
    const std::string report_csv = (out_dir / "batch-report.csv").string();
    report.running = true;
    report.failed = report.not_done = 0;
    for (const auto& e : report.entries) ++(e.status == "failed" ? report.failed : report.not_done);
    write_file_atomic(report_json, report.to_json() + "\n", {.force = true});
    if (o.csv) {
        write_file_atomic(report_csv, report.to_csv(), {.force = true});
    } else {
        std::error_code ec;  // an earlier run's CSV would pass for this run's
        std::filesystem::remove(report_csv, ec);
    }
    report.running = false;
    report.failed = report.not_done = 0;

    const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
    unsigned workers = o.jobs ? o.jobs : hw;
    // Timestamps are network round trips: more workers keep the signers busy meanwhile.
    if (!o.tsa_urls.empty()) workers = std::max(workers * 4, 8u);
    workers = std::min<unsigned>(workers, static_cast<unsigned>(total));
    // A token key signs concurrently through libp11's session pool (a session per worker, as many as
    // the module allows); a key that wants its PIN for every signature, or a Signer that is not
    // thread-safe, signs one at a time.
    std::mutex token_mutex;
    std::mutex* sign_mutex = signer.thread_safe() && !signer.always_authenticate() ? nullptr : &token_mutex;

    std::atomic<std::size_t> next{0}, done{0}, failed{0};
    std::atomic<bool> stop{false};
    std::atomic<bool> any_network{false};
    std::mutex stop_mutex;
    const auto t0 = std::chrono::steady_clock::now();
    std::atomic<long long> last_progress{-1000};
    auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
    auto progress = [&] {
        if (!o.progress) return;
        const long long now_ms = static_cast<long long>(elapsed() * 1000);
        long long last = last_progress.load();
        if (now_ms - last < 100 || !last_progress.compare_exchange_strong(last, now_ms)) return;
        o.progress({done.load(), total, failed.load(), elapsed()});
    };
    auto halt = [&](const std::string& why) {
        std::lock_guard<std::mutex> lock(stop_mutex);
        if (!stop.exchange(true)) report.stop_reason = why;
    };

    auto work = [&] {
        for (;;) {
            if (o.cancel && o.cancel->load()) halt("cancelled");
            if (stop.load()) return;
            const std::size_t i = next.fetch_add(1);
            if (i >= total) return;
            BatchEntry& e = report.entries[i];
            if (collides[i]) {
                ++failed;
                ++done;
                continue;
            }
            try {
                std::error_code fec;
                const auto size = fs::file_size(e.input, fec);
                if (!fec && size > o.max_input_bytes)
                    throw Error(Errc::unsupported, "too large (" + std::to_string(size) + " bytes; the limit is " +
                                                       std::to_string(o.max_input_bytes) + ")");
                const Bytes data = read_file(e.input);
                e.sha256 = ossl::hex(ossl::sha256(data));
                bool existed = false;
                if (o.resume && fs::exists(e.output, fec)) {
                    bool done_before = false;
                    if (o.pades) {
                        Bytes out;
                        try {
                            out = read_file(e.output);
                        } catch (const Error&) {}
                        done_before = pdf::detail::signed_by(out, data, cert);
                    } else {
                        done_before = already_signed(e.output, data, cert);
                    }
                    if (done_before) {
                        e.status = "skipped";
                        ++done;
                        progress();
                        continue;
                    }
                    existed = true;
                }
                if (o.pades) {
                    const std::string update =
                        pdf::detail::sign_pdf_update(signer, data, e.input, pdf_options, cert, chain, sign_mutex);
                    Bytes whole;
                    whole.reserve(data.size() + update.size());
                    whole.insert(whole.end(), data.begin(), data.end());
                    whole.insert(whole.end(), update.begin(), update.end());
                    detail::make_dirs(fs::path(e.output).parent_path().string(), 0755);
                    write_file_atomic(e.output, whole, {.force = existed || o.force, .mode = 0644, .sync = false});
                    e.status = existed ? "resigned" : "signed";
                    ++done;
                    progress();
                    continue;
                }
                const Bytes der = detail::sign_buffer(signer, data,
                                                      {.cert = cert,
                                                       .scheme = o.scheme,
                                                       .attached = o.attached,
                                                       .extra_certs = &chain,
                                                       .what = "signing '" + e.input + "'",
                                                       .tsa_urls = o.tsa_urls,
                                                       .tsa_timeout_seconds = o.tsa_timeout_seconds,
                                                       .sign_mutex = sign_mutex});
                detail::make_dirs(fs::path(e.output).parent_path().string(), 0755);
                write_file_atomic(e.output, der, {.force = existed || o.force, .mode = 0644, .sync = false});
                e.status = existed ? "resigned" : "signed";
            } catch (const Error& err) {
                if (err.exit_code() == ExitCode::key) {
                    // The key or token is gone: stop cleanly; this input is not done.
                    halt(err.what());
                    ++done;
                    return;
                }
                if (err.exit_code() == ExitCode::network) any_network = true;
                e.status = "failed";
                e.error = err.what();
                ++failed;
            } catch (const std::exception& ex) {
                e.status = "failed";
                e.error = std::string("internal error: ") + ex.what();
                ++failed;
            }
            ++done;
            progress();
        }
    };
    std::vector<std::thread> pool;
    for (unsigned w = 1; w < workers; ++w) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();

    // Durable once for the whole batch: the outputs were renamed into place without an fsync each.
    int dfd = ::open(out_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::syncfs(dfd);
        ::close(dfd);
    }
    report.seconds = elapsed();
    report.stopped = stop.load();
    for (const auto& e : report.entries) {
        if (e.status == "signed") ++report.signed_count;
        else if (e.status == "resigned") ++report.resigned;
        else if (e.status == "skipped") ++report.skipped;
        else if (e.status == "failed") ++report.failed;
        else ++report.not_done;
    }
    if (report.stopped) report.exit_code = report.stop_reason == "cancelled" ? 130 : 4;
    else if (report.failed > 0) report.exit_code = any_network ? 5 : 3;
    if (o.progress) o.progress({done.load(), total, failed.load(), report.seconds});
    write_file_atomic(report_json, report.to_json() + "\n", {.force = true});
    if (o.csv) write_file_atomic(report_csv, report.to_csv(), {.force = true});
    return report;
}

}  // namespace tsign
