//! Schema migrations of Kizuna's SQLite databases (the relay's and each office's history): SQL
//! scripts applied in order, each in its own transaction, counted in `PRAGMA user_version`.
//! A database written by a newer Kizuna is refused rather than used with a schema this program
//! does not know (after a downgrade, say).

use std::path::Path;

use rusqlite::Connection;

/// Why a database could not be brought to this program's schema.
#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    /// SQLite refused a migration (nothing of it was applied) or could not be read.
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The database has more migrations than this program knows.
    #[error("schema version {found} is newer than this program's {known}")]
    Newer {
        /// The database's `user_version`.
        found: i64,
        /// The migrations this program has.
        known: usize,
    },
}

/// Applies the `migrations` that `conn`'s database does not have yet, oldest first; answers how
/// many were applied. Each runs with its version bump in one transaction, so a crash or a
/// failing script leaves the database at the last complete version.
pub fn migrate(conn: &mut Connection, migrations: &[&str]) -> Result<usize, MigrationError> {
    let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let done = usize::try_from(found).unwrap_or(0);
    if done > migrations.len() {
        return Err(MigrationError::Newer {
            found,
            known: migrations.len(),
        });
    }
    for (version, sql) in (1..).zip(migrations).skip(done) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(migrations.len() - done)
}

/// How many `.sql` files `dir` holds: a crate's test compares it with the migrations it compiles
/// in, so a file added but not listed fails.
pub fn files_in(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "sql"))
                .count()
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO: &[&str] = &[
        "CREATE TABLE a (x INTEGER);",
        "CREATE TABLE b (y INTEGER); INSERT INTO a VALUES (1);",
    ];

    fn version(conn: &Connection) -> i64 {
        conn.pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn a_new_database_gets_every_migration_in_order() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert_eq!(migrate(&mut conn, TWO).unwrap(), 2);
        assert_eq!(version(&conn), 2);
        let rows: i64 = conn
            .query_row("SELECT count(*) FROM a", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 1);
    }

    #[test]
    fn opening_again_applies_nothing_twice() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        migrate(&mut Connection::open(&path).unwrap(), TWO).unwrap();
        assert_eq!(
            migrate(&mut Connection::open(&path).unwrap(), TWO).unwrap(),
            0
        );
    }

    #[test]
    fn only_the_migrations_a_database_lacks_are_applied() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn, &TWO[..1]).unwrap();
        assert_eq!(migrate(&mut conn, TWO).unwrap(), 1);
        assert_eq!(version(&conn), 2);
    }

    #[test]
    fn a_failing_migration_leaves_the_database_at_the_last_complete_version() {
        let mut conn = Connection::open_in_memory().unwrap();
        let broken = [
            TWO[0],
            "CREATE TABLE c (z INTEGER); INSERT INTO nowhere VALUES (1);",
        ];
        assert!(matches!(
            migrate(&mut conn, &broken),
            Err(MigrationError::Sqlite(_))
        ));
        assert_eq!(version(&conn), 1);
        let c_exists: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'c'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(c_exists, 0, "half a migration was kept");
    }

    #[test]
    fn a_database_from_a_newer_program_is_refused_untouched() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn, TWO).unwrap();
        let err = migrate(&mut conn, &TWO[..1]).unwrap_err();
        assert!(
            matches!(err, MigrationError::Newer { found: 2, known: 1 }),
            "{err:?}"
        );
        assert_eq!(version(&conn), 2);
    }
}
