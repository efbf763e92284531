//! Sealing at rest: clinical answers and free text are encrypted before they reach a table.
//!
//! Each participant has a random data key; data keys are stored wrapped (encrypted) by the
//! master key from the key file. A sealed value's associated data names its table, row and
//! field, so a ciphertext copied to another row or column does not open. Destroying a
//! participant's data key makes everything sealed under it unreadable — in the live
//! database and in every backup — which is how erasure works.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::db::{Db, IN_LIST, numbered_params};
use crate::error::{StoreError, StoreResult};

const FORMAT_V1: u8 = 1;
const NONCE_LEN: usize = 24;

/// The key that wraps every data key. Its `Debug` never prints the key.
pub struct MasterKey {
    id: String,
    key: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MasterKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl MasterKey {
    pub fn generate() -> Self {
        let key = XChaCha20Poly1305::generate_key(&mut OsRng);
        let mut bytes = Zeroizing::new([0u8; 32]);
        bytes.copy_from_slice(&key);
        Self::from_bytes(bytes)
    }

    fn from_bytes(key: Zeroizing<[u8; 32]>) -> Self {
        let id = hex::encode(&Sha256::digest(key.as_slice())[..8]);
        Self { id, key }
    }

    /// A short fingerprint naming the key (not secret), stored beside each wrapped data key.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Reads the key file; refuses one that other users could read.
    pub fn load(path: &Path) -> StoreResult<Self> {
        check_private(path)?;
        let text = Zeroizing::new(std::fs::read_to_string(path)?);
        let raw = Zeroizing::new(hex::decode(text.trim()).map_err(|_| {
            StoreError::Config(format!("{} is not a dyad master key file", path.display()))
        })?);
        if raw.len() != 32 {
            return Err(StoreError::Config(format!(
                "{} does not hold a 32-byte key",
                path.display()
            )));
        }
        let mut bytes = Zeroizing::new([0u8; 32]);
        bytes.copy_from_slice(&raw);
        Ok(Self::from_bytes(bytes))
    }

    /// Writes a new key file readable by its owner only (0600); never overwrites.
    pub fn write_new(&self, path: &Path) -> StoreResult<()> {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(path)?;
        let text = Zeroizing::new(hex::encode(self.key.as_slice()));
        file.write_all(text.as_bytes())?;
        file.write_all(b"\n")?;
        file.sync_all()?;
        Ok(())
    }

    /// Loads the key file, creating it first when it does not exist. Returns whether it
    /// was created.
    pub fn load_or_create(path: &Path) -> StoreResult<(Self, bool)> {
        if path.exists() {
            return Ok((Self::load(path)?, false));
        }
        let key = Self::generate();
        key.write_new(path)?;
        Ok((key, true))
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(self.key.as_slice().into())
    }
}

#[cfg(unix)]
fn check_private(path: &Path) -> StoreResult<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)?.permissions().mode();
    if mode & 0o077 != 0 {
        return Err(StoreError::Config(format!(
            "the master key file {} can be read by other users (mode {:o}); run chmod 600 on it",
            path.display(),
            mode & 0o777
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path) -> StoreResult<()> {
    Ok(())
}

/// Where a sealed value lives; bound into its associated data.
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    pub table: &'a str,
    pub row: &'a str,
    pub field: &'a str,
}

fn aad(owner: &str, place: &Place<'_>) -> Vec<u8> {
    format!(
        "dyad/v1|{}|{}|{}|{}",
        owner, place.table, place.row, place.field
    )
    .into_bytes()
}

fn encrypt(cipher: &XChaCha20Poly1305, aad: &[u8], plaintext: &[u8]) -> StoreResult<Vec<u8>> {
    let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
    let ct = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| StoreError::Crypto("encryption failed".into()))?;
    let mut out = Vec::with_capacity(1 + NONCE_LEN + ct.len());
    out.push(FORMAT_V1);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ct);
    Ok(out)
}

fn decrypt(cipher: &XChaCha20Poly1305, aad: &[u8], sealed: &[u8]) -> StoreResult<Vec<u8>> {
    if sealed.len() < 1 + NONCE_LEN || sealed.first() != Some(&FORMAT_V1) {
        return Err(StoreError::Unseal);
    }
    let (nonce, ct) = sealed[1..].split_at(NONCE_LEN);
    cipher
        .decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad })
        .map_err(|_| StoreError::Unseal)
}

/// A participant's unwrapped data key, wiped from memory when dropped.
pub struct DataKey(Zeroizing<[u8; 32]>);

impl DataKey {
    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(self.0.as_slice().into())
    }

    /// Seals `plaintext` for `place`, owned by `owner`.
    pub fn seal(&self, owner: &str, place: Place<'_>, plaintext: &[u8]) -> StoreResult<Vec<u8>> {
        encrypt(&self.cipher(), &aad(owner, &place), plaintext)
    }

    /// Opens a value sealed for exactly this owner and place.
    pub fn open(&self, owner: &str, place: Place<'_>, sealed: &[u8]) -> StoreResult<Vec<u8>> {
        decrypt(&self.cipher(), &aad(owner, &place), sealed)
    }
}

fn wrap_aad(owner: &str) -> Vec<u8> {
    format!("dyad/data-key|{owner}").into_bytes()
}

/// Seals and opens values through the per-owner data keys kept in the database.
#[derive(Clone)]
pub struct Sealer {
    master: std::sync::Arc<MasterKey>,
}

impl Sealer {
    pub fn new(master: MasterKey) -> Self {
        Self {
            master: std::sync::Arc::new(master),
        }
    }

    pub fn master_key_id(&self) -> &str {
        self.master.id()
    }

    /// The owner's data key, created on first use.
    pub async fn data_key(&self, db: &Db, owner: &str, now: i64) -> StoreResult<DataKey> {
        let row: Option<(Option<Vec<u8>>,)> =
            sqlx::query_as("SELECT wrapped_key FROM data_keys WHERE owner_id = $1")
                .bind(owner)
                .fetch_optional(&db.pool)
                .await?;
        let wrapped = match row {
            Some((Some(wrapped),)) => wrapped,
            Some((None,)) => return Err(StoreError::KeyDestroyed),
            None => {
                let fresh = XChaCha20Poly1305::generate_key(&mut OsRng);
                let wrapped = encrypt(&self.master.cipher(), &wrap_aad(owner), &fresh)?;
                // A concurrent first use may have won the race; keep whichever landed.
                sqlx::query(
                    "INSERT INTO data_keys (owner_id, wrapped_key, master_key_id, created_at) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (owner_id) DO NOTHING",
                )
                .bind(owner)
                .bind(wrapped)
                .bind(self.master.id())
                .bind(now)
                .execute(&db.pool)
                .await?;
                return Box::pin(self.data_key(db, owner, now)).await;
            }
        };
        self.unwrap_key(owner, &wrapped)
    }

    /// The data keys of many owners at once, each unwrapped once (for readers that open many
    /// values of many people, such as the research export): `Some` for a live key, `None`
    /// for a destroyed one. Owners without a key are left out (and none is created for them:
    /// [`Sealer::data_key`] does that on first use).
    pub async fn data_keys(
        &self,
        db: &Db,
        owners: &[String],
    ) -> StoreResult<HashMap<String, Option<DataKey>>> {
        let mut out = HashMap::new();
        for chunk in owners.chunks(IN_LIST) {
            let sql = format!(
                "SELECT owner_id, wrapped_key FROM data_keys WHERE owner_id IN ({})",
                numbered_params(1, chunk.len())
            );
            let mut query =
                sqlx::query_as::<_, (String, Option<Vec<u8>>)>(sqlx::AssertSqlSafe(sql));
            for owner in chunk {
                query = query.bind(owner);
            }
            for (owner, wrapped) in query.fetch_all(&db.pool).await? {
                let key = match wrapped {
                    Some(wrapped) => Some(self.unwrap_key(&owner, &wrapped)?),
                    None => None,
                };
                out.insert(owner, key);
            }
        }
        Ok(out)
    }

    fn unwrap_key(&self, owner: &str, wrapped: &[u8]) -> StoreResult<DataKey> {
        let raw = Zeroizing::new(decrypt(&self.master.cipher(), &wrap_aad(owner), wrapped)?);
        if raw.len() != 32 {
            return Err(StoreError::Unseal);
        }
        let mut key = Zeroizing::new([0u8; 32]);
        key.copy_from_slice(&raw);
        Ok(DataKey(key))
    }

    /// A fresh data key for a new `owner`, with its wrapped form for the `data_keys` row
    /// (`wrapped_key`, stored beside [`Sealer::master_key_id`]): the same row
    /// [`Sealer::data_key`] writes on first use, for bulk writers that create many owners at
    /// once without a round trip each.
    pub fn new_data_key(&self, owner: &str) -> StoreResult<(DataKey, Vec<u8>)> {
        let mut key = Zeroizing::new([0u8; 32]);
        key.copy_from_slice(&XChaCha20Poly1305::generate_key(&mut OsRng));
        let wrapped = encrypt(&self.master.cipher(), &wrap_aad(owner), key.as_slice())?;
        Ok((DataKey(key), wrapped))
    }

    pub async fn seal(
        &self,
        db: &Db,
        owner: &str,
        place: Place<'_>,
        plaintext: &[u8],
        now: i64,
    ) -> StoreResult<Vec<u8>> {
        self.data_key(db, owner, now)
            .await?
            .seal(owner, place, plaintext)
    }

    pub async fn open(
        &self,
        db: &Db,
        owner: &str,
        place: Place<'_>,
        sealed: &[u8],
        now: i64,
    ) -> StoreResult<Vec<u8>> {
        self.data_key(db, owner, now)
            .await?
            .open(owner, place, sealed)
    }

    /// Crypto-shredding: forgets the owner's data key for good.
    pub async fn destroy(&self, db: &Db, owner: &str, now: i64) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO data_keys (owner_id, wrapped_key, master_key_id, created_at, destroyed_at) \
             VALUES ($1, NULL, $2, $3, $3) \
             ON CONFLICT (owner_id) DO UPDATE SET wrapped_key = NULL, destroyed_at = excluded.destroyed_at",
        )
        .bind(owner)
        .bind(self.master.id())
        .bind(now)
        .execute(&db.pool)
        .await?;
        Ok(())
    }

    /// Re-wraps every live data key under `new_master`, in one transaction. Returns how
    /// many keys were re-wrapped. The sealed data itself is untouched.
    pub async fn rotate(&self, db: &Db, new_master: &MasterKey) -> StoreResult<u64> {
        let mut tx = db.pool.begin().await?;
        let rows: Vec<(String, Vec<u8>)> = sqlx::query_as(
            "SELECT owner_id, wrapped_key FROM data_keys WHERE wrapped_key IS NOT NULL",
        )
        .fetch_all(&mut *tx)
        .await?;
        let mut count = 0;
        for (owner, wrapped) in rows {
            let raw = Zeroizing::new(decrypt(&self.master.cipher(), &wrap_aad(&owner), &wrapped)?);
            let rewrapped = encrypt(&new_master.cipher(), &wrap_aad(&owner), &raw)?;
            sqlx::query(
                "UPDATE data_keys SET wrapped_key = $1, master_key_id = $2 WHERE owner_id = $3",
            )
            .bind(rewrapped)
            .bind(new_master.id())
            .bind(&owner)
            .execute(&mut *tx)
            .await?;
            count += 1;
        }
        tx.commit().await?;
        Ok(count)
    }

    /// Seals a small secret of the system itself (e.g. a TOTP seed) under the master key.
    pub fn seal_system(&self, place: Place<'_>, plaintext: &[u8]) -> StoreResult<Vec<u8>> {
        encrypt(&self.master.cipher(), &aad("system", &place), plaintext)
    }

    pub fn open_system(&self, place: Place<'_>, sealed: &[u8]) -> StoreResult<Vec<u8>> {
        decrypt(&self.master.cipher(), &aad("system", &place), sealed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> DataKey {
        let mut k = Zeroizing::new([0u8; 32]);
        k.copy_from_slice(&XChaCha20Poly1305::generate_key(&mut OsRng));
        DataKey(k)
    }

    const PLACE: Place<'static> = Place {
        table: "intakes",
        row: "row-1",
        field: "answers",
    };

    #[test]
    fn round_trip() {
        let k = key();
        let sealed = k.seal("p1", PLACE, b"I take sertraline").unwrap();
        assert_eq!(k.open("p1", PLACE, &sealed).unwrap(), b"I take sertraline");
        assert!(!sealed.windows(10).any(|w| w == b"sertraline"));
    }

    #[test]
    fn swapped_ciphertexts_do_not_open() {
        let k = key();
        let sealed = k.seal("p1", PLACE, b"secret").unwrap();
        let other_row = Place {
            row: "row-2",
            ..PLACE
        };
        let other_field = Place {
            field: "notes",
            ..PLACE
        };
        let other_table = Place {
            table: "journal",
            ..PLACE
        };
        assert!(k.open("p1", other_row, &sealed).is_err());
        assert!(k.open("p1", other_field, &sealed).is_err());
        assert!(k.open("p1", other_table, &sealed).is_err());
        assert!(k.open("p2", PLACE, &sealed).is_err());
    }

    #[test]
    fn tampered_ciphertexts_do_not_open() {
        let k = key();
        let mut sealed = k.seal("p1", PLACE, b"secret").unwrap();
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        assert!(matches!(
            k.open("p1", PLACE, &sealed),
            Err(StoreError::Unseal)
        ));
        assert!(k.open("p1", PLACE, &[1, 2, 3]).is_err());
    }

    #[test]
    fn another_key_does_not_open() {
        let sealed = key().seal("p1", PLACE, b"secret").unwrap();
        assert!(key().open("p1", PLACE, &sealed).is_err());
    }

    #[test]
    fn key_file_is_private_and_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        let (k1, created) = MasterKey::load_or_create(&path).unwrap();
        assert!(created);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let (k2, created) = MasterKey::load_or_create(&path).unwrap();
        assert!(!created);
        assert_eq!(k1.id(), k2.id());
        assert!(format!("{k1:?}").contains(k1.id()));
    }

    #[cfg(unix)]
    #[test]
    fn readable_key_file_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        MasterKey::generate().write_new(&path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = MasterKey::load(&path).unwrap_err().to_string();
        assert!(err.contains("chmod 600"), "{err}");
    }
}
