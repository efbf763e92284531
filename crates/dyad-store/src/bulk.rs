//! Multi-row inserts for bulk writers such as `dyad dev seed`: the same rows the one-at-a-time
//! functions write, many per statement, inside the caller's transaction. The SQL is built
//! from fixed table and column names with `$n` parameters, so it runs on both backends.

use sqlx::AnyConnection;

use crate::error::StoreResult;

/// One value of a row.
#[derive(Debug, Clone)]
pub enum Cell {
    Text(Option<String>),
    Int(Option<i64>),
    Blob(Option<Vec<u8>>),
}

impl From<String> for Cell {
    fn from(v: String) -> Self {
        Cell::Text(Some(v))
    }
}

impl From<&str> for Cell {
    fn from(v: &str) -> Self {
        Cell::Text(Some(v.to_string()))
    }
}

impl From<&String> for Cell {
    fn from(v: &String) -> Self {
        Cell::Text(Some(v.clone()))
    }
}

impl From<Option<String>> for Cell {
    fn from(v: Option<String>) -> Self {
        Cell::Text(v)
    }
}

impl From<i64> for Cell {
    fn from(v: i64) -> Self {
        Cell::Int(Some(v))
    }
}

impl From<Option<i64>> for Cell {
    fn from(v: Option<i64>) -> Self {
        Cell::Int(v)
    }
}

impl From<Vec<u8>> for Cell {
    fn from(v: Vec<u8>) -> Self {
        Cell::Blob(Some(v))
    }
}

impl From<Option<Vec<u8>>> for Cell {
    fn from(v: Option<Vec<u8>>) -> Self {
        Cell::Blob(v)
    }
}

/// Parameters per statement. Far below SQLite's 32,766 and PostgreSQL's 65,535: binding
/// `$n` parameters costs more per parameter as statements grow, so mid-sized ones are fastest.
const MAX_PARAMS: usize = 1_000;
const MAX_ROWS: usize = 200;

/// Inserts `rows` into `table` (each row one value per column, in order), in statements of
/// many rows each. Returns the number of rows written.
pub async fn insert(
    conn: &mut AnyConnection,
    table: &'static str,
    columns: &'static [&'static str],
    rows: Vec<Vec<Cell>>,
) -> StoreResult<u64> {
    let width = columns.len();
    assert!(width > 0, "a bulk insert into {table} names no columns");
    let per_statement = (MAX_PARAMS / width).clamp(1, MAX_ROWS);
    let mut written = 0;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Cell>> = rows.by_ref().take(per_statement).collect();
        let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
        let mut n = 0;
        for (i, row) in chunk.iter().enumerate() {
            assert_eq!(row.len(), width, "a row for {table} has the wrong width");
            sql.push_str(if i == 0 { "(" } else { ", (" });
            for j in 0..width {
                n += 1;
                if j > 0 {
                    sql.push_str(", ");
                }
                sql.push('$');
                sql.push_str(&n.to_string());
            }
            sql.push(')');
        }
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for cell in chunk.into_iter().flatten() {
            query = match cell {
                Cell::Text(v) => query.bind(v),
                Cell::Int(v) => query.bind(v),
                Cell::Blob(v) => query.bind(v),
            };
        }
        written += query.execute(&mut *conn).await?.rows_affected();
    }
    Ok(written)
}
