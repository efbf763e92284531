//! Helpers for `bench/run`, kept out of the server binary:
//!
//! - `hello LISTEN`: the bare axum "hello" handler, the machine's reference limit;
//! - `login BASE EMAIL PASSWORD [TOTP_SECRET]`: signs in through the API, prints the token;
//! - `sse SESSION TOKEN EVENTS BASE...`: opens listeners on a session's live stream (spread
//!   over one or more instances), posts console entries and measures how long each entry
//!   takes to reach every listener.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match args.first().map(String::as_str) {
        Some("hello") if args.len() == 2 => runtime.block_on(hello(&args[1])),
        Some("login") if args.len() == 4 || args.len() == 5 => {
            let token = runtime.block_on(login(&args[1], &args[2], &args[3], args.get(4)))?;
            println!("{token}");
            Ok(())
        }
        Some("sse") if args.len() >= 6 => {
            let listeners: usize = args[1].parse().context("listeners")?;
            let events: usize = args[2].parse().context("events")?;
            runtime.block_on(sse(listeners, events, &args[3], &args[4], &args[5..]))
        }
        _ => bail!(
            "usage: dyad-bench hello LISTEN | login BASE EMAIL PASSWORD [TOTP_SECRET] | \
             sse LISTENERS EVENTS SESSION TOKEN BASE..."
        ),
    }
}

async fn hello(listen: &str) -> anyhow::Result<()> {
    let app = axum::Router::new().route("/", axum::routing::get(|| async { "Hello, world!" }));
    let listener = tokio::net::TcpListener::bind(listen).await?;
    axum::serve(listener, app).await?;
    Ok(())
}

fn totp_code(secret: &str, at: u64) -> anyhow::Result<String> {
    let raw = totp_rs::Secret::Encoded(secret.to_string())
        .to_bytes()
        .map_err(|e| anyhow::anyhow!("TOTP secret: {e:?}"))?;
    let totp =
        totp_rs::TOTP::new_unchecked(totp_rs::Algorithm::SHA1, 6, 1, 30, raw, None, String::new());
    Ok(totp.generate(at))
}

async fn login(
    base: &str,
    email: &str,
    password: &str,
    totp_secret: Option<&String>,
) -> anyhow::Result<String> {
    let client = reqwest::Client::new();
    // A code is accepted once per 30-second step and account: after a refusal, wait for
    // the next step (another sign-in of the same account may have used this one).
    for _ in 0..3 {
        let mut body = json!({"email": email, "password": password});
        if let Some(secret) = totp_secret {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)?
                .as_secs();
            body["totp"] = json!(totp_code(secret, now)?);
        }
        let r = client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&body)
            .send()
            .await?;
        let status = r.status();
        let answer: Value = r.json().await.unwrap_or(Value::Null);
        if status.is_success() {
            if answer["required"].as_array().is_some_and(|r| !r.is_empty()) {
                bail!("{email} still owes set-up steps: {}", answer["required"]);
            }
            return answer["token"]
                .as_str()
                .map(str::to_string)
                .context("no token in the sign-in answer");
        }
        if totp_secret.is_none() {
            bail!("sign-in of {email} refused: {status} {answer}");
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_secs();
        tokio::time::sleep(Duration::from_secs(31 - now % 30)).await;
    }
    bail!("sign-in of {email} refused three times")
}

/// What a listener saw: (listener, seq, when).
type Seen = (usize, i64, Instant);

async fn listen(
    client: reqwest::Client,
    url: String,
    token: String,
    n: usize,
    seen: tokio::sync::mpsc::UnboundedSender<Seen>,
) -> anyhow::Result<()> {
    let mut r = client.get(&url).bearer_auth(&token).send().await?;
    if !r.status().is_success() {
        bail!("stream answered {}", r.status());
    }
    let mut buffer = String::new();
    while let Some(chunk) = r.chunk().await? {
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let message: String = buffer.drain(..end + 2).collect();
            for line in message.lines() {
                if let Some(data) = line.strip_prefix("data:")
                    && let Ok(v) = serde_json::from_str::<Value>(data.trim())
                    && let Some(seq) = v["seq"].as_i64()
                {
                    let _ = seen.send((n, seq, Instant::now()));
                }
            }
        }
    }
    Ok(())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn sse(
    listeners: usize,
    events: usize,
    session: &str,
    token: &str,
    bases: &[String],
) -> anyhow::Result<()> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(listeners + 4)
        .build()?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Seen>();
    let mut tasks = Vec::new();
    for n in 0..listeners {
        let base = &bases[n % bases.len()];
        let url = format!("{base}/api/v1/sessions/{session}/stream");
        tasks.push(tokio::spawn(listen(
            client.clone(),
            url,
            token.to_string(),
            n,
            tx.clone(),
        )));
    }
    drop(tx);
    // Everyone connected: each listener's first message is the current seq.
    let mut latest = vec![i64::MIN; listeners];
    let connected_by = Instant::now() + Duration::from_secs(60);
    while latest.contains(&i64::MIN) {
        let left = connected_by.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, rx.recv()).await {
            Ok(Some((n, seq, _))) => latest[n] = latest[n].max(seq),
            _ => bail!(
                "only {} of {listeners} listeners connected",
                latest.iter().filter(|s| **s != i64::MIN).count()
            ),
        }
    }
    let mut delays_ms = Vec::new();
    let mut missed = 0usize;
    for k in 0..events {
        let posted = Instant::now();
        let r = client
            .post(format!("{}/api/v1/sessions/{session}/events", bases[0]))
            .bearer_auth(token)
            .json(&json!({"kind": "note", "text": format!("bench fan-out entry {k}")}))
            .send()
            .await?;
        let status = r.status();
        let created: Value = r.json().await.unwrap_or(Value::Null);
        let Some(seq) = created["seq"].as_i64() else {
            bail!("posting an entry answered {status} {created}");
        };
        let mut reached = vec![false; listeners];
        let deadline = posted + Duration::from_secs(5);
        while reached.iter().any(|r| !r) {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, rx.recv()).await {
                Ok(Some((n, s, at))) => {
                    if s >= seq && !reached[n] {
                        reached[n] = true;
                        delays_ms.push(at.duration_since(posted).as_secs_f64() * 1000.0);
                    }
                }
                _ => break,
            }
        }
        missed += reached.iter().filter(|r| !**r).count();
    }
    for t in tasks {
        t.abort();
    }
    delays_ms.sort_by(|a, b| a.total_cmp(b));
    println!(
        "listeners={listeners} instances={} entries={events} delivered={} missed={missed} p50_ms={:.0} p99_ms={:.0} max_ms={:.0}",
        bases.len(),
        delays_ms.len(),
        percentile(&delays_ms, 0.5),
        percentile(&delays_ms, 0.99),
        delays_ms.last().copied().unwrap_or(f64::NAN),
    );
    Ok(())
}
