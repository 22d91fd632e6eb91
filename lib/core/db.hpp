// Internal: a small RAII layer over SQLite (WAL, full synchronous writes, busy timeout).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <sqlite3.h>

#include "tsign/io.hpp"

namespace tsign::db {

class Stmt;

// The owning handles of SQLite objects, each release function named once.
struct CloseDb {
    void operator()(sqlite3* db) const noexcept { sqlite3_close(db); }
};
struct FinalizeStmt {
    void operator()(sqlite3_stmt* st) const noexcept { sqlite3_finalize(st); }
};
struct FreeSqliteString {
    void operator()(char* s) const noexcept { sqlite3_free(s); }
};
using DbPtr = std::unique_ptr<sqlite3, CloseDb>;
using StmtPtr = std::unique_ptr<sqlite3_stmt, FinalizeStmt>;
using SqliteStrPtr = std::unique_ptr<char, FreeSqliteString>;

class Db {
public:
    /// Opens (creating if asked: mode 0600, whatever the umask) a database in WAL mode with synchronous=FULL and a busy timeout.
    Db(const std::string& path, bool create);
    ~Db();
    Db(const Db&) = delete;
    Db& operator=(const Db&) = delete;

    void exec(const std::string& sql);
    Stmt prepare(const std::string& sql);
    sqlite3* handle() const { return db_.get(); }
    [[noreturn]] void fail(const std::string& what) const;

private:
    DbPtr db_;
    std::string path_;
};

class Stmt {
public:
    Stmt(Db& db, const std::string& sql);
    Stmt(Stmt&& o) noexcept = default;
    Stmt(const Stmt&) = delete;

    Stmt& bind(int i, const std::string& v);
    Stmt& bind(int i, std::int64_t v);
    Stmt& bind(int i, const Bytes& v);
    Stmt& bind_null(int i);
    /// True when a row is available; false when done.
    bool step();
    /// Runs to completion (for statements without rows).
    void run();
    /// Makes the statement ready to run again (bindings are kept until rebound).
    void reset();
    std::string text(int col) const;
    std::int64_t int64(int col) const;
    Bytes blob(int col) const;
    bool is_null(int col) const;

private:
    Db* db_;
    StmtPtr st_;
};

/// BEGIN IMMEDIATE ... COMMIT; rolls back unless committed.
class Transaction {
public:
    explicit Transaction(Db& db);
    ~Transaction();
    void commit();

private:
    Db& db_;
    bool done_ = false;
};

}  // namespace tsign::db
