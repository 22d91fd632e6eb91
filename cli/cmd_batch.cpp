// tsign batch
#include <unistd.h>

#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <mutex>

#include "common.hpp"
#include "tsign/batch.hpp"

namespace tsign::cli {

namespace {

std::atomic<bool> g_cancel{false};

extern "C" void on_interrupt(int) { g_cancel.store(true); }

std::string duration_text(double s) {
    const long t = std::lround(s);
    char buf[32];
    if (t >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else std::snprintf(buf, sizeof buf, "%ld:%02ld", t / 60, t % 60);
    return buf;
}

/// A progress bar on a terminal; a plain line every 5 seconds otherwise. Always on stderr.
struct ProgressView {
    bool tty = ::isatty(STDERR_FILENO) == 1;
    double last_line = 0;
    std::mutex m;
    void operator()(const BatchProgress& p) {
        std::lock_guard<std::mutex> lock(m);
        const double rate = p.seconds > 0 ? static_cast<double>(p.done) / p.seconds : 0;
        const double eta = rate > 0 ? static_cast<double>(p.total - p.done) / rate : 0;
        if (tty) {
            const int width = 30;
            const int filled = p.total ? static_cast<int>(width * p.done / p.total) : width;
            std::fprintf(stderr, "\r\033[K[%s%s] %zu/%zu  %.0f/s  ETA %s%s", std::string(static_cast<size_t>(filled), '#').c_str(),
                         std::string(static_cast<size_t>(width - filled), '.').c_str(), p.done, p.total, rate,
                         duration_text(eta).c_str(), p.failed ? ("  " + std::to_string(p.failed) + " failed").c_str() : "");
            if (p.done == p.total) std::fputc('\n', stderr);
        } else if (p.seconds - last_line >= 5 || p.done == p.total) {
            last_line = p.seconds;
            std::fprintf(stderr, "tsign batch: %zu/%zu done, %zu failed, %.0f/s, ETA %s\n", p.done, p.total, p.failed, rate,
                         duration_text(eta).c_str());
        }
        std::fflush(stderr);
    }
};

}  // namespace

void register_batch_command(CLI::App& app, Globals& g) {
    (void)g;
    struct Args {
        KeyFlags key;
        std::vector<std::string> chain, tsa, inputs;
        std::string digest = "sha256", out_dir, manifest;
        unsigned jobs = 0;
        std::uint64_t max_size = 256ull << 20;
        int timeout = 10;
        std::string format = "cades";
        bool attached = false, pss = false, resume = false, force = false, csv = false, json = false, quiet = false;
    };
    auto a = std::make_shared<Args>();
    auto* batch = app.add_subcommand("batch", "sign many documents with one key and one PIN entry");
    a->key.add_to(batch);
    batch
        ->add_option("--out-dir", a->out_dir,
                     "where NAME.p7s (PAdES: the signed NAME) and batch-report.json go. The report is replaced when the "
                     "batch starts (run.state \"running\", every input not_done) and when it ends (\"ended\"): one "
                     "still \"running\" after the batch is gone means it was killed; run it again with --resume")
        ->required();
    batch->add_option("--manifest", a->manifest, "a file listing inputs, one path per line (relative to the manifest's folder)");
    batch->add_option("--jobs", a->jobs, "parallel signers (default: one per core; a token key signs in one session)");
    batch->add_flag("--resume", a->resume, "skip inputs whose signature exists and verifies against the current input; re-sign changed ones");
    batch->add_flag("--force", a->force, "overwrite existing output files (without checking them, unlike --resume)");
    batch->add_option("--chain", a->chain, "certificates to embed with the signer's (repeatable)")->allow_extra_args(false);
    batch
        ->add_option("--format", a->format,
                     "cades (default: NAME.p7s per input) or pades (each input a PDF: OUT_DIR/NAME is the signed PDF)")
        ->check(CLI::IsMember({"cades", "pades"}));
    batch->add_flag("--attached", a->attached, "embed each document in its signature (default: detached)");
    batch->add_option("--digest", a->digest, "sha256 (default, also with --pss), sha384 or sha512");
    batch->add_flag("--pss", a->pss,
                    "RSA-PSS instead of RSA PKCS#1 v1.5, with SHA-256 unless --digest (GnuTLS verifies RSA-PSS "
                    "signatures in CMS only with SHA-256)");
    batch->add_option("--tsa", a->tsa, "signature timestamps (CAdES-B-T) from this TSA, requested concurrently (repeatable)")
        ->allow_extra_args(false);
    batch->add_option("--timeout", a->timeout, "seconds per TSA request (default 10)");
    batch->add_option("--max-size", a->max_size, "largest input in bytes (default 268435456); larger ones fail as too large");
    batch->add_flag("--csv", a->csv, "also write batch-report.csv");
    batch->add_flag("--json", a->json, "print the report (JSON) on standard output");
    batch->add_flag("-q,--quiet", a->quiet, "no progress display");
    batch->add_option("INPUT", a->inputs, "files and folders (folders: every file below, in sorted order; structure kept)");
    batch->footer(footer(
        "  tsign batch --key 'pkcs11:token=finance;object=sign' --pin-source prompt --out-dir signed/ vouchers/\n"
        "  tsign batch --key clerk.p12 --pin-source env:PASS --jobs 2 --tsa http://tsa.city.ir/ --csv --out-dir out/ *.pdf\n"
        "  tsign batch --key ... --resume --out-dir signed/ vouchers/      # after an interruption\n"
        "  tsign batch --key 'pkcs11:token=finance;object=sign' --format pades --out-dir signed/ vouchers-pdf/\n",
        "  0  every input signed (or already signed, with --resume)\n"
        "  2  usage error\n  3  some inputs failed (unreadable, too large, output exists); the others are signed\n"
        "  4  key or token error: before the first input, or the token was removed (the report says what was done)\n"
        "  5  some timestamps could not be had\n  6  internal error\n  130  interrupted (SIGINT); the report says what was "
        "done\n"));
    batch->callback([a] {
        auto signer = open_signer(a->key.options());
        if (signer->always_authenticate())
            std::cerr << "tsign batch: this key asks for its PIN before every signature (CKA_ALWAYS_AUTHENTICATE); "
                         "the PIN given once is used for each\n";
        BatchOptions o;
        o.inputs = a->inputs;
        o.manifest = a->manifest;
        o.out_dir = a->out_dir;
        o.scheme.digest = parse_digest(a->digest);
        o.scheme.rsa_pss = a->pss;
        o.attached = a->attached;
        o.pades = a->format == "pades";
        o.chain_files = a->chain;
        o.tsa_urls = a->tsa;
        o.tsa_timeout_seconds = a->timeout;
        o.jobs = a->jobs;
        o.resume = a->resume;
        o.force = a->force;
        o.max_input_bytes = a->max_size;
        o.csv = a->csv;
        auto view = std::make_shared<ProgressView>();
        if (!a->quiet) o.progress = [view](const BatchProgress& p) { (*view)(p); };
        o.cancel = &g_cancel;
        struct sigaction sa {};
        sa.sa_handler = on_interrupt;
        sigaction(SIGINT, &sa, nullptr);
        sigaction(SIGTERM, &sa, nullptr);
        const BatchReport r = batch_sign(*signer, o);
        if (a->json) std::cout << r.to_json() << std::endl;
        std::cerr << "tsign batch: " << r.signed_count << " signed, " << r.resigned << " re-signed (changed), " << r.skipped
                  << " already signed, " << r.failed << " failed, " << r.not_done << " not done in " << duration_text(r.seconds)
                  << "; report: " << (std::filesystem::path(a->out_dir) / "batch-report.json").lexically_normal().string()
                  << "\n";
        if (r.stopped) std::cerr << "tsign batch: stopped: " << r.stop_reason << "\n";
        for (const auto& e : r.entries)
            if (e.status == "failed") std::cerr << "tsign batch: failed: " << e.input << ": " << e.error << "\n";
        if (r.exit_code != 0) throw ExitWith{static_cast<ExitCode>(r.exit_code)};
    });
}

}  // namespace tsign::cli
