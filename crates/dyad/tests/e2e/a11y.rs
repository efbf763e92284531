//! The accessibility audit: axe-core (vendored in `fixtures/axe.min.js` by
//! `.ci/e2e-setup.sh`; MPL-2.0, used only here) injected into the page and run there.

use fantoccini::Client;
use serde_json::Value;

const AXE: &str = include_str!("fixtures/axe.min.js");

/// Runs axe on the whole document and hands back every violation, compacted.
const RUN_AXE: &str = r#"
const done = arguments[arguments.length - 1];
axe.run(document, { resultTypes: ['violations'] })
  .then(r => done({ violations: r.violations.map(v => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.length,
      target: v.nodes.length ? v.nodes[0].target.join(' ') : '',
      html: v.nodes.length ? v.nodes[0].html.slice(0, 160) : '',
  })) }))
  .catch(e => done({ error: String(e) }));
"#;

#[derive(Debug, Clone)]
pub struct Violation {
    pub id: String,
    pub impact: String,
    pub help: String,
    pub nodes: u64,
    pub target: String,
    pub html: String,
}

impl Violation {
    pub fn is_serious(&self) -> bool {
        matches!(self.impact.as_str(), "serious" | "critical")
    }
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}): {} — first of {} at `{}`: {}",
            self.id, self.impact, self.help, self.nodes, self.target, self.html
        )
    }
}

/// Every axe violation on the page shown now.
pub async fn audit(client: &Client) -> Result<Vec<Violation>, String> {
    let present = client
        .execute("return typeof window.axe === 'object';", vec![])
        .await
        .map_err(|e| format!("ask for axe: {e}"))?;
    if present != Value::Bool(true) {
        client
            .execute(AXE, vec![])
            .await
            .map_err(|e| format!("inject axe-core: {e}"))?;
    }
    let result = client
        .execute_async(RUN_AXE, vec![])
        .await
        .map_err(|e| format!("run axe-core: {e}"))?;
    if let Some(error) = result.get("error") {
        return Err(format!("axe-core failed: {error}"));
    }
    let list = result
        .get("violations")
        .and_then(Value::as_array)
        .ok_or_else(|| format!("axe-core answered without violations: {result}"))?;
    let text = |v: &Value, key: &str| v[key].as_str().unwrap_or_default().to_string();
    Ok(list
        .iter()
        .map(|v| Violation {
            id: text(v, "id"),
            impact: text(v, "impact"),
            help: text(v, "help"),
            nodes: v["nodes"].as_u64().unwrap_or(0),
            target: text(v, "target"),
            html: text(v, "html"),
        })
        .collect())
}

/// `Ok` when axe finds nothing serious or critical; otherwise the findings, one a line.
/// Milder findings are printed as notes.
pub async fn check_no_serious_a11y(client: &Client, name: &str) -> Result<(), String> {
    let violations = audit(client).await.map_err(|e| format!("{name}: {e}"))?;
    let (serious, mild): (Vec<_>, Vec<_>) = violations.into_iter().partition(|v| v.is_serious());
    for v in &mild {
        eprintln!("[a11y] note on {name}: {v}");
    }
    if serious.is_empty() {
        eprintln!("[a11y] {name}: no serious or critical findings");
        return Ok(());
    }
    let lines: Vec<String> = serious.iter().map(|v| format!("  - {v}")).collect();
    Err(format!(
        "accessibility audit of {name} found {} serious or critical violation(s):\n{}",
        serious.len(),
        lines.join("\n")
    ))
}

/// Fails the test when the page shown now has a serious or critical axe violation, naming
/// each rule id, its impact and the first element it found.
pub async fn assert_no_serious_a11y(client: &Client, name: &str) {
    if let Err(report) = check_no_serious_a11y(client, name).await {
        panic!("{report}");
    }
}
