#include "core/db.hpp"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tsign/error.hpp"

namespace tsign::db {

Db::Db(const std::string& path, bool create) : path_(path) {
    if (create) {
        // The file, its journal and its WAL (SQLite gives them the file's mode) are private: 0600
        // whatever the umask (SQLite itself would create 0644 minus the umask).
        const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0) throw Error(Errc::output_failed, "cannot create database '" + path + "': " + std::strerror(errno));
        struct stat st {};
        if (::fstat(fd, &st) == 0 && st.st_size == 0) ::fchmod(fd, 0600);
        ::close(fd);
    }
    const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_FULLMUTEX;
    sqlite3* handle = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &handle, flags, nullptr);
    db_.reset(handle);
    if (rc != SQLITE_OK) {
        const std::string why = db_ ? sqlite3_errmsg(db_.get()) : "out of memory";
        db_.reset();
        throw Error(create ? Errc::output_failed : Errc::file_not_found, "cannot open database '" + path + "': " + why);
    }
    sqlite3_busy_timeout(db_.get(), 30000);
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=FULL");
    exec("PRAGMA foreign_keys=ON");
}

Db::~Db() = default;

void Db::fail(const std::string& what) const {
    throw Error(Errc::internal, what + ": " + sqlite3_errmsg(db_.get()) + " (" + path_ + ")");
}

void Db::exec(const std::string& sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &err);
    const SqliteStrPtr message(err);
    if (rc != SQLITE_OK) {
        std::string why = err ? err : "?";
        throw Error(Errc::internal, "database error: " + why + " (" + path_ + ")");
    }
}

Stmt Db::prepare(const std::string& sql) { return Stmt(*this, sql); }

Stmt::Stmt(Db& db, const std::string& sql) : db_(&db) {
    sqlite3_stmt* st = nullptr;
    const int rc = sqlite3_prepare_v2(db.handle(), sql.c_str(), -1, &st, nullptr);
    st_.reset(st);
    if (rc != SQLITE_OK) db.fail("cannot prepare '" + sql + "'");
}

Stmt& Stmt::bind(int i, const std::string& v) {
    sqlite3_bind_text(st_.get(), i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
}
Stmt& Stmt::bind(int i, std::int64_t v) {
    sqlite3_bind_int64(st_.get(), i, v);
    return *this;
}
Stmt& Stmt::bind(int i, const Bytes& v) {
    sqlite3_bind_blob(st_.get(), i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
}
Stmt& Stmt::bind_null(int i) {
    sqlite3_bind_null(st_.get(), i);
    return *this;
}

bool Stmt::step() {
    const int rc = sqlite3_step(st_.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    if (rc == SQLITE_CONSTRAINT) throw Error(Errc::internal, std::string("database constraint: ") + sqlite3_errmsg(db_->handle()));
    db_->fail("database step failed");
}

void Stmt::reset() { sqlite3_reset(st_.get()); }

void Stmt::run() {
    while (step()) {
    }
}

std::string Stmt::text(int col) const {
    const unsigned char* t = sqlite3_column_text(st_.get(), col);
    return t ? std::string(reinterpret_cast<const char*>(t), static_cast<size_t>(sqlite3_column_bytes(st_.get(), col))) : "";
}
std::int64_t Stmt::int64(int col) const { return sqlite3_column_int64(st_.get(), col); }
Bytes Stmt::blob(int col) const {
    const auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(st_.get(), col));
    return p ? Bytes(p, p + sqlite3_column_bytes(st_.get(), col)) : Bytes{};
}
bool Stmt::is_null(int col) const { return sqlite3_column_type(st_.get(), col) == SQLITE_NULL; }

Transaction::Transaction(Db& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }
Transaction::~Transaction() {
    if (!done_) {
        try {
            db_.exec("ROLLBACK");
        } catch (...) {
        }
    }
}
void Transaction::commit() {
    db_.exec("COMMIT");
    done_ = true;
}

}  // namespace tsign::db
