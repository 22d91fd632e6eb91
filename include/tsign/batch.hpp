/// @file batch.hpp
/// Batch signing: many documents with one key (one token login), in parallel, resumable.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tsign/keys.hpp"

// Everything declared here is the library's public interface (exported from libtsign.so).
#pragma GCC visibility push(default)

namespace tsign {

/// Where a batch stands, for a progress display.
struct BatchProgress {
    std::size_t done = 0;     ///< inputs finished (signed, skipped or failed)
    std::size_t total = 0;
    std::size_t failed = 0;
    double seconds = 0;       ///< since the batch started
};

/// Options of batch_sign(). Filled by field name.
struct BatchOptions {
    std::vector<std::string> inputs;      ///< files and folders (folders: every file below, in sorted order)
    std::string manifest;                 ///< a file listing inputs, one path per line ('#' comments; relative to the manifest's folder)
    std::string out_dir;                  ///< outputs: NAME.p7s (folder inputs keep their structure) and batch-report.json
    SignatureScheme scheme;
    bool attached = false;
    /// PAdES: each input is a PDF; OUT_DIR/NAME is the PDF with one more signature (an incremental
    /// update), instead of NAME.p7s.
    bool pades = false;
    std::vector<std::string> chain_files; ///< certificates to embed besides the signer's
    std::vector<std::string> tsa_urls;    ///< CAdES-B-T: timestamps requested concurrently by the workers
    int tsa_timeout_seconds = 10;
    unsigned jobs = 0;                    ///< parallel signers (0: one per core); a token key signs in one session
    bool resume = false;                  ///< skip inputs whose output exists and verifies against the current input
    bool force = false;                   ///< overwrite existing outputs without checking them
    std::uint64_t max_input_bytes = 256ull << 20;  ///< larger inputs fail (per input) as too large
    bool csv = false;                     ///< also write batch-report.csv
    std::function<void(const BatchProgress&)> progress;  ///< called from worker threads, at most every 100 ms
    std::atomic<bool>* cancel = nullptr;  ///< set to stop early (SIGINT); the report says what was done
};

/// What happened to one input.
struct BatchEntry {
    std::string input, output;
    std::string sha256;       ///< of the input as signed (or found)
    std::string status;       ///< signed | resigned (changed since its earlier signature) | skipped (already signed) | failed | not_done
    std::string error;        ///< why it failed (one line)
};

/// The outcome of a batch. Also written to OUT_DIR/batch-report.json (and .csv): once when the batch
/// starts, before any output is written (running, every input not_done), and again when it ends. So
/// after a kill the file describes the killed run (still "running"), never an earlier one.
struct BatchReport {
    std::string run_id;        ///< random (32 hex digits): names this run
    std::int64_t started = 0;  ///< when the batch started (Unix seconds)
    /// True in the report written at the start. A batch-report.json still "running" while no batch
    /// runs means the batch was killed: run it again with --resume.
    bool running = false;
    std::vector<BatchEntry> entries;      ///< in input order
    std::size_t signed_count = 0, resigned = 0, skipped = 0, failed = 0, not_done = 0;
    double seconds = 0;
    bool stopped = false;                 ///< the batch stopped early (key or token failure, or cancelled)
    std::string stop_reason;
    int exit_code = 0;                    ///< 0 all signed; 4 stopped by a key/token failure; 5 TSA failures; 3 other per-input failures; 130 cancelled
    /// The report as JSON (what batch-report.json holds).
    std::string to_json() const;
    /// The entries as CSV: input,sha256,output,status,error.
    std::string to_csv() const;
};

/// Signs every input with one signer (one token login). A pipeline of `jobs` workers reads, hashes,
/// signs (for a token key: one signature at a time in its session) and writes each output
/// atomically; memory does not grow with the number of documents beyond one report line each.
/// Errors on single inputs (unreadable, too large, output exists) are reported per input and the
/// batch goes on; a key or token failure stops it cleanly. Outputs are made durable with one sync
/// at the end. Throws only for errors before the first input (no inputs, bad out_dir, key unusable).
BatchReport batch_sign(Signer& signer, const BatchOptions& options);

}  // namespace tsign

#pragma GCC visibility pop
