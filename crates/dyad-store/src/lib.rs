//! dyad's persistence layer.
//!
//! One code path over sqlx's `Any` driver serves both SQLite (the embedded default) and
//! PostgreSQL (several app instances). Every column keeps to a portable subset — `TEXT`,
//! `BIGINT` (flags as 0/1, times as UTC microseconds) and `BLOB`/`BYTEA` — so the same SQL
//! text with `$n` parameters runs on both. Each backend has its own migration folder.

pub mod accounts;
pub mod aftercare;
pub mod audit;
pub mod bulk;
pub mod db;
pub mod duos;
pub mod error;
pub mod intake;
pub mod jobs;
pub mod journal;
pub mod password;
pub mod pathway;
pub mod preparation;
pub mod research;
pub mod retention;
pub mod screening;
pub mod sealing;
pub mod secrets;
pub mod sessions;

pub use db::{Backend, Db, DbOptions};
pub use error::{StoreError, StoreResult};
