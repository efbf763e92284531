//! iCalendar (RFC 5545) invitations for meetings: one `VEVENT`, UTC times, text escaped
//! and lines folded at 75 octets as the standard requires.

use jiff::Timestamp;

/// One event to put in an invitation.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    pub uid: &'a str,
    pub summary: &'a str,
    pub description: &'a str,
    pub location: &'a str,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub stamp: Timestamp,
    pub organizer_email: &'a str,
}

fn utc(ts: Timestamp) -> String {
    ts.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// Escapes TEXT values (RFC 5545 §3.3.11).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line into chunks of at most 75 octets, never splitting a character.
pub fn fold(line: &str) -> String {
    let mut out = String::new();
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
    out
}

/// A complete `METHOD:REQUEST` calendar with one event.
pub fn invitation(e: &Event<'_>) -> String {
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".to_string(),
        "PRODID:-//dyad//care pathway//EN".to_string(),
        "METHOD:REQUEST".to_string(),
        "BEGIN:VEVENT".to_string(),
        format!("UID:{}", escape(e.uid)),
        format!("DTSTAMP:{}", utc(e.stamp)),
        format!("DTSTART:{}", utc(e.starts_at)),
        format!("DTEND:{}", utc(e.ends_at)),
        format!("SUMMARY:{}", escape(e.summary)),
        format!("DESCRIPTION:{}", escape(e.description)),
        format!("ORGANIZER:mailto:{}", e.organizer_email),
    ];
    if !e.location.is_empty() {
        lines.push(format!("LOCATION:{}", escape(e.location)));
    }
    lines.extend(["END:VEVENT".to_string(), "END:VCALENDAR".to_string()]);
    lines.iter().map(|l| fold(l)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_folds() {
        assert_eq!(escape("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
        let long = format!("DESCRIPTION:{}", "é".repeat(60));
        let folded = fold(&long);
        for line in folded.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(line.len() <= 75, "{} octets", line.len());
        }
        assert_eq!(folded.replace("\r\n ", ""), format!("{long}\r\n"));
    }

    #[test]
    fn a_valid_event() {
        let t = Timestamp::from_second(1_800_000_000).unwrap();
        let ics = invitation(&Event {
            uid: "m1@dyad",
            summary: "Preparation meeting",
            description: "Joint meeting, 90 minutes",
            location: "https://video.example/room",
            starts_at: t,
            ends_at: Timestamp::from_second(1_800_005_400).unwrap(),
            stamp: t,
            organizer_email: "dyad@localhost",
        });
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"));
        assert!(ics.contains("DTSTART:20270115T080000Z\r\n"));
        assert!(ics.contains("DTEND:20270115T093000Z\r\n"));
        assert!(ics.contains("METHOD:REQUEST"));
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
    }
}
