//! Line charts as SVG text, drawn on the server so they read without JavaScript: instrument
//! totals over time against a baseline. The SVG names itself (`<title>`, `<desc>`, each point
//! with its own `<title>`); pages put a table with the same data beside it for screen readers.

use std::fmt::Write;

/// The drawing area, in SVG user units.
pub const WIDTH: f64 = 600.0;
pub const HEIGHT: f64 = 240.0;
pub const LEFT: f64 = 48.0;
pub const RIGHT: f64 = 16.0;
pub const TOP: f64 = 16.0;
pub const BOTTOM: f64 = 40.0;

/// One value at one time (UTC microseconds), with the text shown for its time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartPoint {
    pub at: i64,
    pub value: i64,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineChart {
    /// Unique on the page; the ids of the title and description start with it.
    pub id: String,
    pub title: String,
    pub desc: String,
    /// The top of the scale (the instrument's highest total); the bottom is 0.
    pub y_max: i64,
    /// The intake value, drawn as the first point and as a dashed line across.
    pub baseline: Option<ChartPoint>,
    /// Name of the baseline line (e.g. "Intake").
    pub baseline_label: String,
    /// Later values, in time order.
    pub points: Vec<ChartPoint>,
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

impl LineChart {
    fn all_points(&self) -> Vec<&ChartPoint> {
        self.baseline.iter().chain(self.points.iter()).collect()
    }

    /// Where a point lands: time across, value up (0 at the bottom, `y_max` at the top).
    /// A single time is drawn in the middle.
    pub fn position(&self, at: i64, value: i64) -> (f64, f64) {
        let points = self.all_points();
        let first = points.iter().map(|p| p.at).min().unwrap_or(at);
        let last = points.iter().map(|p| p.at).max().unwrap_or(at);
        let plot_w = WIDTH - LEFT - RIGHT;
        let plot_h = HEIGHT - TOP - BOTTOM;
        let x = if last > first {
            LEFT + (at - first) as f64 * plot_w / (last - first) as f64
        } else {
            LEFT + plot_w / 2.0
        };
        let y_max = self.y_max.max(1) as f64;
        let v = (value as f64).clamp(0.0, y_max);
        (x, TOP + plot_h - v * plot_h / y_max)
    }

    /// The chart as an `<svg>` element.
    pub fn to_svg(&self) -> String {
        let id = escape(&self.id);
        let mut s = String::new();
        let _ = write!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{id}-title {id}-desc"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
            escape(&self.title),
            escape(&self.desc)
        );
        let bottom = HEIGHT - BOTTOM;
        let right = WIDTH - RIGHT;
        // Axes and the scale: 0, the middle and the top.
        let _ = write!(
            s,
            r#"<g class="axis"><line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{bottom}"/><line x1="{LEFT}" y1="{bottom}" x2="{right}" y2="{bottom}"/>"#
        );
        for v in [0, self.y_max / 2, self.y_max] {
            let (_, y) = self.position(0, v);
            let _ = write!(
                s,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{v}</text>"#,
                LEFT - 6.0,
                y + 4.0
            );
        }
        let points = self.all_points();
        if let (Some(first), Some(last)) = (points.first(), points.last()) {
            let (x0, _) = self.position(first.at, 0);
            let (x1, _) = self.position(last.at, 0);
            let _ = write!(
                s,
                r#"<text x="{x0:.1}" y="{:.1}" text-anchor="start">{}</text>"#,
                bottom + 20.0,
                escape(&first.label)
            );
            if points.len() > 1 {
                let _ = write!(
                    s,
                    r#"<text x="{x1:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
                    bottom + 20.0,
                    escape(&last.label)
                );
            }
        }
        s.push_str("</g>");
        if let Some(b) = &self.baseline {
            let (_, y) = self.position(b.at, b.value);
            let _ = write!(
                s,
                r#"<line class="baseline" x1="{LEFT}" y1="{y:.1}" x2="{right}" y2="{y:.1}" stroke-dasharray="6 4"><title>{}: {}</title></line>"#,
                escape(&self.baseline_label),
                b.value
            );
        }
        if points.len() > 1 {
            let coords: Vec<String> = points
                .iter()
                .map(|p| {
                    let (x, y) = self.position(p.at, p.value);
                    format!("{x:.1},{y:.1}")
                })
                .collect();
            let _ = write!(
                s,
                r#"<polyline class="line" fill="none" points="{}"/>"#,
                coords.join(" ")
            );
        }
        for (i, p) in points.iter().enumerate() {
            let (x, y) = self.position(p.at, p.value);
            let class = if i == 0 && self.baseline.is_some() {
                "point baseline-point"
            } else {
                "point"
            };
            let _ = write!(
                s,
                r#"<circle class="{class}" cx="{x:.1}" cy="{y:.1}" r="4"><title>{}: {}</title></circle>"#,
                escape(&p.label),
                p.value
            );
        }
        s.push_str("</svg>");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(at: i64, value: i64, label: &str) -> ChartPoint {
        ChartPoint {
            at,
            value,
            label: label.into(),
        }
    }

    fn chart() -> LineChart {
        LineChart {
            id: "phq9-a".into(),
            title: "PHQ-9 over time".into(),
            desc: "From 20 at intake to 0 <six months> later".into(),
            y_max: 27,
            baseline: Some(p(0, 20, "Intake 2026-01-01")),
            baseline_label: "Intake".into(),
            points: vec![p(10, 10, "2026-02-01"), p(20, 0, "2026-03-01")],
        }
    }

    #[test]
    fn points_land_at_the_expected_coordinates() {
        let c = chart();
        // Plot area: x 48..584, y 16..200; 27 at the top, 0 at the bottom.
        assert_eq!(c.position(0, 27), (48.0, 16.0));
        assert_eq!(c.position(20, 0), (584.0, 200.0));
        let svg = c.to_svg();
        // 20/27 of 184 above the bottom: 200 - 136.30 = 63.7; 10/27: 200 - 68.15 = 131.9.
        assert!(svg.contains(r#"<circle class="point baseline-point" cx="48.0" cy="63.7" r="4"><title>Intake 2026-01-01: 20</title>"#), "{svg}");
        assert!(svg.contains(r#"cx="316.0" cy="131.9""#), "{svg}");
        assert!(svg.contains(r#"cx="584.0" cy="200.0""#), "{svg}");
        assert!(
            svg.contains(r#"points="48.0,63.7 316.0,131.9 584.0,200.0""#),
            "{svg}"
        );
        assert!(
            svg.contains(r#"<line class="baseline" x1="48" y1="63.7" x2="584" y2="63.7""#),
            "{svg}"
        );
        assert_eq!(svg.matches("<circle").count(), 3);
    }

    #[test]
    fn the_svg_names_itself_and_escapes_text() {
        let svg = chart().to_svg();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains(r#"role="img" aria-labelledby="phq9-a-title phq9-a-desc""#));
        assert!(svg.contains(r#"<title id="phq9-a-title">PHQ-9 over time</title>"#));
        assert!(svg.contains("&lt;six months&gt;"));
        assert!(!svg.contains("<six"));
        // The scale: 0, 13 and 27.
        for v in [">0<", ">13<", ">27<"] {
            assert!(svg.contains(v), "{v}");
        }
    }

    #[test]
    fn a_single_point_sits_in_the_middle_without_a_line() {
        let c = LineChart {
            baseline: None,
            points: vec![p(5, 27, "2026-01-01")],
            ..chart()
        };
        let svg = c.to_svg();
        assert!(svg.contains(r#"cx="316.0" cy="16.0""#), "{svg}");
        assert!(!svg.contains("<polyline"));
        assert!(!svg.contains("class=\"baseline\""));
    }
}
