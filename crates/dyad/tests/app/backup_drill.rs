//! Backup and restore drill, on SQLite and on PostgreSQL: `dyad backup` runs while several
//! clients keep writing, the copy is restored the way the README says into a new installation
//! (same master key), and the restored dyad holds every write acknowledged before the backup
//! started, intact, nothing that was not written by the time it finished, console entries
//! numbered without gaps, and an audit chain that verifies.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::crash::{Installation, Load, PgDatabase, check_ledger, prepare_writers};

/// Waits until the load has `n` more acknowledged writes.
async fn writes_land(load: &Load, n: u64) {
    let target = load.acked.load(Ordering::SeqCst) + n;
    let deadline = Instant::now() + Duration::from_secs(20);
    while load.acked.load(Ordering::SeqCst) < target {
        assert!(Instant::now() < deadline, "the load stalled");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn copy_key(from: &Path, to_data: &Path) {
    std::fs::create_dir_all(to_data).unwrap();
    std::fs::copy(from.join("master.key"), to_data.join("master.key")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            to_data.join("master.key"),
            std::fs::Permissions::from_mode(0o600),
        )
        .unwrap();
    }
}

async fn drill(pg: Option<PgDatabase>, what: &str) {
    let started = Instant::now();
    let inst = Arc::new(Installation::new(pg.as_ref().map(|p| p.url.as_str())));
    let app = inst.in_process().await;
    let writers = prepare_writers(&app).await;
    drop(app);
    let start_inst = inst.clone();
    let running = tokio::task::spawn_blocking(move || start_inst.start())
        .await
        .unwrap();
    let load = Load::start(format!("http://127.0.0.1:{}", running.port), &writers);
    writes_land(&load, 60).await;

    // The backup, taken while the writes go on.
    let before = load.ledger.lock().unwrap().clone();
    let acked_before = load.acked.load(Ordering::SeqCst);
    let file = inst.dir.path().join("backup.dyad");
    let backup_inst = inst.clone();
    let backup_file = file.clone();
    let out =
        tokio::task::spawn_blocking(move || backup_inst.run_with_file(&["backup"], &backup_file))
            .await
            .unwrap();
    let after = load.ledger.lock().unwrap().clone();
    let acked_during = load.acked.load(Ordering::SeqCst) - acked_before;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    writes_land(&load, 20).await;
    let _ = load.finish().await;
    drop(running);

    // Restore into a new installation with the same master key.
    let restored_pg = match &pg {
        None => None,
        Some(_) => Some(PgDatabase::create("dyad_restored").await.unwrap()),
    };
    let restored = Installation::new(restored_pg.as_ref().map(|p| p.url.as_str()));
    copy_key(&inst.data, &restored.data);
    match &restored_pg {
        None => {
            std::fs::copy(&file, restored.data.join("dyad.db")).unwrap();
        }
        Some(target) => {
            let out = std::process::Command::new("pg_restore")
                .arg("--no-owner")
                .arg("--dbname")
                .arg(&target.url)
                .arg(&file)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    let verified = restored.audit_verifies();
    let running = restored.start();
    assert!(
        crate::cli::one_time_password(&running.stdout).is_none(),
        "the restored database is not a first start"
    );
    let base = format!("http://127.0.0.1:{}", running.port);
    check_ledger(&base, &writers, &before, Some(&after)).await;
    drop(running);
    eprintln!(
        "{what}: backup under load restored: {acked_before} writes acknowledged before it, \
         {acked_during} while it ran; {} in {:?}",
        verified.trim(),
        started.elapsed()
    );
    if let Some(pg) = restored_pg {
        pg.drop_database().await;
    }
    if let Some(pg) = pg {
        pg.drop_database().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_under_write_load_restores_on_sqlite() {
    drill(None, "backup drill (SQLite)").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_under_write_load_restores_on_postgres() {
    let Some(pg) = PgDatabase::create("dyad_backup").await else {
        return;
    };
    drill(Some(pg), "backup drill (PostgreSQL)").await;
}
