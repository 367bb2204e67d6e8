//! Numbers and text, written once for the terminal (the harness's table)
//! and the page (the report, its charts and its CSV). The two differ in
//! two characters only, named by [`Medium`]: a missing figure is `-` in
//! a terminal and `–` on the page, and a ratio ends in `x` or `×`.

/// Where a figure is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Medium {
    /// A terminal: plain characters that every font has.
    Terminal,
    /// The HTML report and its charts.
    Page,
}

impl Medium {
    /// What stands in for a figure that is not there.
    pub fn missing(self) -> &'static str {
        match self {
            Medium::Terminal => "-",
            Medium::Page => "–",
        }
    }

    /// What follows a ratio.
    pub fn times(self) -> &'static str {
        match self {
            Medium::Terminal => "x",
            Medium::Page => "×",
        }
    }
}

/// A count with an SI prefix: `1.5k`, `40M`, `2.3G`.
pub fn si(value: f64) -> String {
    let magnitude = value.abs();
    let (scaled, suffix) = if magnitude >= 1e9 {
        (value / 1e9, "G")
    } else if magnitude >= 1e6 {
        (value / 1e6, "M")
    } else if magnitude >= 1e3 {
        (value / 1e3, "k")
    } else {
        (value, "")
    };
    format!("{}{suffix}", trim(scaled))
}

/// Three significant digits (all digits of larger whole numbers), no
/// trailing zeros.
pub fn trim(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude == 0.0 || !magnitude.is_finite() {
        return format!("{value:.0}");
    }
    let decimals = (2 - magnitude.log10().floor() as i32).clamp(0, 12) as usize;
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

/// Messages per second as millions with two decimals.
pub fn millions(value: Option<f64>, medium: Medium) -> String {
    value.map_or_else(
        || medium.missing().to_owned(),
        |v| format!("{:.2}", v / 1e6),
    )
}

/// An interval of messages per second, in millions: `1.20–3.40`.
pub fn millions_interval(interval: Option<(f64, f64)>, medium: Medium) -> String {
    interval.map_or_else(
        || medium.missing().to_owned(),
        |(low, high)| format!("{:.2}–{:.2}", low / 1e6, high / 1e6),
    )
}

/// A ratio: `1.23x` or `1.23×`.
pub fn ratio(value: Option<f64>, medium: Medium) -> String {
    value.map_or_else(
        || medium.missing().to_owned(),
        |v| format!("{v:.2}{}", medium.times()),
    )
}

/// An interval of ratios: `0.97–1.05x` or `0.97–1.05×`.
pub fn ratio_interval(interval: Option<(f64, f64)>, medium: Medium) -> String {
    interval.map_or_else(
        || medium.missing().to_owned(),
        |(low, high)| format!("{low:.2}–{high:.2}{}", medium.times()),
    )
}

/// A duration in nanoseconds, with a unit that keeps it short: `87 ns`,
/// `1.25 µs`.
pub fn nanoseconds(value: f64) -> String {
    if value >= 1e9 {
        format!("{} s", trim(value / 1e9))
    } else if value >= 1e6 {
        format!("{} ms", trim(value / 1e6))
    } else if value >= 1e3 {
        format!("{} µs", trim(value / 1e3))
    } else {
        format!("{} ns", trim(value))
    }
}

/// Nanoseconds for a narrow column: whole ns below 10 µs (no unit), then
/// `12.3µs` or `1.25ms`.
pub fn nanoseconds_narrow(value: f64) -> String {
    if value < 10_000.0 {
        format!("{value:.0}")
    } else if value < 1_000_000.0 {
        format!("{:.1}µs", value / 1e3)
    } else {
        format!("{:.2}ms", value / 1e6)
    }
}

/// An optional figure with up to three significant digits.
pub fn optional(value: Option<f64>, medium: Medium) -> String {
    value.map_or_else(|| medium.missing().to_owned(), trim)
}

/// A cost per message for a narrow column: `0`, `4.0e-7`, `1.93`, `392`.
pub fn per_message(value: Option<f64>, medium: Medium) -> String {
    match value {
        None => medium.missing().to_owned(),
        Some(0.0) => "0".to_owned(),
        Some(v) if v < 0.01 => format!("{v:.1e}"),
        Some(v) if v < 100.0 => format!("{v:.2}"),
        Some(v) => format!("{v:.0}"),
    }
}

/// Consumer shares as percentages: `48–52%`.
pub fn shares((low, high): (f64, f64)) -> String {
    format!("{:.0}–{:.0}%", low * 100.0, high * 100.0)
}

/// A Unix time as `YYYY-MM-DD HH:MM:SS UTC`.
pub fn utc(unix_seconds: u64) -> String {
    let time = CivilTime::of(unix_seconds);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
        time.year, time.month, time.day, time.hour, time.minute, time.second
    )
}

/// A Unix time's calendar date and time of day, UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CivilTime {
    /// The year, e.g. 2026.
    pub year: i64,
    /// 1 (January) to 12.
    pub month: i64,
    /// 1 to 31.
    pub day: i64,
    /// 0 to 23.
    pub hour: u64,
    /// 0 to 59.
    pub minute: u64,
    /// 0 to 59.
    pub second: u64,
}

impl CivilTime {
    /// The date and time of `unix_seconds` (seconds since 1970-01-01
    /// 00:00:00 UTC).
    pub fn of(unix_seconds: u64) -> Self {
        let days = (unix_seconds / 86_400) as i64;
        let seconds_of_day = unix_seconds % 86_400;
        // Howard Hinnant's days-to-civil conversion.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let day_of_era = z.rem_euclid(146_097);
        let year_of_era =
            (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let month_index = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * month_index + 2) / 5 + 1;
        let month = if month_index < 10 {
            month_index + 3
        } else {
            month_index - 9
        };
        Self {
            year: year_of_era + era * 400 + i64::from(month <= 2),
            month,
            day,
            hour: seconds_of_day / 3600,
            minute: seconds_of_day / 60 % 60,
            second: seconds_of_day % 60,
        }
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape(r#"<a href="x">&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn the_two_media_differ_in_the_missing_mark_and_the_times_sign_only() {
        let both = |f: fn(Medium) -> String| (f(Medium::Terminal), f(Medium::Page));
        assert_eq!(both(|m| millions(None, m)), ("-".into(), "–".into()));
        assert_eq!(
            both(|m| millions(Some(1.5e6), m)),
            ("1.50".into(), "1.50".into())
        );
        assert_eq!(
            both(|m| ratio(Some(1.234), m)),
            ("1.23x".into(), "1.23×".into())
        );
        assert_eq!(
            both(|m| ratio_interval(Some((0.5, 1.25)), m)),
            ("0.50–1.25x".into(), "0.50–1.25×".into())
        );
        assert_eq!(
            both(|m| millions_interval(Some((1e6, 2.5e6)), m)),
            ("1.00–2.50".into(), "1.00–2.50".into())
        );
        assert_eq!(both(|m| per_message(Some(4e-7), m)).0, "4.0e-7");
        assert_eq!(nanoseconds_narrow(12_345.0), "12.3µs");
        assert_eq!(shares((0.481, 0.519)), "48–52%");
    }

    #[test]
    fn numbers_read_short() {
        assert_eq!(si(40_600_000.0), "40.6M");
        assert_eq!(si(1500.0), "1.5k");
        assert_eq!(nanoseconds(1250.0), "1.25 µs");
        assert_eq!(nanoseconds(87.0), "87 ns");
        assert_eq!(trim(0.0015), "0.0015");
        assert_eq!(trim(0.00012345), "0.000123");
        assert_eq!(trim(12_000.0), "12000");
        assert_eq!(trim(0.0), "0");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00 UTC");
    }
}
