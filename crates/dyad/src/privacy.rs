//! Operator commands for research and privacy: the research export to a file, encrypted
//! backups (age, to a recipient whose identity the server never holds), restore, and the
//! erasure ledger that makes a restored older backup forget erased people again.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use dyad_core::time::Clock;
use dyad_store::Db;
use dyad_store::sealing::Sealer;
use dyad_web::api::research::{self, Format};

use crate::Settings;

/// The first bytes of every binary age file.
const AGE_MAGIC: &[u8] = b"age-encryption.org/v1";

/// Where the erasure ledger lives: beside the master key, so it travels with the key and not
/// with the (older) backups.
pub fn erasure_ledger_path(settings: &Settings) -> PathBuf {
    let key = settings.master_key_path();
    let mut name = key
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| "master.key".into());
    name.push(".erasures");
    key.with_file_name(name)
}

/// Destroys the data keys of everyone the ledger or the database lists as erased. Run at
/// every start and after every restore.
pub async fn apply_erasures(
    settings: &Settings,
    db: &Db,
    sealer: &Sealer,
    now: i64,
) -> anyhow::Result<usize> {
    research::apply_erasures(db, sealer, Some(&erasure_ledger_path(settings)), now).await
}

/// `dyad export research`: the same file the researcher's route gives, audited as the
/// operator.
pub async fn export_research(
    settings: &Settings,
    clock: &dyn Clock,
    format: &str,
    study: Option<&str>,
    out: &Path,
) -> anyhow::Result<String> {
    let format: Format = format.parse().map_err(|e: String| anyhow::anyhow!(e))?;
    if out.exists() {
        anyhow::bail!("{} already exists; choose a new file name", out.display());
    }
    let form = crate::intake_form(settings)?;
    let opened = crate::open(settings, clock).await?;
    let study = match study {
        Some(s) => Some(
            dyad_store::research::study(&opened.db, s)
                .await?
                .with_context(|| format!("there is no study {s:?}"))?,
        ),
        None => None,
    };
    let export = research::build(
        &opened.db,
        &opened.sealer,
        &form,
        study.as_ref(),
        format,
        clock.now_micros(),
    )
    .await
    .map_err(|e| anyhow::anyhow!("building the export: {e}"))?;
    write_private(out, &export.bytes)?;
    dyad_store::audit::append(
        &opened.db,
        &research::export_audit("cli", "operator", &export),
        clock.now_micros(),
    )
    .await?;
    Ok(format!(
        "{} participants, {} rows written to {} ({})",
        export.participants,
        export.rows,
        out.display(),
        export.filter
    ))
}

/// `dyad erase`: the operator erases one participant, named by their care code, after the
/// same checks the team's erasure page asks for (recorded and audited as the operator). The
/// code itself confirms who is erased.
pub async fn erase(
    settings: &Settings,
    clock: &dyn Clock,
    code: &str,
    request: research::ErasureRequest,
) -> anyhow::Result<String> {
    let opened = crate::open(settings, clock).await?;
    let participant = match dyad_store::research::participant_id_by_code(&opened.db, code).await? {
        Some(id) => dyad_store::duos::participant_by_id(&opened.db, &id).await?,
        None => None,
    }
    .with_context(|| format!("there is no participant with the code {code:?}"))?;
    let ledger = erasure_ledger_path(settings);
    let ctx = research::ErasureContext {
        db: &opened.db,
        sealer: &opened.sealer,
        ledger: Some(&ledger),
        now: clock.now_micros(),
        actor_id: "cli",
        actor_role: "operator",
    };
    // The code named on the command line is the confirmation.
    let request = research::ErasureRequest {
        confirm_code: code.to_string(),
        ..request
    };
    match research::execute_erasure(&ctx, &participant, &request).await {
        Ok(done) => Ok(format!(
            "{} erased at {}; the erasure ledger {} lists them",
            participant.code,
            done.executed_at,
            ledger.display()
        )),
        Err(dyad_web::error::AppError::Validation(errors)) => anyhow::bail!(
            "nothing was erased:\n{}",
            errors
                .iter()
                .map(|e| format!("  --{}: {}", e.field.replace('_', "-"), e.message))
                .collect::<Vec<_>>()
                .join("\n")
        ),
        Err(dyad_web::error::AppError::Conflict(why)) => {
            anyhow::bail!("nothing was erased: {why}")
        }
        Err(e) => Err(anyhow::anyhow!("erasing: {e}")),
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}

/// Parses an age recipient (`age1…`).
pub fn parse_recipient(text: &str) -> anyhow::Result<age::x25519::Recipient> {
    text.trim()
        .parse()
        .map_err(|e: &str| anyhow::anyhow!("not an age public key (age1…): {e}"))
}

/// Encrypts `plain` to `recipient` into `target` (created new, mode 0600).
fn encrypt_file(
    plain: &Path,
    target: &Path,
    recipient: &age::x25519::Recipient,
) -> anyhow::Result<()> {
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(recipient as &dyn age::Recipient))
            .map_err(|e| anyhow::anyhow!("age: {e}"))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let out = options
        .open(target)
        .with_context(|| format!("creating {}", target.display()))?;
    let mut writer = encryptor.wrap_output(std::io::BufWriter::new(out))?;
    let mut input = std::fs::File::open(plain)?;
    std::io::copy(&mut input, &mut writer)?;
    let mut inner = writer.finish()?;
    inner.flush()?;
    inner
        .into_inner()
        .map_err(|e| anyhow::anyhow!("writing {}: {e}", target.display()))?
        .sync_all()?;
    Ok(())
}

/// `dyad backup FILE --recipient age1…`: the plain copy is written beside the target,
/// encrypted into FILE and removed; only the holder of the matching identity can read FILE.
pub async fn encrypted_backup(
    settings: &Settings,
    target: &Path,
    recipient: &str,
) -> anyhow::Result<()> {
    let recipient = parse_recipient(recipient)?;
    if target.exists() {
        anyhow::bail!(
            "{} already exists; choose a new file name",
            target.display()
        );
    }
    let mut plain_name = target
        .file_name()
        .context("the backup needs a file name")?
        .to_os_string();
    plain_name.push(".unencrypted-partial");
    let plain = target.with_file_name(plain_name);
    if plain.exists() {
        std::fs::remove_file(&plain)?;
    }
    let result = async {
        crate::backup(settings, &plain).await?;
        encrypt_file(&plain, target, &recipient)
    }
    .await;
    let _ = std::fs::remove_file(&plain);
    if result.is_err() {
        let _ = std::fs::remove_file(target);
    }
    result
}

/// `dyad backup-keygen --out FILE`: a new age identity written to FILE (0600) for the
/// operator to keep off the server; returns the public key to pass as `--recipient`.
pub fn keygen(out: &Path) -> anyhow::Result<String> {
    use age::secrecy::ExposeSecret;
    let identity = age::x25519::Identity::generate();
    let public = identity.to_public().to_string();
    let text = format!(
        "# dyad backup identity: keep it off the dyad server\n# public key: {public}\n{}\n",
        identity.to_string().expose_secret()
    );
    write_private(out, text.as_bytes())?;
    Ok(public)
}

/// Decrypts an age file with the identity (or identities) in `identity_file`.
fn decrypt_to(encrypted: &Path, identity_file: &Path, target: &Path) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(identity_file)
        .with_context(|| format!("reading {}", identity_file.display()))?;
    let identities: Vec<age::x25519::Identity> = text
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("AGE-SECRET-KEY-"))
        .map(|l| l.parse().map_err(|e: &str| anyhow::anyhow!("{e}")))
        .collect::<anyhow::Result<_>>()?;
    if identities.is_empty() {
        anyhow::bail!("{} holds no age identity", identity_file.display());
    }
    let input = std::fs::File::open(encrypted)?;
    let decryptor = age::Decryptor::new(std::io::BufReader::new(input))
        .map_err(|e| anyhow::anyhow!("{} is not an age file: {e}", encrypted.display()))?;
    let mut reader = decryptor
        .decrypt(identities.iter().map(|i| i as &dyn age::Identity))
        .map_err(|e| anyhow::anyhow!("cannot decrypt with this identity: {e}"))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut out = options
        .open(target)
        .with_context(|| format!("creating {}", target.display()))?;
    std::io::copy(&mut reader, &mut out)?;
    out.sync_all()?;
    Ok(())
}

fn is_age_file(path: &Path) -> anyhow::Result<bool> {
    let mut head = [0u8; 21];
    let mut f = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let n = f.read(&mut head)?;
    Ok(n == AGE_MAGIC.len() && head == AGE_MAGIC)
}

/// `dyad restore FILE [--identity F]`: puts a backup (age-encrypted or plain) in place of
/// the configured database, then destroys the keys of everyone erased since (from the
/// ledger beside the master key). SQLite: the database file must not exist (stop dyad and
/// move the old file aside first). PostgreSQL: `pg_restore --clean` into the configured
/// database. Returns what it did, to print.
pub async fn restore(
    settings: &Settings,
    clock: &dyn Clock,
    file: &Path,
    identity: Option<&Path>,
) -> anyhow::Result<String> {
    let encrypted = is_age_file(file)?;
    let (url, _) = settings.database();
    let sqlite_path = url
        .strip_prefix("sqlite://")
        .map(|p| PathBuf::from(p.split('?').next().unwrap_or(p)));
    let scratch = tempfile_beside(sqlite_path.as_deref().unwrap_or(file))?;
    let plain: PathBuf = if encrypted {
        let identity = identity.context(
            "this backup is encrypted: pass --identity with the file that holds the age identity",
        )?;
        decrypt_to(file, identity, &scratch)?;
        scratch.clone()
    } else {
        file.to_path_buf()
    };
    let result = async {
        match &sqlite_path {
            Some(db_path) => {
                if db_path.exists() {
                    anyhow::bail!(
                        "{} exists: stop dyad and move it (and any -wal/-shm beside it) aside first",
                        db_path.display()
                    );
                }
                if let Some(dir) = db_path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                std::fs::copy(&plain, db_path)
                    .with_context(|| format!("writing {}", db_path.display()))?;
            }
            None => {
                let status = std::process::Command::new("pg_restore")
                    .arg("--clean")
                    .arg("--if-exists")
                    .arg("--no-owner")
                    .arg("--dbname")
                    .arg(&url)
                    .arg(&plain)
                    .status()
                    .context("running pg_restore (install the PostgreSQL client tools)")?;
                if !status.success() {
                    anyhow::bail!("pg_restore failed with {status}");
                }
            }
        }
        let opened = crate::open(settings, clock).await?;
        let destroyed = apply_erasures(settings, &opened.db, &opened.sealer, clock.now_micros()).await?;
        opened.db.pool.close().await;
        Ok(format!(
            "restored {} ({}); {destroyed} data keys of erased participants destroyed again",
            file.display(),
            if encrypted { "decrypted" } else { "not encrypted" }
        ))
    }
    .await;
    let _ = std::fs::remove_file(&scratch);
    result
}

fn tempfile_beside(path: &Path) -> anyhow::Result<PathBuf> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    std::fs::create_dir_all(&dir)?;
    let name = format!(
        ".dyad-restore-{}",
        dyad_store::secrets::random_token().get(..12).unwrap_or("x")
    );
    Ok(dir.join(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encrypts_to_a_recipient_and_decrypts_only_with_its_identity() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain");
        std::fs::write(&plain, b"SQLite format 3\0 and more").unwrap();
        let id_file = dir.path().join("id.txt");
        let public = keygen(&id_file).unwrap();
        let enc = dir.path().join("backup.age");
        encrypt_file(&plain, &enc, &parse_recipient(&public).unwrap()).unwrap();
        assert!(is_age_file(&enc).unwrap());
        assert!(
            !std::fs::read(&enc)
                .unwrap()
                .windows(6)
                .any(|w| w == b"SQLite")
        );
        let out = dir.path().join("out");
        decrypt_to(&enc, &id_file, &out).unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&plain).unwrap());
        let other = dir.path().join("other.txt");
        keygen(&other).unwrap();
        assert!(decrypt_to(&enc, &other, &dir.path().join("out2")).is_err());
        assert!(parse_recipient("not a key").is_err());
    }
}
